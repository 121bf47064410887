"""'sparsefs select': K modes, training parameters, repeats and --plot, end to end."""

from __future__ import annotations

import pandas as pd
import pytest

from sparsefs.cli import main

from ._helpers import SHARED_DATASETS, needs_data, sparsefs

pytestmark = needs_data("colon.mat")  # every test selects on colon


def test_fraction_repeats_and_plot(tmp_path):
    ranking, picture = tmp_path / "ranking.csv", tmp_path / "plots.png"
    result = sparsefs("select", "colon", "-k", "0.01", "--max-epochs", 3, "--hidden-layer-sizes", "32,8",
                      "--repeats", 2, "--plot", picture, "--out", ranking, "--show", 0)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(ranking)
    assert table.selected.sum() == 20 and table.selected[:20].all()  # 1% of colon's 2000 features
    assert table.selection_frequency.between(0, 1).all() and table.selection_frequency.sum() == pytest.approx(40 / 2)
    assert "2 repeats: stability of the top 20" in result.stdout
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_training_parameters_reach_the_estimator(tmp_path):
    result = sparsefs("select", "colon", "-k", 5, "--training", "dense", "--hidden-layer-sizes", 8, "--batch-size", 16,
                      "--learning-rate", 0.01, "--max-epochs", 2, "--backend", "masked", "--device", "cpu",
                      "--out", tmp_path / "r.csv")
    assert result.returncode == 0, result.stderr
    # A dense 2000 -> 8 -> 2 network: 2000 * 8 + 8 + 8 * 2 + 2 parameters.
    assert "16026 parameters" in result.stdout


def test_threshold_and_max_time(tmp_path):
    result = sparsefs("select", "colon", "-k", 50, "--threshold", "2*mean", "--max-epochs", 50, "--max-time", "0.001",
                      "--hidden-layer-sizes", 16, "--out", tmp_path / "r.csv")
    assert result.returncode == 0, result.stderr
    assert "best epoch 1 of 1 (stopped: max time)" in result.stdout
    table = pd.read_csv(tmp_path / "r.csv")
    assert table.selected.sum() <= 50
    assert (table.importance[table.selected] >= 2 * table.importance.mean() - 1e-12).all()


def test_auto(tmp_path):
    result = sparsefs("select", "colon", "-k", "auto", "--max-epochs", 3, "--hidden-layer-sizes", 16,
                      "--out", tmp_path / "r.csv")
    assert result.returncode == 0, result.stderr
    assert "chosen by 'auto'" in result.stdout


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("-k", "abc"), ["argument -k", "'abc'"]),
        (("-k", "2.5"), ["argument -k", "a fraction in (0, 1]", "'2.5'"]),  # in the command line's words (issue 23)
        (("--threshold", "max"), ["threshold='max'"]),
        (("--hidden-layer-sizes", "100,0"), ["--hidden-layer-sizes", "'100,0'"]),
        (("--batch-size", "0"), ["--batch-size"]),
        (("--plot", "out.gif"), ["--plot out.gif", ".png"]),
        (("--plot", "missing/out.png"), ["does not exist"]),
        (("--max-time", "-1"), ["max_time"]),
    ],
)
def test_mistakes_are_one_line(tmp_path, monkeypatch, capsys, args, fragments):
    # In this process (argparse's mistakes exit through SystemExit): subprocesses are the slow part.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPARSEFS_DATA", str(SHARED_DATASETS))
    try:
        status = main(["select", "colon", "--quiet", "--max-epochs", "1", "--hidden-layer-sizes", "8", *args])
    except SystemExit as exit:
        status = exit.code
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1, lines
    assert all(fragment in lines[0] for fragment in fragments), lines[0]
