"""The results store: a SQL database that only the study's driver process writes.

Three tables: ``cells`` (one row per cell: configuration, status, measurements, versions),
``importances`` (the importance vector of every metric and window, so any K or window can be
evaluated again without retraining) and ``accuracies`` (SVM test accuracy per metric, window
and K). A finished cell is written in one transaction, so a crash or ``kill -9`` loses at most
the cells still in flight and never leaves half a cell behind.

:class:`ResultStore` is the interface the runner and the reports use; :class:`SQLiteStore`
implements it on one SQLite file in WAL mode (readers, such as ``sparsefs results``, may read
while a study writes). Its SQL is plain (no SQLite-only functions beyond the upsert), so
another database can be added as another subclass.
"""

from __future__ import annotations

import io
import json
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .cells import CellOutcome

SCHEMA_VERSION = "1"

#: Measurement columns of the cells table, filled from :attr:`CellOutcome.record`.
RECORD_COLUMNS = (
    "error",  # "Type: message" of a failed cell
    "traceback",
    "best_epoch",  # networks: epoch with the lowest validation loss (1-based)
    "n_epochs",  # networks and STG/LassoNet: epochs run; Lasso: solver iterations
    "val_loss",  # validation loss of the kept model: what model selection compares
    "val_accuracy",
    "history",  # networks: per-epoch losses and accuracies (JSON)
    "n_features",
    "n_parameters",
    "training_flops",
    "fit_seconds",
    "evaluation_seconds",
    "peak_memory_bytes",
    "peak_memory_measure",  # what peak_memory_bytes measured (process RSS, CUDA allocations)
    "device",
    "host",
    "sparsefs_version",
    "torch_version",
    "python_version",
    "warnings",  # distinct warnings raised while fitting (JSON)
    "finished_at",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    cell_id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    method TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    sparsity REAL,
    l2 REAL,
    configuration TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error TEXT, traceback TEXT,
    best_epoch INTEGER, n_epochs INTEGER, val_loss REAL, val_accuracy REAL, history TEXT,
    n_features INTEGER, n_parameters INTEGER, training_flops INTEGER,
    fit_seconds REAL, evaluation_seconds REAL, peak_memory_bytes INTEGER, peak_memory_measure TEXT,
    device TEXT, host TEXT, sparsefs_version TEXT, torch_version TEXT, python_version TEXT,
    warnings TEXT, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS importances (
    cell_id TEXT NOT NULL REFERENCES cells (cell_id),
    metric TEXT NOT NULL,
    importance_window TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (cell_id, metric, importance_window)
);
CREATE TABLE IF NOT EXISTS accuracies (
    cell_id TEXT NOT NULL REFERENCES cells (cell_id),
    metric TEXT NOT NULL,
    importance_window TEXT NOT NULL,
    k INTEGER NOT NULL,
    accuracy REAL NOT NULL,
    PRIMARY KEY (cell_id, metric, importance_window, k)
);
CREATE INDEX IF NOT EXISTS cells_by_configuration ON cells (dataset, method, params);
"""


class StoreError(ValueError):
    """The results store cannot be opened or does not hold what was asked for.

    Examples
    --------
    >>> from sparsefs.study import StoreError, open_store
    >>> try:
    ...     open_store("missing.sqlite", create=False)
    ... except StoreError as error:
    ...     print("refused")
    refused
    """


class ResultStore(ABC):
    """Where a study's results live.

    Examples
    --------
    :func:`open_store` gives the SQLite implementation:

    >>> from sparsefs.study import ResultStore, open_store
    >>> with open_store("results.sqlite") as store:
    ...     isinstance(store, ResultStore), store.statuses()
    (True, {})
    """

    @abstractmethod
    def statuses(self) -> dict[str, str]:
        """``cell_id -> "done" | "failed"`` for every stored cell."""

    @abstractmethod
    def evaluated(self) -> dict[str, set[tuple[str, str, int]]]:
        """``cell_id -> {(metric, window, k)}`` of the stored accuracies."""

    @abstractmethod
    def save(self, outcome: CellOutcome) -> None:
        """Store a cell's outcome (replacing any earlier one) in one transaction."""

    @abstractmethod
    def add_accuracies(self, cell_id: str, accuracies: Iterable[tuple[str, str, int, float]]) -> None:
        """Add accuracies evaluated later from a cell's stored importances, in one transaction."""

    @abstractmethod
    def importances(self, cell_id: str) -> dict[str, dict[str, np.ndarray]]:
        """``metric -> window -> vector`` of a stored cell."""

    @abstractmethod
    def query(self, sql: str, parameters: tuple = ()) -> pd.DataFrame:
        """Run a read-only SQL query over the tables."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class SQLiteStore(ResultStore):
    """A results store in one SQLite file (WAL mode, every cell one transaction).

    Examples
    --------
    >>> from sparsefs.study import SQLiteStore
    >>> with SQLiteStore("results.sqlite") as store:
    ...     store.query("SELECT COUNT(*) AS n FROM cells")["n"].tolist()
    [0]
    """

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StoreError(f"no results store at {self.path}")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection = sqlite3.connect(self.path, timeout=60)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")
            if create:
                with self._connection:
                    self._connection.executescript(_SCHEMA)
                    self._connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            version = self._connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a sparsefs results store: {error}") from None
        if version is None or version[0] != SCHEMA_VERSION:
            found = "none" if version is None else version[0]
            raise StoreError(f"{self.path}: results schema version {found}, this sparsefs reads version {SCHEMA_VERSION}")

    def statuses(self) -> dict[str, str]:
        return dict(self._connection.execute("SELECT cell_id, status FROM cells"))

    def evaluated(self) -> dict[str, set[tuple[str, str, int]]]:
        keys: dict[str, set] = {}
        for cell_id, metric, window, k in self._connection.execute(
            "SELECT cell_id, metric, importance_window, k FROM accuracies"
        ):
            keys.setdefault(cell_id, set()).add((metric, window, k))
        return keys

    def save(self, outcome: CellOutcome) -> None:
        cell = outcome.cell
        row = {
            "cell_id": cell.cell_id,
            "dataset": cell.dataset,
            "method": cell.method,
            "params": cell.params_key,
            "seed": cell.seed,
            "sparsity": cell.params.get("sparsity") if cell.is_network else None,
            "l2": cell.params.get("l2") if cell.is_network else None,
            "configuration": json.dumps(cell.configuration(), sort_keys=True),
            "status": outcome.status,
            **{column: _sql_value(outcome.record.get(column)) for column in RECORD_COLUMNS},
        }
        columns = ", ".join(row)
        placeholders = ", ".join("?" for _ in row)
        with self._connection:
            for table in ("accuracies", "importances"):
                self._connection.execute(f"DELETE FROM {table} WHERE cell_id = ?", (cell.cell_id,))
            self._connection.execute(f"INSERT OR REPLACE INTO cells ({columns}) VALUES ({placeholders})", tuple(row.values()))
            self._connection.executemany(
                "INSERT INTO importances VALUES (?, ?, ?, ?)",
                [
                    (cell.cell_id, metric, window, _encode(vector))
                    for metric, windows in outcome.importances.items()
                    for window, vector in windows.items()
                ],
            )
            self._insert_accuracies(cell.cell_id, outcome.accuracies)

    def add_accuracies(self, cell_id: str, accuracies) -> None:
        with self._connection:
            self._insert_accuracies(cell_id, accuracies)

    def _insert_accuracies(self, cell_id: str, accuracies) -> None:
        self._connection.executemany(
            "INSERT OR REPLACE INTO accuracies VALUES (?, ?, ?, ?, ?)",
            [(cell_id, metric, window, int(k), float(accuracy)) for metric, window, k, accuracy in accuracies],
        )

    def importances(self, cell_id: str) -> dict[str, dict[str, np.ndarray]]:
        vectors: dict[str, dict[str, np.ndarray]] = {}
        for metric, window, blob in self._connection.execute(
            "SELECT metric, importance_window, vector FROM importances WHERE cell_id = ?", (cell_id,)
        ):
            vectors.setdefault(metric, {})[window] = _decode(blob)
        return vectors

    def query(self, sql: str, parameters: tuple = ()) -> pd.DataFrame:
        cursor = self._connection.execute(sql, parameters)
        columns = [description[0] for description in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    def close(self) -> None:
        self._connection.close()


def open_store(location: str | Path, *, create: bool = True) -> ResultStore:
    """The store at ``location``: a file path or ``sqlite:///path`` (the only kind so far).

    Examples
    --------
    >>> from sparsefs.study import open_store
    >>> with open_store("results.sqlite") as store:
    ...     store.evaluated()
    {}
    """
    text = str(location)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme != "sqlite":
            raise StoreError(f"unsupported results store {text!r}: only SQLite files (a path or sqlite:///path)")
        text = rest.removeprefix("/")
    return SQLiteStore(text, create=create)


def _sql_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, allow_nan=True)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _encode(vector: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(vector), allow_pickle=False)
    return buffer.getvalue()


def _decode(blob: bytes) -> np.ndarray:
    return np.load(io.BytesIO(blob), allow_pickle=False)
