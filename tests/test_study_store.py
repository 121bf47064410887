"""The SQLite results store: round trips, replacement, transactions, and refusing what it cannot read."""

from __future__ import annotations

import json
import os
import sqlite3

import numpy as np
import pytest

from sparsefs.study import Cell, CellOutcome, SQLiteStore, StoreError, open_store, results_table
from sparsefs.study.store import _SCHEMA, APPLICATION_ID, SCHEMA_VERSION

from ._helpers import STORE_CELL, damage, foreign_database, outcome, sha256

CELL = STORE_CELL


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


def todays_store(path):
    """A store as sparsefs wrote them before stores carried an application id."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    with connection:
        connection.executescript(_SCHEMA)
        connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    connection.close()
    return path


@pytest.mark.parametrize("with_cells", [False, True])
@pytest.mark.parametrize("mode", ["create", "existing", "read only"])
def test_a_foreign_database_is_refused_and_left_untouched(tmp_path, with_cells, mode):
    path = foreign_database(tmp_path / "other.db", with_cells=with_cells)
    before, files = sha256(path), sorted(os.listdir(tmp_path))
    with pytest.raises(StoreError, match="other.db is an SQLite database but not a sparsefs results store .*does not write"):
        open_store(path, create=mode == "create", read_only=mode == "read only")
    assert sha256(path) == before and sorted(os.listdir(tmp_path)) == files
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not switched to WAL
    assert {row[0] for row in connection.execute("SELECT name FROM sqlite_master")} >= {"notes"}
    assert "meta" not in {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()


@pytest.mark.parametrize("mode", ["create", "read only"])
def test_an_empty_file_is_not_taken_for_a_new_store(tmp_path, mode):
    path = tmp_path / "empty.sqlite"
    path.touch()
    with pytest.raises(StoreError, match="empty.sqlite is an empty file, not a sparsefs results store"):
        open_store(path, read_only=mode == "read only")
    assert path.stat().st_size == 0 and os.listdir(tmp_path) == ["empty.sqlite"]


def test_a_folder_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="is a folder, not a results store"):
        open_store(tmp_path)


def test_a_new_store_is_marked_and_made_atomically(tmp_path):
    with open_store(tmp_path / "new.sqlite") as store:
        assert store.query("PRAGMA application_id").iloc[0, 0] == APPLICATION_ID
        assert store.query("SELECT value FROM meta").value.tolist() == [SCHEMA_VERSION]
    assert os.listdir(tmp_path) == ["new.sqlite"]  # no temporary file left beside it


def test_stores_written_by_earlier_versions_are_read_and_not_rewritten(tmp_path):
    path = todays_store(tmp_path / "old.sqlite")
    with open_store(path) as store:
        store.save(outcome())
    before = sha256(path)
    with open_store(path, read_only=True) as store:
        assert store.statuses() == {CELL.cell_id: "done"}
        assert store.query("PRAGMA application_id").iloc[0, 0] == 0  # its header is left as it was
    assert sha256(path) == before


def test_a_store_made_before_the_scores_table_is_read_and_resumed(tmp_path):
    path = tmp_path / "v1.sqlite"
    connection = sqlite3.connect(path)
    with connection:  # the schema as it was before the scores table existed
        connection.executescript(_SCHEMA.split("CREATE TABLE IF NOT EXISTS scores")[0])
        connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    connection.close()
    old_cell = Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, 4, ("attribution", "strength"))
    with sqlite3.connect(path) as connection:  # a cell written by that version
        connection.execute("INSERT INTO cells (cell_id, dataset, method, params, seed, configuration, status) "
                           "VALUES (?, 'colon', 'set', ?, 4, '{}', 'done')", (old_cell.cell_id, old_cell.params_key))
    connection.close()
    before = sha256(path)
    with open_store(path, read_only=True) as store:  # readers work without it and change nothing
        assert results_table(store).empty  # no accuracies yet; no error for the missing table
        assert store.statuses() == {old_cell.cell_id: "done"}
    assert sha256(path) == before
    stored = outcome()
    stored = CellOutcome(stored.cell, stored.status, stored.record, stored.importances, stored.accuracies,
                         scores=[("attribution", "all_epochs", 5, "rmse", 0.25)])
    with open_store(path, create=False) as store:  # a study resuming it can write every measure
        store.save(stored)
        assert store.statuses() == {old_cell.cell_id: "done", CELL.cell_id: "done"}
        assert store.query("SELECT measure, value FROM scores").values.tolist() == [["rmse", 0.25]]


def test_a_read_only_store_is_never_written(tmp_path):
    path = tmp_path / "s.sqlite"
    with open_store(path) as store:
        store.save(outcome())
    before = sha256(path)
    with open_store(path, read_only=True) as store:
        assert store.statuses() == {CELL.cell_id: "done"}
        store.query("SELECT * FROM accuracies")
        with pytest.raises(StoreError, match="s.sqlite: attempt to write a readonly database"):
            store.save(outcome(accuracy=0.1))  # an SQLite error reaches the caller as a StoreError
    assert sha256(path) == before


@pytest.mark.parametrize("read_only", [False, True])
def test_a_damaged_store_is_refused_with_a_way_to_recover(tmp_path, read_only):
    path = tmp_path / "s.sqlite"
    with open_store(path) as store:
        for seed in range(5):
            store.save(outcome(Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, seed, ("attribution",))))
    damage(path)
    before = sha256(path)
    with pytest.raises(StoreError, match=r"results store .*s.sqlite is damaged \(.*\); restore it from a backup, .*"
                                         r"\.recover \| sqlite3 .*s-recovered.sqlite"):
        open_store(path, read_only=read_only)
    assert sha256(path) == before
