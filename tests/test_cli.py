"""The sparsefs command end to end, in subprocesses, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ._helpers import SHARED_DATASETS, assert_one_line_error, needs_data, run_on_terminal, sparsefs


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "sparsefs")
    result = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("sparsefs ")


@needs_data("colon.mat")
def test_select_then_evaluate_a_registered_dataset(tmp_path):
    ranking = tmp_path / "colon.csv"
    result = sparsefs("select", "colon", "-k", 30, "--max-epochs", 8, "--sparsity", 0.8, "--out", ranking)
    assert result.returncode == 0, result.stderr
    assert "validation accuracy" in result.stdout and "top 20 of 30" in result.stdout
    assert result.stderr == ""  # not a terminal: no progress bar
    table = pd.read_csv(ranking)
    assert list(table.columns) == ["rank", "feature", "importance", "selected"]
    assert table["selected"].sum() == 30 and table["selected"][:30].all()
    assert len(table) == 2000 and table["importance"].is_monotonic_decreasing
    assert sorted(table["feature"]) == list(range(2000))

    result = sparsefs("evaluate", "colon", "--ranking", ranking, "-k", "5,30")
    assert result.returncode == 0, result.stderr
    accuracies = [float(line.split()[1]) for line in result.stdout.splitlines()[2:]]
    assert len(accuracies) == 2 and all(0 <= a <= 1 for a in accuracies)


def test_select_on_a_csv_file_keeps_feature_names(tmp_path):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(120, 6), columns=[f"gene_{i}" for i in range(6)])
    frame["status"] = np.where(frame["gene_2"] > 0, "sick", "healthy")
    frame.to_csv(tmp_path / "patients.csv", index=False)
    result = sparsefs("select", "patients.csv", "--target", "status", "-k", 2, "--max-epochs", 30,
                      "--training", "dense", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "ranking.csv")
    assert table["feature"].iloc[0] == "gene_2"
    result = sparsefs("evaluate", "patients.csv", "--target", "status", "--ranking", "ranking.csv", "-k", "1,2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_formula_like_feature_names_are_escaped_and_read_back(tmp_path):
    # Feature names come from the user's file: written so that no spreadsheet runs them, read back exactly.
    names = ["=SUM(A1:A9)", "+cmd", "-log_x", "@at", "'quoted", "plain"]
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(90, len(names)), columns=names)
    frame["status"] = (frame["=SUM(A1:A9)"] > 0).astype(int)
    frame.to_csv(tmp_path / "formulas.csv", index=False)
    result = sparsefs("select", "formulas.csv", "--target", "status", "-k", 2, "--max-epochs", 20, "--training", "dense",
                      "--show", 0, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "selected features:" not in result.stdout  # --show 0: no list
    written = pd.read_csv(tmp_path / "ranking.csv")["feature"]
    assert sorted(written) == sorted(["'=SUM(A1:A9)", "'+cmd", "'-log_x", "'@at", "''quoted", "plain"])
    assert written.iloc[0] == "'=SUM(A1:A9)"  # the informative column, first
    result = sparsefs("evaluate", "formulas.csv", "--target", "status", "--ranking", "ranking.csv", "-k", "1,6", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.splitlines()[2].split()[1]) > 0.8  # k=1 is the informative column, found by name


@needs_data("Isolet.mat")
def test_datasets_lists_the_registry_with_local_status():
    result = sparsefs("datasets")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert "present, sha256 verified" in lines["Isolet"]
    assert "absent" in lines["SMK-CAN-187"]
    assert len([line for line in lines.values() if " yes " in line]) == 18


def test_demo_writes_its_table_and_heat_map(tmp_path):
    result = sparsefs("demo", "--max-epochs", 4, "--out", tmp_path, env_extra={"SPARSEFS_DATA": str(tmp_path / "none")})
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(("synthetic", "digits"))]
    for dataset in ("synthetic", "digits"):
        methods = [line.split()[-7] for line in rows if line.startswith(dataset)]
        assert methods == ["SET-Attr", "SET-QS", "Dense-Attr"]
    png = tmp_path / "sparsefs-demo-digits.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_data("colon.mat")
def test_progress_bar_on_a_terminal(tmp_path):
    # stderr on an 80-column terminal: the epoch bar with the losses appears
    command = ["select", "colon", "-k", "5", "--max-epochs", "3", "--out", str(tmp_path / "r.csv")]
    env = {**os.environ, "SPARSEFS_DATA": str(SHARED_DATASETS)}
    status, output = run_on_terminal([sys.executable, "-m", "sparsefs.cli", *command], env=env)
    assert status == 0
    assert b"training" in output and b"/3 [" in output and b"val_loss" in output


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("select", "ImageNet"), ["unknown dataset 'ImageNet'"]),
        pytest.param(("select", "colon", "-k", 5000), ["-k 5000 is larger than the 2000 features of colon"], marks=needs_data("colon.mat")),
        pytest.param(("select", "colon", "--sparsity", 1.5), ["sparsity"], marks=needs_data("colon.mat")),
        pytest.param(("evaluate", "colon", "--ranking", "missing.csv"), ["ranking file missing.csv does not exist"], marks=needs_data("colon.mat")),
        pytest.param(("evaluate", "colon", "--ranking", "bad.csv"), ["needs the columns rank and feature"], marks=needs_data("colon.mat")),
        (("select", "broken.npz"), ["cannot read broken.npz"]),
        # without --target a table is unsupervised; a supervised task then needs the column named
        (("select", "table.csv", "-k", 1, "--task", "classification"), ["--task classification needs a target", "--target"]),
        (("select", "table.csv"), ["-k 100 is larger than the 2 features of table"]),
        (("select", "table.csv", "--target", "outcome"), ["has no column 'outcome'"]),
    ],
)
def test_user_mistakes_end_in_one_clear_line(tmp_path, args, fragments):
    (tmp_path / "broken.npz").write_bytes(b"garbage")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]}).to_csv(tmp_path / "table.csv", index=False)
    assert_one_line_error(sparsefs(*args, cwd=tmp_path), *fragments)
