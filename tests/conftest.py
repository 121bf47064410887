"""Shared fixtures: fixed seeds, and the real datasets in ../shared/datasets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

SHARED_DATASETS = Path(os.environ.get("SPARSEFS_DATA", Path(__file__).resolve().parents[2] / "shared" / "datasets"))


@pytest.fixture(autouse=True)
def _fixed_seeds():
    # The library never touches global RNGs; this only pins what tests draw themselves.
    np.random.seed(0)
    torch.manual_seed(0)


def load_mat(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` of a scikit-feature ``.mat`` file from the shared datasets."""
    path = SHARED_DATASETS / name
    if not path.exists():
        pytest.fail(f"shared dataset {path} is missing: set SPARSEFS_DATA to the datasets folder")
    data = scipy.io.loadmat(path)
    return np.asarray(data["X"], dtype=np.float64), np.asarray(data["Y"]).ravel()
