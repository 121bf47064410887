"""Classification keeps its numbers through the task refactor: the same seeds give the same
importances as the code before it (tests/data/classification_golden.npz, written by
tests/data/make_classification_golden.py at the commit that precedes the refactor)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from ._helpers import SHARED_DATASETS, needs_data

GOLDEN = Path(__file__).parent / "data" / "classification_golden.npz"


def _maker():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN.with_name("make_classification_golden.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def one_thread():
    # The golden numbers were computed on one thread; the tests after this one keep theirs.
    previous = torch.get_num_threads()
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize("name", ["digits", pytest.param("Yale", marks=needs_data("Yale.mat"))])
def test_same_seeds_give_the_same_importances_as_before(name, monkeypatch, one_thread):
    monkeypatch.setenv("SPARSEFS_DATA", str(SHARED_DATASETS))
    golden = np.load(GOLDEN)
    now = _maker().compute([name])
    expected = [key for key in golden.files if key.startswith(f"{name}/")]
    assert expected and sorted(now) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(now[key], golden[key], rtol=1e-5, atol=1e-7, err_msg=key)
