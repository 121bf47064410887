"""Studies end to end on the real shared datasets: CLI, resume, failures, kill -9, a dask cluster."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sparsefs.datasets import DatasetError
from sparsefs.study import StoreError, load_config, open_store, parse_config, run_study

from ._helpers import SHARED_DATASETS, assert_one_line_error, needs_data, run_on_terminal, sparsefs

#: The tiny study's datasets.
needs_tiny = needs_data("colon.mat", "lymphoma.mat")

TINY = """
[study]
store = "{store}"
datasets = ["colon", "lymphoma"]
seeds = {seeds}
k = [10, 50]
data_home = "{data}"

[network]
training = ["set"]
sparsity = {sparsity}
l2 = [1e-4]
max_epochs = {epochs}
patience = 2
hidden_layer_sizes = {hidden}

[baselines.lasso]
"""


def tiny(tmp_path, name="tiny", *, seeds="[0]", sparsity="[0.8]", epochs=4, hidden="[16, 4]", extra=""):
    """A study of SET (QS and Attr from one run) and Lasso on colon and lymphoma."""
    path = tmp_path / f"{name}.toml"
    text = TINY.format(store=tmp_path / f"{name}.sqlite", data=SHARED_DATASETS, seeds=seeds, sparsity=sparsity,
                       epochs=epochs, hidden=hidden)
    path.write_text(text + extra)
    return path


def contents(store_path) -> dict:
    """Everything a store says about its finished cells, for comparing two runs."""
    connection = sqlite3.connect(store_path)
    cells = {row[0]: row[1:] for row in connection.execute(
        "SELECT cell_id, status, val_loss, best_epoch, n_epochs, n_parameters, training_flops FROM cells")}
    accuracies = {row[:4]: row[4] for row in connection.execute("SELECT * FROM accuracies")}
    importances = {row[:3]: np.load(io.BytesIO(row[3])) for row in connection.execute("SELECT * FROM importances")}
    connection.close()
    return {"cells": cells, "accuracies": accuracies, "importances": importances}


def assert_same_results(a: dict, b: dict) -> None:
    assert a["cells"] == b["cells"]
    assert a["accuracies"] == b["accuracies"]
    assert a["importances"].keys() == b["importances"].keys()
    for key, vector in a["importances"].items():
        np.testing.assert_array_equal(vector, b["importances"][key])


@needs_tiny
def test_tiny_study_end_to_end_from_the_command_line(tmp_path):
    config = tiny(tmp_path)
    result = sparsefs("study", config)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("4 cells: 4 ran (0 failed), 0 re-evaluated, 0 were already done")
    assert result.stderr == ""  # not a terminal: no progress bar

    with open_store(tmp_path / "tiny.sqlite", create=False) as store:
        cells = store.query("SELECT * FROM cells")
        accuracies = store.query("SELECT * FROM accuracies")
        network_id = cells[cells.method == "set"].cell_id.iloc[0]
        vectors = store.importances(network_id)
    assert set(cells.status) == {"done"} and set(cells.dataset) == {"colon", "lymphoma"}
    network = cells[cells.method == "set"]
    assert (network.best_epoch >= 1).all() and (network.n_epochs <= 4).all()
    assert (cells.training_flops > 0).all() and (cells.n_parameters > 0).all() and (cells.peak_memory_bytes > 0).all()
    assert (cells.device == "cpu").all() and cells.sparsefs_version.notna().all() and cells.torch_version.notna().all()
    assert set(cells.n_features) == {2000, 4026}
    # Every metric and window of a network run is stored; SVM accuracy for each of them at every K.
    assert {metric: set(windows) for metric, windows in vectors.items()} == {
        "attribution": {"all_epochs", "best_epoch", "last_iteration"},
        "strength": {"all_epochs", "best_epoch", "last_iteration"},
    }
    assert len(accuracies[accuracies.cell_id == network_id]) == 2 * 3 * 2
    assert accuracies.accuracy.between(0, 1).all()

    table = sparsefs("results", tmp_path / "tiny.sqlite", "--k", 50, "--csv", tmp_path / "t.csv")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[1].split() == ["dataset", "SET-QS", "SET-Attr", "Lasso"]
    assert [line.split()[0] for line in lines[2:4]] == ["colon", "lymphoma"]
    assert "(0.8)" in lines[2]

    again = sparsefs("study", config)
    assert again.returncode == 0 and "4 cells: 0 ran (0 failed), 0 re-evaluated, 4 were already done" in again.stdout


@needs_tiny
def test_resume_reevaluate_and_force(tmp_path):
    config_path = tiny(tmp_path)
    first = run_study(load_config(config_path), threads=1)
    assert (first.ran, first.failed) == (4, 0)
    before = contents(tmp_path / "tiny.sqlite")

    # A new K is evaluated from the stored importances, without training again.
    config_path.write_text(config_path.read_text().replace("k = [10, 50]", "k = [10, 20, 50]"))
    added = run_study(load_config(config_path), threads=1)
    assert (added.ran, added.evaluated) == (0, 4)
    after = contents(tmp_path / "tiny.sqlite")
    assert after["cells"] == before["cells"]
    assert len(after["accuracies"]) == len(before["accuracies"]) * 3 // 2

    forced = run_study(load_config(config_path), threads=1, force=True)
    assert forced.ran == 4
    assert_same_results(after, contents(tmp_path / "tiny.sqlite"))  # same seeds, same results


@needs_tiny
def test_a_failing_cell_is_recorded_and_the_study_goes_on(tmp_path, monkeypatch):
    config = load_config(tiny(tmp_path, extra="[baselines.lassonet]\nhidden_dims = [4]\nlambda_start = 1.0\nn_iters = [5, 2]\n"))
    monkeypatch.setitem(sys.modules, "lassonet", None)  # as if the package could not be installed
    summary = run_study(config, threads=1)
    assert (summary.ran, summary.failed) == (6, 2)
    result = sparsefs("results", tmp_path / "tiny.sqlite", "--failures")
    assert result.returncode == 0
    assert result.stdout.count("BaselineUnavailable: the LassoNet baseline needs the 'lassonet' package") == 2

    kept = run_study(config, threads=1)  # failed cells are kept until asked for
    assert (kept.ran, kept.skipped_failed) == (0, 2)
    monkeypatch.delitem(sys.modules, "lassonet")
    retried = run_study(config, threads=1, retry_failed=True)
    assert (retried.ran, retried.failed) == (2, 0)
    with open_store(tmp_path / "tiny.sqlite", create=False) as store:
        assert set(store.statuses().values()) == {"done"}


@needs_tiny
def test_kill_9_loses_no_finished_cell_and_resumes_to_the_same_results(tmp_path):
    config = tiny(tmp_path, "killed", seeds="[0, 1, 2]", sparsity="[0.5, 0.8]", epochs=6, hidden="[64, 8]")
    store_path = tmp_path / "killed.sqlite"
    env = {**os.environ, "SPARSEFS_DATA": str(SHARED_DATASETS)}
    process = subprocess.Popen([sys.executable, "-m", "sparsefs.cli", "study", str(config), "--threads", "1", "--quiet"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    done = _wait_for_finished_cells(store_path, 3, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    total = 3 * 2 * 3  # seeds x datasets x (two sparsities + lasso)
    assert done < total, "the study finished before it could be killed: make its cells slower"

    connection = sqlite3.connect(store_path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    survived = dict(connection.execute("SELECT cell_id, status FROM cells"))
    # No half-written cell: every stored cell has all its importances and accuracies.
    for cell_id in survived:
        n_vectors = connection.execute("SELECT COUNT(*) FROM importances WHERE cell_id = ?", (cell_id,)).fetchone()[0]
        n_scores = connection.execute("SELECT COUNT(*) FROM accuracies WHERE cell_id = ?", (cell_id,)).fetchone()[0]
        assert (n_vectors, n_scores) in {(6, 12), (1, 2)}  # a network cell, a Lasso cell
    connection.close()
    assert len(survived) >= done

    resumed = sparsefs("study", config, "--threads", 1)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{total - len(survived)} ran (0 failed)" in resumed.stdout

    reference = tiny(tmp_path, "uninterrupted", seeds="[0, 1, 2]", sparsity="[0.5, 0.8]", epochs=6, hidden="[64, 8]")
    run_study(load_config(reference), threads=1)
    assert_same_results(contents(store_path), contents(tmp_path / "uninterrupted.sqlite"))


def _wait_for_finished_cells(store_path, wanted: int, process, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        if store_path.exists():
            try:
                connection = sqlite3.connect(store_path, timeout=1)
                done = connection.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
                connection.close()
            except sqlite3.OperationalError:  # the schema is still being created
                done = 0
            if done >= wanted:
                return done
        time.sleep(0.05)
    raise AssertionError(f"no {wanted} finished cells after {timeout} s")


@needs_tiny
def test_a_dask_cluster_of_worker_processes_gives_the_same_results(tmp_path):
    import distributed  # the [distributed] extra is part of [test]

    config = load_config(tiny(tmp_path, "cluster", seeds="[0, 1]"))
    with distributed.LocalCluster(n_workers=3, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks:
            summary = run_study(config, backend="dask", scheduler=cluster.scheduler_address, jobs=3, threads=1)
        worker_pids = set(client.run(os.getpid).values())
    assert (summary.ran, summary.failed) == (8, 0)
    ran_on = {task["worker"] for task in tasks.data}
    assert len(ran_on) >= 2 and os.getpid() not in worker_pids  # cells ran in several worker processes

    local = load_config(tiny(tmp_path, "local", seeds="[0, 1]"))
    run_study(local, threads=1)
    assert_same_results(contents(tmp_path / "cluster.sqlite"), contents(tmp_path / "local.sqlite"))


@needs_tiny
def test_live_progress_bar_on_a_terminal(tmp_path):
    command = [sys.executable, "-m", "sparsefs.cli", "study", str(tiny(tmp_path)), "--threads", "1"]
    status, output = run_on_terminal(command, columns=100)
    assert status == 0
    assert b"study" in output and b"4/4" in output and b"failed=0" in output


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("study", "absent.toml"), ["study configuration absent.toml does not exist"]),
        (("study", "bad.toml"), ["bad.toml: [study]: unknown key 'seed' (did you mean 'seeds'?)"]),
        # the study plan reads colon before it starts the backend
        pytest.param(("study", "good.toml", "--backend", "nonsense"), ["Invalid backend: nonsense"],
                     marks=needs_data("colon.mat")),
        pytest.param(("study", "good.toml", "--scheduler", "tcp://127.0.0.1:1"), ["only applies to --backend dask"],
                     marks=needs_data("colon.mat")),
        (("study", "good.toml", "--jobs", "0"), ["expected a positive integer"]),
        (("results", "absent.sqlite"), ["no results store at absent.sqlite"]),
        (("results", "text.sqlite"), ["is not a sparsefs results store"]),
    ],
)
def test_study_mistakes_end_in_one_clear_line(tmp_path, args, fragments):
    (tmp_path / "bad.toml").write_text("[study]\nstore = 'x'\ndatasets = ['colon']\nseed = [0]\n")
    (tmp_path / "good.toml").write_text(f"[study]\nstore = 'x.sqlite'\ndatasets = ['colon']\nseeds = [0]\n"
                                        f"data_home = '{SHARED_DATASETS}'\n[baselines.lasso]\n")
    (tmp_path / "text.sqlite").write_text("plain text, not a database" * 100)
    result = sparsefs(*args, cwd=tmp_path)
    if "--jobs" in args:  # argparse's own usage error
        assert result.returncode == 2 and fragments[0] in result.stderr
        return
    assert_one_line_error(result, *fragments)


ORPHANS = """
[study]
store = "{store}"
datasets = ["colon"]
seeds = [0, 1, 2, 3, 4, 5]
k = [10]
data_home = "{data}"

[network]
training = ["set"]
sparsity = [0.5]
max_epochs = 400
patience = 400
hidden_layer_sizes = [256, 32]
"""


@needs_data("colon.mat")
def test_kill_9_of_the_driver_leaves_no_worker_behind(tmp_path):
    import psutil  # installed with dask.distributed, part of [test]

    config = tmp_path / "orphans.toml"
    config.write_text(ORPHANS.format(store=tmp_path / "orphans.sqlite", data=SHARED_DATASETS))
    env = {**os.environ, "SPARSEFS_DATA": str(SHARED_DATASETS)}
    process = subprocess.Popen([sys.executable, "-m", "sparsefs.cli", "study", str(config), "--jobs", "2", "--threads", "1",
                                "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    driver = psutil.Process(process.pid)
    workers = []
    try:
        deadline = time.monotonic() + 300
        while len([p for p in driver.children() if "LokyProcess" in " ".join(p.cmdline())]) < 2:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the driver started no workers"
            time.sleep(0.1)
        time.sleep(3)  # the workers are starting up or running their first cells
        workers = driver.children(recursive=True)  # the two workers and joblib's resource trackers
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert alive == [], f"alive 30 s after the driver's kill -9: {[p.cmdline() for p in alive]}"
    finally:
        for worker in workers:  # never leave them behind, even when the test fails
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()
        if process.poll() is None:
            process.kill()


CSV_STUDY = """
[study]
store = "{store}"
datasets = ["{csv}"]
seeds = [0]
k = [2]

[baselines.lasso]

[datasets."{csv}"]
target = "{target}"
"""


def test_a_csv_dataset_in_a_study_with_its_target(tmp_path):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(60, 6), columns=[f"g{i}" for i in range(6)])
    frame["diagnosis"] = (frame.g3 > 0).astype(int)
    frame["site"] = np.where(frame.g1 > 0, 1, 2)
    csv = tmp_path / "patients.csv"
    frame.to_csv(csv, index=False)
    config = tmp_path / "csv.toml"
    config.write_text(CSV_STUDY.format(store=tmp_path / "csv.sqlite", csv=csv, target="diagnosis"))
    summary = run_study(load_config(config), threads=1)
    assert (summary.ran, summary.failed) == (1, 0)
    with open_store(tmp_path / "csv.sqlite", read_only=True) as store:
        cell = store.query("SELECT configuration, n_features FROM cells").iloc[0]
        top = np.argsort(-store.importances(store.statuses().popitem()[0])["abs_coefficient"]["final"])[0]
    assert json.loads(cell.configuration)["target"] == "diagnosis" and cell.n_features == 7  # all but the label
    assert top == 3  # g3 decides the diagnosis

    # Another label column of the same file would mix with these results in model selection: refused.
    config.write_text(CSV_STUDY.format(store=tmp_path / "csv.sqlite", csv=csv, target="site"))
    with pytest.raises(StoreError, match="were run with the label column 'diagnosis', this study names 'site'"):
        run_study(load_config(config), threads=1)


def test_a_refused_study_leaves_no_store_file(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "label": [0, 1, None, 1]})
    frame.to_csv(tmp_path / "holes.csv", index=False)
    config = tmp_path / "holes.toml"
    config.write_text(CSV_STUDY.format(store=tmp_path / "holes.sqlite", csv=tmp_path / "holes.csv", target="label"))
    with pytest.raises(DatasetError, match="1 of 4 labels are missing"):
        run_study(load_config(config), threads=1)
    assert not (tmp_path / "holes.sqlite").exists()


def _rule_study(store, min_best_epoch=None, seeds=2):
    network = {"training": ["dense", "set", "rigl"], "importance": ["attribution", "strength"],
               "sparsity": [0.5, 0.8, 0.95], "l2": [1e-4], "hidden_layer_sizes": [32, 8], "max_epochs": 12,
               "patience": 3, "learning_rate": 1e-2}
    if min_best_epoch is not None:
        network["min_best_epoch"] = min_best_epoch
    return parse_config({"study": {"store": str(store), "datasets": ["synthetic-100"], "seeds": seeds,
                                   "k": [10, 25]}, "network": network})


def test_cells_the_best_epoch_rule_cannot_change_are_copied_and_equal_a_training(tmp_path):
    """A cell with min_best_epoch = 5 whose rule-free twin is stored with a best epoch of 5 or
    later repeats that twin exactly: the study copies it (recorded in ``derived``) and trains
    the others; every copied cell equals the same cell trained in a fresh store."""
    resumed, fresh = tmp_path / "resumed.sqlite", tmp_path / "fresh.sqlite"
    run_study(_rule_study(resumed, min_best_epoch=1))
    with sqlite3.connect(resumed) as connection:  # min_best_epoch = 1 is what ran, not the selector's default 5
        assert min(best for (best,) in connection.execute("SELECT best_epoch FROM cells")) < 5
    summary = run_study(_rule_study(resumed))
    assert summary.derived > 0 and summary.ran > 0, summary  # both kinds occur in this grid
    assert summary.derived + summary.ran == summary.total
    run_study(_rule_study(fresh))

    def rows(path, sql):
        with sqlite3.connect(path) as connection:
            return {row[0]: row[1:] for row in connection.execute(sql)}

    derived = rows(resumed, "SELECT cell_id, source, reason FROM derived")
    assert len(derived) == summary.derived
    sources = rows(resumed, "SELECT cell_id, best_epoch FROM cells")
    assert all(sources[source][0] >= 5 for source, _ in derived.values())
    assert all("min_best_epoch = 5" in reason for _, reason in derived.values())
    cells = "SELECT cell_id, params, configuration, status, best_epoch, n_epochs, val_loss, history FROM cells"
    accuracies = "SELECT cell_id || metric || importance_window || k, accuracy FROM accuracies"
    vectors = "SELECT cell_id || metric || importance_window, vector FROM importances"
    fresh_cells = rows(fresh, cells)
    assert {cell_id: rows(resumed, cells)[cell_id] for cell_id in fresh_cells} == fresh_cells
    for sql in (accuracies, vectors):
        expected = rows(fresh, sql)
        got = rows(resumed, sql)
        assert {key: got[key] for key in expected} == expected
    # a second run finds everything done, copies nothing again
    again = run_study(_rule_study(resumed))
    assert (again.ran, again.derived, again.already_done) == (0, 0, again.total)

    # The store now holds two studies; --config reads one of them as if it were alone.
    config = tmp_path / "rule.toml"
    config.write_text(f"""
[study]
store = "{resumed}"
datasets = ["synthetic-100"]
seeds = 2
k = [10, 25]

[network]
training = ["dense", "set", "rigl"]
importance = ["attribution", "strength"]
sparsity = [0.5, 0.8, 0.95]
l2 = [1e-4]
hidden_layer_sizes = [32, 8]
max_epochs = 12
patience = 3
learning_rate = 1e-2
""")
    tables = {}
    for name, store, scope in (("scoped", resumed, ["--config", config]), ("alone", fresh, []),
                               ("both", resumed, [])):
        result = sparsefs("results", store, "--k", 10, "--csv", tmp_path / f"{name}.csv", *scope)
        assert result.returncode == 0, result.stderr
        tables[name] = pd.read_csv(tmp_path / f"{name}.csv").drop(columns="fit_seconds")  # timings differ
    pd.testing.assert_frame_equal(tables["scoped"], tables["alone"])
    assert not tables["both"].equals(tables["alone"])  # without --config, the rule-free cells take part
    report = sparsefs("report", resumed, "--out", tmp_path / "report", "--k", 10, "--config", config)
    assert report.returncode == 0, report.stderr
    assert f"{summary.derived} of the finished cells are copies" in (tmp_path / "report" / "index.html").read_text()
