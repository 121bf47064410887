"""The SQLite results store: round trips, replacement, transactions, and refusing what it cannot read."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from sparsefs.study import Cell, CellOutcome, SQLiteStore, StoreError, open_store

CELL = Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, 3, ("attribution", "strength"))


def outcome(cell=CELL, accuracy=0.75, status="done") -> CellOutcome:
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


def test_round_trip(tmp_path):
    stored = outcome()
    with open_store(tmp_path / "s.sqlite") as store:
        store.save(stored)
    with open_store(tmp_path / "s.sqlite", create=False) as store:
        assert store.statuses() == {CELL.cell_id: "done"}
        assert store.evaluated()[CELL.cell_id] == {(a[0], a[1], a[2]) for a in stored.accuracies}
        vectors = store.importances(CELL.cell_id)
        for metric in CELL.metrics:
            for window, vector in stored.importances[metric].items():
                np.testing.assert_array_equal(vectors[metric][window], vector)  # bit for bit
        row = store.query("SELECT * FROM cells").iloc[0]
    assert (row.dataset, row.method, row.seed, row.sparsity, row.l2) == ("colon", "set", 3, 0.9, 1e-4)
    assert json.loads(row.params) == {"sparsity": 0.9, "l2": 1e-4}
    assert json.loads(row.configuration)["metrics"] == ["attribution", "strength"]
    assert row.training_flops == 3 * 10**15 and row.best_epoch == 7
    assert json.loads(row.warnings) == ["UserWarning: x"]
    assert np.isnan(json.loads(row.history)["val_loss"][1])


def test_saving_again_replaces_the_whole_cell(tmp_path):
    with open_store(tmp_path / "s.sqlite") as store:
        store.save(outcome(accuracy=0.1))
        store.save(outcome(status="failed"))
        assert store.statuses() == {CELL.cell_id: "failed"}
        assert CELL.cell_id not in store.evaluated() and store.importances(CELL.cell_id) == {}
        assert store.query("SELECT error FROM cells").error[0] == "RuntimeError: boom"
        store.save(outcome(accuracy=0.9))
        assert set(store.query("SELECT accuracy FROM accuracies").accuracy) == {0.9}


def test_added_accuracies_join_the_cell(tmp_path):
    with open_store(tmp_path / "s.sqlite") as store:
        store.save(outcome())
        store.add_accuracies(CELL.cell_id, [("attribution", "all_epochs", 20, 0.5)])
        assert ("attribution", "all_epochs", 20) in store.evaluated()[CELL.cell_id]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    broken = outcome()
    broken.accuracies.append(("attribution", "all_epochs", 5, None))  # NOT NULL violation, after the rest
    with open_store(tmp_path / "s.sqlite") as store:
        with pytest.raises((TypeError, sqlite3.IntegrityError)):
            store.save(broken)
        assert store.statuses() == {} and store.importances(CELL.cell_id) == {}


def test_wal_mode_and_locations(tmp_path):
    path = tmp_path / "sub" / "s.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        assert isinstance(store, SQLiteStore) and store.path == path
        assert store.query("PRAGMA journal_mode").iloc[0, 0] == "wal"
    with pytest.raises(StoreError, match="only SQLite"):
        open_store("postgresql://host/db")


def test_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(StoreError, match="no results store at"):
        open_store(tmp_path / "absent.sqlite", create=False)
    (tmp_path / "text.sqlite").write_text("not a database at all, just some text" * 100)
    with pytest.raises(StoreError, match="is not a sparsefs results store"):
        open_store(tmp_path / "text.sqlite")
    with open_store(tmp_path / "old.sqlite"):
        pass
    connection = sqlite3.connect(tmp_path / "old.sqlite")
    with connection:
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(StoreError, match="schema version 0"):
        open_store(tmp_path / "old.sqlite")
