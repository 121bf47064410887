"""What several test modules share: the data folders, the command runner, store builders.

The benchmark datasets (``SPARSEFS_DATA``, default ``../shared/datasets`` beside the checkout)
are not part of the repository (the paper's reference tables are: ``tests/data/reference``). A
test that reads a dataset carries ``@needs_data("colon.mat")``: without the file it is skipped
with one line naming the file and the variable that provides it, and with
``SPARSEFS_REQUIRE_DATA=1`` (set by ``.ci/run``) it fails instead, so that CI never skips it
silently.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pty
import select
import sqlite3
import struct
import subprocess
import sys
import termios
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from sparsefs.study import Cell, CellOutcome

SHARED_DATASETS = Path(os.environ.get("SPARSEFS_DATA", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
#: The paper's published tables (a copy of the data folder's reference/, small enough to ship).
REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
#: Set (to anything but "" or "0") where the data must be there: a missing file fails the test.
REQUIRE_VAR = "SPARSEFS_REQUIRE_DATA"


def needs_data(*names: str):
    """Mark a test (or class, or module: ``pytestmark``) that reads these files of the data folder."""
    return pytest.mark.needs_data(*(SHARED_DATASETS / name for name in names))


def missing_data(paths) -> str | None:
    """One line naming the first missing file and how to provide it; None when all are there."""
    for path in paths:
        if not Path(path).exists():
            return (f"needs {Path(path).name}, which is not in {Path(path).parent}: "
                    "set SPARSEFS_DATA to the folder that holds the benchmark datasets")
    return None


def skip_or_fail(message: str) -> None:
    """Skip with ``message``, or fail with it where the data is required (CI)."""
    if os.environ.get(REQUIRE_VAR, "") not in ("", "0"):
        pytest.fail(f"{message} ({REQUIRE_VAR} is set: the data must be there)", pytrace=False)
    pytest.skip(message)


def load_mat(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` of a scikit-feature ``.mat`` file from the shared datasets."""
    path = SHARED_DATASETS / name
    message = missing_data([path])
    if message:
        skip_or_fail(message)
    data = scipy.io.loadmat(path)
    return np.asarray(data["X"], dtype=np.float64), np.asarray(data["Y"]).ravel()


def sparsefs(*args, cwd=None, env_extra=None):
    """Run the ``sparsefs`` command in a subprocess with the shared data folder."""
    env = {**os.environ, "SPARSEFS_DATA": str(SHARED_DATASETS), **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "sparsefs.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


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


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


STORE_CELL = Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, 3, ("attribution", "strength"))


def outcome(cell=STORE_CELL, accuracy=0.75, status="done") -> CellOutcome:
    """A finished (or failed) cell's outcome with made-up measurements, for store tests."""
    rng = np.random.RandomState(cell.seed)
    importances = {metric: {"all_epochs": rng.rand(50), "best_epoch": rng.rand(50)} for metric in cell.metrics}
    record = {
        "best_epoch": 7, "n_epochs": 20, "val_loss": 0.42, "val_accuracy": 0.8, "n_features": 50,
        "history": {"epoch": [1, 2], "val_loss": [0.5, float("nan")]}, "n_parameters": 1234,
        "training_flops": 3 * 10**15, "fit_seconds": 1.5, "device": "cpu", "warnings": ["UserWarning: x"],
    }
    accuracies = [(m, w, k, accuracy) for m in cell.metrics for w in ("all_epochs", "best_epoch") for k in (5, 10)]
    if status == "failed":
        return CellOutcome(cell, "failed", {"error": "RuntimeError: boom", "traceback": "Traceback ..."})
    return CellOutcome(cell, status, record, importances, accuracies)


def foreign_database(path, *, with_cells=False):
    """Somebody else's SQLite file (rollback journal, as sqlite3 makes them)."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("INSERT INTO notes VALUES (1, 'mine')")
        if with_cells:
            connection.execute("CREATE TABLE cells (cell_id TEXT, status TEXT)")
    connection.close()
    return path


def damage(path) -> None:
    """Overwrite the first bytes of the cells table's root page (a damaged page on disk)."""
    connection = sqlite3.connect(path)
    root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cells'").fetchone()[0]
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * 64)
