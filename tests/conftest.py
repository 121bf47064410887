"""Shared fixtures and hooks: fixed seeds, and tests that need the benchmark data (tests/_helpers.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ._helpers import missing_data, skip_or_fail


@pytest.fixture(autouse=True)
def _fixed_seeds():
    # The library never touches global RNGs; this only pins what tests draw themselves.
    np.random.seed(0)
    torch.manual_seed(0)


def pytest_runtest_setup(item):
    """A test marked ``needs_data`` skips (or, with SPARSEFS_REQUIRE_DATA, fails) without its files."""
    paths = [path for marker in item.iter_markers("needs_data") for path in marker.args]
    message = missing_data(paths)
    if message:
        skip_or_fail(message)
