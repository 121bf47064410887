"""Shared fixtures: fixed seeds, and the real datasets in ../shared/datasets."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
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


def run_on_terminal(command: list[str], columns: int = 80, env: dict | None = None) -> tuple[int, bytes]:
    """Run ``command`` with stderr on a pseudo-terminal of ``columns``; its exit status and output."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, env=env or dict(os.environ))
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=300), output
