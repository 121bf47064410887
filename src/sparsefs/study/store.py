"""The results store: a SQL database that only the study's driver process writes.

Four tables: ``cells`` (one row per cell: configuration, status, measurements, versions),
``importances`` (the importance vector of every metric and window, so any K or window can be
evaluated again without retraining), ``accuracies`` (the task's main measure per metric, window
and K: SVM test accuracy; SVR test R² for regression; for unsupervised selection, SVM accuracy
on labels the selection never saw) and ``scores`` (every measure, e.g. ``rmse`` and
``reconstruction_mse`` beside the main one; stores made before it existed gain it, empty,
when next opened for writing, and are read without it). A finished cell is written in one transaction, so a crash or ``kill -9`` loses at most
the cells still in flight and never leaves half a cell behind.

:class:`ResultStore` is the interface the runner and the reports use; :class:`SQLiteStore`
implements it on one SQLite file in WAL mode (readers, such as ``sparsefs results``, may read
while a study writes). Its SQL is plain (no SQLite-only functions beyond the upsert), so
another database can be added as another subclass.

A store is only ever written when it is recognisably sparsefs's own: a file created by
sparsefs (atomically, so no half-made store is ever seen under its name), or an existing
SQLite file whose tables and ``meta.schema_version`` are this schema's (stores created from
now on also carry :data:`APPLICATION_ID`). Every open first checks this, and the file's
integrity (``PRAGMA quick_check``), on a read-only connection; readers never open any other.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sqlite3
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

import numpy as np
import pandas as pd

from .cells import Cell, CellOutcome

SCHEMA_VERSION = "1"
#: ``PRAGMA application_id`` of stores created by sparsefs ("spfs"); older stores have 0 and
#: are recognised by their tables and schema version.
APPLICATION_ID = 0x73706673
#: Tables and ``cells`` columns a file must have to be taken for a results store.
_REQUIRED_TABLES = {"meta", "cells", "importances", "accuracies"}
_REQUIRED_CELL_COLUMNS = {"cell_id", "dataset", "method", "params", "seed", "configuration", "status"}

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
CREATE TABLE IF NOT EXISTS scores (
    cell_id TEXT NOT NULL REFERENCES cells (cell_id),
    metric TEXT NOT NULL,
    importance_window TEXT NOT NULL,
    k INTEGER NOT NULL,
    measure TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (cell_id, metric, importance_window, k, measure)
);
-- cells copied from a run that the setting which tells them apart could not change
-- (cells.rule_free_twin): the source cell and why
CREATE TABLE IF NOT EXISTS derived (
    cell_id TEXT PRIMARY KEY REFERENCES cells (cell_id),
    source TEXT NOT NULL REFERENCES cells (cell_id),
    reason TEXT NOT NULL
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
    def add_accuracies(self, cell_id: str, accuracies: Iterable[tuple[str, str, int, float]], scores=()) -> None:
        """Add accuracies evaluated later from a cell's stored importances, in one transaction."""

    @abstractmethod
    def derive(self, cell: Cell, source: str, reason: str) -> None:
        """Store ``cell`` as a copy of the finished cell ``source`` (its measurements,
        importances and accuracies), recording ``source`` and ``reason`` in ``derived``."""

    @abstractmethod
    def restrict_to(self, cell_ids: Iterable[str]) -> None:
        """Make every later read of this (read-only) store see only the cells ``cell_ids``
        and their rows: a store may hold several studies (``sparsefs results --config``)."""

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


def _sqlite_errors(method):
    """SQLite errors reach the caller as one-line :class:`StoreError` naming the store.

    Integrity and programming errors (a constraint violated by what is written, a misused
    connection) are bugs, and stay as they are.
    """

    @functools.wraps(method)
    def translated(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
            raise
        except sqlite3.DatabaseError as error:
            raise StoreError(_explained(self.path, error)) from error

    return translated


class SQLiteStore(ResultStore):
    """A results store in one SQLite file (WAL mode, every cell one transaction).

    ``create``: make a new store when nothing exists at ``path`` (never over an existing file,
    empty or not). ``read_only``: open through SQLite's read-only mode (``mode=ro``): no
    journal settings, no writes of any kind; what ``sparsefs results`` and ``report`` use.
    An existing file is used only if it is a results store of this schema and passes
    ``PRAGMA quick_check``; anything else raises :class:`StoreError` before any write.

    Examples
    --------
    >>> from sparsefs.study import SQLiteStore
    >>> with SQLiteStore("results.sqlite") as store:
    ...     store.query("SELECT COUNT(*) AS n FROM cells")["n"].tolist()
    [0]
    """

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a results store")
        if not self.path.exists():
            if read_only or not create:
                raise StoreError(f"no results store at {self.path}")
            _create_store(self.path)
        _check_store(self.path)
        try:
            if read_only:
                self._connection = sqlite3.connect(_read_only_uri(self.path), uri=True, timeout=60)
            else:
                self._connection = sqlite3.connect(self.path, timeout=60)
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=FULL")
                # Tables added to the schema since the store was made (``scores``), empty;
                # every statement is CREATE ... IF NOT EXISTS, so an up-to-date store is unchanged.
                with self._connection:
                    self._connection.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise StoreError(_explained(self.path, error)) from error

    @_sqlite_errors
    def statuses(self) -> dict[str, str]:
        return dict(self._connection.execute("SELECT cell_id, status FROM cells"))

    @_sqlite_errors
    def evaluated(self) -> dict[str, set[tuple[str, str, int]]]:
        keys: dict[str, set] = {}
        for cell_id, metric, window, k in self._connection.execute(
            "SELECT cell_id, metric, importance_window, k FROM accuracies"
        ):
            keys.setdefault(cell_id, set()).add((metric, window, k))
        return keys

    @_sqlite_errors
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
            for table in ("accuracies", "importances", "scores", "derived"):
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
            self._insert_accuracies(cell.cell_id, outcome.accuracies, outcome.scores)

    @_sqlite_errors
    def derive(self, cell: Cell, source: str, reason: str) -> None:
        copied = ", ".join(("dataset", "method", "seed", "sparsity", "l2", "status") + RECORD_COLUMNS)
        with self._connection:
            for table in ("accuracies", "importances", "scores", "derived"):
                self._connection.execute(f"DELETE FROM {table} WHERE cell_id = ?", (cell.cell_id,))
            inserted = self._connection.execute(
                f"INSERT OR REPLACE INTO cells (cell_id, params, configuration, {copied}) "
                f"SELECT ?, ?, ?, {copied} FROM cells WHERE cell_id = ? AND status = 'done'",
                (cell.cell_id, cell.params_key, json.dumps(cell.configuration(), sort_keys=True), source),
            ).rowcount
            if inserted != 1:
                raise StoreError(f"cannot derive cell {cell.cell_id}: {source} is not a finished cell of this store")
            for table, columns in (("importances", "metric, importance_window, vector"),
                                   ("accuracies", "metric, importance_window, k, accuracy"),
                                   ("scores", "metric, importance_window, k, measure, value")):
                self._connection.execute(
                    f"INSERT INTO {table} SELECT ?, {columns} FROM {table} WHERE cell_id = ?", (cell.cell_id, source)
                )
            self._connection.execute("INSERT INTO derived VALUES (?, ?, ?)", (cell.cell_id, source, reason))

    @_sqlite_errors
    def restrict_to(self, cell_ids: Iterable[str]) -> None:
        if not self.read_only:
            raise StoreError("only a store opened read-only can be restricted to some of its cells")
        # Views in SQLite's temporary schema shadow the tables of the same name for every query
        # that follows, and live in memory: the file is not touched.
        connection = self._connection
        tables = {name for (name,) in connection.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS scope (cell_id TEXT PRIMARY KEY)")
        connection.execute("DELETE FROM temp.scope")
        connection.executemany("INSERT OR IGNORE INTO temp.scope VALUES (?)", ((cell_id,) for cell_id in cell_ids))
        for table in sorted(tables & {"cells", "importances", "accuracies", "scores", "derived"}):
            connection.execute(f"CREATE TEMP VIEW IF NOT EXISTS {table} AS SELECT * FROM main.{table} "
                               "WHERE cell_id IN (SELECT cell_id FROM temp.scope)")

    @_sqlite_errors
    def add_accuracies(self, cell_id: str, accuracies, scores=()) -> None:
        with self._connection:
            self._insert_accuracies(cell_id, accuracies, scores)

    def _insert_accuracies(self, cell_id: str, accuracies, scores=()) -> None:
        self._connection.executemany(
            "INSERT OR REPLACE INTO accuracies VALUES (?, ?, ?, ?, ?)",
            [(cell_id, metric, window, int(k), float(accuracy)) for metric, window, k, accuracy in accuracies],
        )
        self._connection.executemany(
            "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?, ?)",
            [(cell_id, metric, window, int(k), measure, float(value)) for metric, window, k, measure, value in scores],
        )

    @_sqlite_errors
    def importances(self, cell_id: str) -> dict[str, dict[str, np.ndarray]]:
        vectors: dict[str, dict[str, np.ndarray]] = {}
        for metric, window, blob in self._connection.execute(
            "SELECT metric, importance_window, vector FROM importances WHERE cell_id = ?", (cell_id,)
        ):
            vectors.setdefault(metric, {})[window] = _decode(blob)
        return vectors

    @_sqlite_errors
    def query(self, sql: str, parameters: tuple = ()) -> pd.DataFrame:
        cursor = self._connection.execute(sql, parameters)
        columns = [description[0] for description in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    def close(self) -> None:
        self._connection.close()


def open_store(location: str | Path, *, create: bool = True, read_only: bool = False) -> ResultStore:
    """The store at ``location``: a file path or ``sqlite:///path`` (the only kind so far).

    ``create``: start a new store if nothing exists there; ``read_only``: open it for reading
    only (see :class:`SQLiteStore`).

    Examples
    --------
    >>> from sparsefs.study import open_store
    >>> with open_store("results.sqlite") as store:
    ...     store.evaluated()
    {}
    """
    return SQLiteStore(store_path(location), create=create, read_only=read_only)


def store_path(location: str | Path) -> Path:
    """The file of the store at ``location`` (a path or ``sqlite:///path``)."""
    text = str(location)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme != "sqlite":
            raise StoreError(f"unsupported results store {text!r}: only SQLite files (a path or sqlite:///path)")
        text = rest.removeprefix("/")
    return Path(text)


def _read_only_uri(path: Path) -> str:
    return path.absolute().as_uri() + "?mode=ro"


def _create_store(path: Path) -> None:
    """Create a new, empty store at ``path``, atomically and never over an existing file.

    The schema is written to a temporary file beside ``path``, which is then hard-linked to
    ``path`` (an operation that fails if ``path`` exists), so no other process ever sees a
    half-made store under that name, and a crash leaves at most the hidden temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".creating", dir=path.parent)
    os.close(descriptor)
    try:
        connection = sqlite3.connect(temporary)
        try:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("PRAGMA journal_mode=WAL")
            with connection:
                connection.executescript(_SCHEMA)
                connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        finally:
            connection.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another driver created it first: it is checked like any existing store
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temporary, path)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"cannot create a results store at {path}: {error}") from error
    finally:
        for leftover in (temporary, f"{temporary}-wal", f"{temporary}-shm", f"{temporary}-journal"):
            with suppress(FileNotFoundError):
                os.unlink(leftover)


def _check_store(path: Path) -> None:
    """Raise :class:`StoreError` unless ``path`` is an intact results store of this schema.

    Runs on a read-only connection, so a file that is not ours is never changed by the check.
    """
    if path.stat().st_size == 0:
        raise StoreError(f"{path} is an empty file, not a sparsefs results store; sparsefs only writes stores it "
                         "created or recognises: delete the file or choose another path")
    try:
        connection = sqlite3.connect(_read_only_uri(path), uri=True, timeout=60)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"cannot open {path}: {error}") from error
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        if application_id not in (0, APPLICATION_ID) or not _REQUIRED_TABLES <= tables:
            shown = ", ".join(sorted(tables)) or "none"
            raise StoreError(f"{path} is an SQLite database but not a sparsefs results store (its tables: {shown}); "
                             "sparsefs does not write to it")
        columns = {row[1] for row in connection.execute("PRAGMA table_info(cells)")}
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if not _REQUIRED_CELL_COLUMNS <= columns or version is None:
            raise StoreError(f"{path} is an SQLite database but not a sparsefs results store (its cells table or "
                             "schema version is not sparsefs's); sparsefs does not write to it")
        if version[0] != SCHEMA_VERSION:
            raise StoreError(f"{path}: results schema version {version[0]}, this sparsefs reads version {SCHEMA_VERSION}")
        problems = [" ".join(str(row[0]).split()) for row in connection.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise StoreError(_damaged(path, f"SQLite's quick_check found: {'; '.join(problems)[:300]}"))
    except sqlite3.DatabaseError as error:
        raise StoreError(_explained(path, error)) from error
    finally:
        connection.close()


def _explained(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "file is not a database" in text:
        return f"{path} is not a sparsefs results store: {text}"
    if "malformed" in text or "corrupt" in text:
        return _damaged(path, text)
    return f"results store {path}: {text}"


def _damaged(path: Path, detail: str) -> str:
    salvaged = path.with_name(f"{path.stem}-recovered{path.suffix}")
    return (f"results store {path} is damaged ({detail}); restore it from a backup, or save what is readable into "
            f"a new store with: sqlite3 '{path}' .recover | sqlite3 '{salvaged}' (then run the study on that one, "
            "which recomputes the lost cells), or delete it and run the study again")


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
