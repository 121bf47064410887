"""`sparsefs report` end to end, as a user runs it, and index.html as a browser renders it."""

from __future__ import annotations

import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sparsefs.cli import main

from .report_fixture import baseline_outcomes, build_store, network_outcomes
from ._helpers import REFERENCE, assert_one_line_error, sparsefs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("store") / "fixture.sqlite", network_outcomes() + baseline_outcomes())


@pytest.fixture(scope="module")
def report_dir(store_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "report"
    result = sparsefs("report", store_path, "--out", out, "--reference", REFERENCE, "--window", "best_epoch")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    written = sum(1 for path in out.rglob("*") if path.is_file())
    assert lines[0] == f"wrote {written} files to {out}; open {out / 'index.html'} in a browser"
    assert lines[1].startswith("beside the paper (each dataset at its paper K): ") and "of 16 (dataset, method) entries" in lines[1]
    assert lines[2].endswith(f"notes on missing data: see {out / 'summary.md'}")
    return out


def test_the_command_writes_the_report_for_the_window_asked(report_dir):
    table = pd.read_csv(report_dir / "tables" / "accuracy.csv")
    yale = table[(table.dataset == "Yale") & (table.method == "SET-Attr")].iloc[0]
    assert yale.acc_mean == pytest.approx(70.0)  # best_epoch: 0.1 below all_epochs' 0.80
    comparison = pd.read_csv(report_dir / "paper_comparison.csv")
    paper = pd.read_csv(REFERENCE / "paper_svm_accuracy_k100.csv")
    expected = paper.query("importance_window == 'best_epoch' and dataset == 'Yale' and method == 'SET-Attr'")
    row = comparison[(comparison.dataset == "Yale") & (comparison.method == "SET-Attr")].iloc[0]
    assert row.paper_acc_mean == expected.acc_mean.item()
    assert "window best_epoch" in (report_dir / "index.html").read_text()


@pytest.mark.parametrize(
    ("make_args", "fragments"),
    [
        (lambda d, s: ["report", d / "missing.sqlite", "--out", d / "o"], ["no results store at"]),
        (lambda d, s: ["report", d / "notes.txt", "--out", d / "o"], ["is not a sparsefs results store"]),
        (lambda d, s: ["report", s, "--out", d / "o", "--k", "75"], ["K=75 was not evaluated in this store"]),
        (lambda d, s: ["report", s, "--out", d / "o", "--reference", d], ["cannot read the paper's table"]),
        (lambda d, s: ["report", s, "--out", d / "notes.txt"], ["exists and is not a folder"]),
    ],
)
def test_mistakes_end_in_one_clear_line(tmp_path, store_path, make_args, fragments, capsys):
    # In this process (the subprocess runs above cover the console entry point): the same main().
    (tmp_path / "notes.txt").write_text("not a database, not a folder\n" * 100)
    status = main([str(arg) for arg in make_args(tmp_path, store_path)])
    captured = capsys.readouterr()
    assert_one_line_error(SimpleNamespace(returncode=status, stderr=captured.err), "sparsefs report: error:", *fragments)
    assert not (tmp_path / "o").exists()  # nothing written


def test_a_missing_out_option_is_a_usage_error(store_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(store_path)])
    assert exit_info.value.code == 2 and "the following arguments are required: --out" in capsys.readouterr().err


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium): "
                                              "index.html was not rendered in a browser")
def test_index_renders_in_headless_chromium(report_dir, tmp_path):
    screenshot = tmp_path / "page.png"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={screenshot}", "--window-size=1280,12000",
        (report_dir / "index.html").as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and screenshot.is_file(), result.stderr
    with Image.open(screenshot) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert pixels.shape[:2] == (12000, 1280)
    drawn = (pixels < 245).any(axis=2)
    assert drawn.mean() > 0.02, "the page rendered (nearly) blank"
    # The page itself uses no orange: orange pixels (RigL's colour) come from the figures, so the
    # browser found and drew the images through their relative links.
    orange = (pixels[..., 0] > 230) & (pixels[..., 1] > 100) & (pixels[..., 1] < 150) & (pixels[..., 2] < 60)
    assert orange.sum() > 2000, "no figure was drawn on the page"
