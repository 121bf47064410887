"""Classification keeps its numbers through the task refactor: the same seeds give the same
importances as the code before it (tests/data/classification_golden.npz, written by
tests/data/make_classification_golden.py at the commit that precedes the refactor)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from .conftest import SHARED_DATASETS

GOLDEN = Path(__file__).parent / "data" / "classification_golden.npz"


def _maker():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN.with_name("make_classification_golden.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (SHARED_DATASETS / "Yale.mat").exists(), reason="Yale.mat is not in the data folder")
def test_same_seeds_give_the_same_importances_as_before(monkeypatch):
    monkeypatch.setenv("SPARSEFS_DATA", str(SHARED_DATASETS))
    golden = np.load(GOLDEN)
    now = _maker().compute()
    assert sorted(now) == sorted(golden.files)
    for key in golden.files:
        np.testing.assert_allclose(now[key], golden[key], rtol=1e-5, atol=1e-7, err_msg=key)
