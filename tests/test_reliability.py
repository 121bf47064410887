"""A user's mistakes and broken inputs, through the command line as a user meets them.

Every probe must end in exit status 2 and one line on stderr (no traceback), and no probe may
change any file it did not create: every file of the probes' folder is hashed before and after.
"""

from __future__ import annotations

import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import scipy.io
import scipy.sparse
import torch

from sparsefs.study import open_store

from ._helpers import SHARED_DATASETS, damage, foreign_database, needs_data, outcome, sha256, sparsefs
from .report_fixture import baseline_outcomes, build_store, network_outcomes

GOOD = f"""
[study]
store = "unused.sqlite"
datasets = ["colon"]
seeds = [0]
data_home = "{SHARED_DATASETS}"

[baselines.lasso]
"""

# (name, arguments, what the one line must say)
PROBES = [
    # 1: missing labels
    ("csv NaN labels", ["select", "holes.csv", "--target", "label"], "holes.csv: 1 of 6 labels are missing"),
    ("csv blank text labels", ["select", "blanks.csv", "--target", "label"], "blanks.csv: 2 of 6 labels are missing"),
    ("mat NaN labels", ["select", "holes.mat"], "holes.mat: 1 of 6 labels are missing"),
    ("npz NaN labels", ["select", "holes.npz"], "holes.npz: 1 of 6 labels are missing"),
    # 3-5: stores that are not ours, damaged, empty
    ("study into a foreign db", ["study", "good.toml", "--store", "foreign.db"], "is an SQLite database but not a sparsefs"),
    ("study into a db with cells", ["study", "good.toml", "--store", "cells.db"], "is an SQLite database but not a sparsefs"),
    ("dry run on a foreign db", ["study", "good.toml", "--store", "foreign.db", "--dry-run"], "not a sparsefs results store"),
    ("study into an empty file", ["study", "good.toml", "--store", "empty.sqlite"], "is an empty file"),
    ("results of a foreign db", ["results", "foreign.db"], "not a sparsefs results store"),
    ("results of an empty file", ["results", "empty.sqlite"], "is an empty file"),
    ("results of a damaged store", ["results", "damaged.sqlite"], "damaged.sqlite is damaged"),
    ("report of a damaged store", ["report", "damaged.sqlite", "--out", "new-report"], "damaged.sqlite is damaged"),
    ("study on a damaged store", ["study", "good.toml", "--store", "damaged.sqlite"], ".recover"),
    ("study of a folder", ["study", "good.toml", "--store", "folder"], "is a folder, not a results store"),
    # 6: configurations that would fail every cell
    ("duplicate datasets", ["study", "duplicates.toml", "--dry-run"], "'colon' and 'COLON' name the same dataset"),
    ("hidden layer of 0", ["study", "hidden0.toml", "--dry-run"], "hidden_layer_sizes must be positive integers"),
    ("bogus device", ["study", "bogus.toml", "--dry-run"], "device='bogus' is not a torch device"),
    ("csv without target", ["study", "csv.toml", "--dry-run"], "needs its label column: add [datasets.\"holes.csv\"]"),
    ("refused study", ["study", "holes.toml"], "holes.csv: 1 of 6 labels are missing"),
    # 8: tracebacks
    ("meta device", ["select", "colon", "--device", "meta"], "device='meta' holds shapes without data"),
    ("mps device", ["select", "colon", "--device", "mps"], "device='mps' is not available on this machine"),
    ("huge synthetic", ["select", "synthetic-10000000000000"], "would take 24.0 PB of memory"),
    ("reference without a column", ["results", "ours.sqlite", "--reference", "badref"], "lacks the column(s) acc_std"),
    # 11, 12
    ("duplicate features", ["evaluate", "colon", "--ranking", "repeats.csv"], "lists the feature '7' more than once"),
    ("mat declaring terabytes", ["select", "huge.mat"], "would take 8.0 TB of memory"),
    # smaller ones
    ("one class", ["select", "one_class.csv", "--target", "label", "-k", "1"], "y has 1 class (0);"),
    ("folder as data", ["select", "folder", "--target", "label"], "folder is a folder, not a data file"),
    ("folder as ranking", ["evaluate", "colon", "--ranking", "folder"], "ranking file folder is a folder"),
    ("header-only csv", ["select", "header.csv", "--target", "label"], "header.csv has no data rows (only a header)"),
    ("binary configuration", ["study", "binary.toml"], "binary.toml: not a text file (UTF-8)"),
    ("negative --show", ["select", "colon", "--show", "-1"], "argument --show: expected a non-negative integer"),
    ("report over other files", ["report", "ours.sqlite", "--out", "occupied"], "occupied already holds other files"),
    ("results of another study", ["results", "ours.sqlite", "--config", "good.toml"], "holds no cell of good.toml"),
    ("report of another study", ["report", "ours.sqlite", "--out", "new-report", "--config", "good.toml"],
     "holds no cell of good.toml"),
    # issue 23, 2 and 13: "auto" on folds it cannot score, found before training
    ("auto with one-row folds", ["select", "few.csv", "--target", "y", "-k", "auto"], "R² needs 2): pass a smaller cv"),
    ("auto on rare classes", ["select", "pets.csv", "--target", "label", "-k", "auto"], "cannot cross-validate with cv=5"),
    # 4, 5: a label leaking as a feature, rankings without information
    ("repeated column names", ["select", "repeats.tsv", "--target", "label"], "the column name(s) 'label' appear more than once"),
    ("constant features", ["select", "constant.csv", "-k", "1"], "every feature of X is constant"),
    ("reconstructing constants", ["evaluate", "constant.csv", "--task", "unsupervised", "--ranking", "constant_ranking.csv",
                                  "-k", "1"], "every feature is constant in the training rows: there is nothing to reconstruct"),
    ("disconnected network", ["select", "pets.csv", "--target", "label", "-k", "1", "--hidden-layer-sizes", "8",
                              "--max-epochs", "2"], "no input reached the outputs in training"),
    # 8: sparse shapes
    ("tall sparse mat", ["select", "tall.mat"], "tall.mat (its arrays as declared) would take 16.0 GB of memory"),
    ("wide svmlight", ["select", "wide.svm"], "wide.svm (2 x 300000000, sparse) would take 9.6 GB of memory"),
    # 9, 11, 15: studies that would fail every cell, or evaluate nothing
    ("seed beyond numpy's", ["study", "seed.toml"], "[study] seeds: 4294967296 is not a seed"),
    ("regression on words", ["study", "words.toml", "--dry-run"], "[study] task: regression needs a numeric target"),
    ("classification of numbers", ["study", "numbers.toml"], "[study] task: 'classification' does not fit numbers"),
    ("kept regression network", ["study", "kept.toml"], "keep_network=True keeps a classifier"),
    ("no jobs", ["study", "jobs.toml", "--dry-run"], "The 'n_jobs' parameter of SparseFeatureSelector must be"),
    ("every K too large", ["study", "wide_k.toml"], "[study] k: every K (100, 200) is larger than the 4 features of numbers.csv"),
    # 14: labels, not class indices; counts get the hint
    ("rare label", ["select", "bird.csv", "--target", "label", "-k", "1"], "class 'bird' has only 1 sample(s)"),
    ("one label", ["select", "birds.csv", "--target", "label", "-k", "1"], "y has 1 class ('bird')"),
    ("rare count", ["select", "counts.csv", "--target", "label", "-k", "1"], "if the target of counts is a count or a measure rather "
                                                                  "than a class, pass --task regression"),
    # 16-19
    ("out in a missing folder", ["select", "pets.csv", "--target", "label", "--out", "nowhere/r.csv"],
     "--out nowhere/r.csv: the folder nowhere does not exist"),
    ("out is a folder", ["select", "pets.csv", "--target", "label", "--out", "folder"], "--out folder is a folder"),
    ("tiny target", ["select", "tiny.csv", "--target", "y"], "vary too little for float64 arithmetic"),
    ("bootstrap without repeats", ["select", "pets.csv", "--target", "label", "--bootstrap"], "add --repeats N"),
    ("k of 0", ["select", "pets.csv", "--target", "label", "-k", "0"], "argument -k: expected a count (1 or more)"),
    ("k of 1.5", ["select", "pets.csv", "--target", "label", "-k", "1.5"], "a fraction in (0, 1] or 'auto', got '1.5'"),
    ("semicolons", ["select", "semicolons.csv", "--target", "label"], "are its values separated by semicolons?"),
]
if torch.backends.mps.is_available():  # the probe is for machines without Apple's GPU
    PROBES = [probe for probe in PROBES if probe[0] != "mps device"]
#: The probes that read the registered dataset colon (from the data folder).
ON_COLON = {"meta device", "mps device", "duplicate features", "folder as ranking"}


@pytest.fixture(scope="module")
def probe_folder(tmp_path_factory):
    """Every file the probes read."""
    folder = tmp_path_factory.mktemp("probes")
    rng = np.random.RandomState(0)
    features = pd.DataFrame(rng.randn(6, 3), columns=["a", "b", "c"])
    features.assign(label=[0, 1, 0, None, 1, 0]).to_csv(folder / "holes.csv", index=False)
    features.assign(label=["x", "", "y", "x", " ", "y"]).to_csv(folder / "blanks.csv", index=False)
    features.assign(label=0).to_csv(folder / "one_class.csv", index=False)
    (folder / "header.csv").write_text("a,b,label\n")
    y = np.array([0.0, 1, np.nan, 1, 0, 1])
    scipy.io.savemat(folder / "holes.mat", {"X": features.to_numpy(), "y": y[:, None]})
    np.savez(folder / "holes.npz", X=features.to_numpy(), y=y)
    content = _mat_with_dimensions(10**6, 10**6)
    (folder / "huge.mat").write_bytes(content)
    (folder / "folder").mkdir()
    (folder / "binary.toml").write_bytes(bytes(range(256)))
    (folder / "good.toml").write_text(GOOD)
    (folder / "duplicates.toml").write_text(GOOD.replace('["colon"]', '["colon", "COLON"]'))
    network = "[network]\ntraining = ['set']\nsparsity = [0.5]\n"
    (folder / "hidden0.toml").write_text(GOOD + network + "hidden_layer_sizes = [0]\n")
    (folder / "bogus.toml").write_text(GOOD + network + "device = 'bogus'\n")
    (folder / "csv.toml").write_text(GOOD.replace('["colon"]', '["holes.csv"]'))
    (folder / "holes.toml").write_text(GOOD.replace('["colon"]', '["holes.csv"]').replace("unused", "holes")
                                       + '[datasets."holes.csv"]\ntarget = "label"\n')
    foreign_database(folder / "foreign.db")
    foreign_database(folder / "cells.db", with_cells=True)
    (folder / "empty.sqlite").touch()
    with open_store(folder / "damaged.sqlite") as store:
        store.save(outcome())
    damage(folder / "damaged.sqlite")
    with open_store(folder / "ours.sqlite"):
        pass
    (folder / "badref").mkdir()
    pd.DataFrame({"importance_window": ["all_epochs"], "dataset": ["Yale"], "method": ["SET-Attr"], "acc_mean": [80.0],
                  "sparsity": [0.5]}).to_csv(folder / "badref" / "paper_svm_accuracy_k100.csv", index=False)
    pd.DataFrame({"dataset": ["Yale"], "method": ["Lasso"], "acc_mean": [70.0], "acc_std": [1.0]}).to_csv(
        folder / "badref" / "paper_baselines_k100.csv", index=False)
    pd.DataFrame({"rank": [1, 2, 3], "feature": [7, 3, 7], "importance": [3.0, 2.0, 1.0]}).to_csv(
        folder / "repeats.csv", index=False)
    _issue_23_files(folder)
    (folder / "occupied").mkdir()
    (folder / "occupied" / "index.html").write_text("<html>my page</html>")
    (folder / "occupied" / "notes.md").write_text("my notes")
    return folder


def _issue_23_files(folder) -> None:
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(12, 4), columns=list("abcd"))
    frame.assign(y=rng.randn(12))[:8].to_csv(folder / "few.csv", index=False)
    frame.assign(label=np.repeat(["bird", "cat", "dog", "eel"], 3)).to_csv(folder / "pets.csv", index=False)
    (folder / "repeats.tsv").write_text("a\tlabel\tlabel\n" + "".join(f"{i}\t{i % 2}\t{i % 2}\n" for i in range(6)))
    pd.DataFrame(np.ones((10, 3)), columns=list("abc")).to_csv(folder / "constant.csv", index=False)
    pd.DataFrame({"rank": [1, 2, 3], "feature": list("abc")}).to_csv(folder / "constant_ranking.csv", index=False)
    scipy.io.savemat(folder / "tall.mat", {"X": scipy.sparse.csc_matrix((2_000_000_000, 2))}, do_compression=True)
    (folder / "wide.svm").write_text("1 300000000:1\n0 1:1\n")
    frame.assign(y=["cat", "dog"] * 6).to_csv(folder / "words.csv", index=False)
    frame.assign(y=rng.randn(12)).to_csv(folder / "numbers.csv", index=False)
    frame.assign(y=np.arange(1, 13) * 1e-300).to_csv(folder / "tiny.csv", index=False)
    frame.assign(label=["bird"] + ["cat", "dog"] * 5 + ["cat"]).to_csv(folder / "bird.csv", index=False)
    frame.assign(label="bird").to_csv(folder / "birds.csv", index=False)
    frame.assign(label=np.r_[np.arange(11) % 5, 99]).to_csv(folder / "counts.csv", index=False)
    frame.assign(label=[0, 1] * 6).to_csv(folder / "semicolons.csv", sep=";", index=False)
    study = '[study]\nstore = "refused.sqlite"\nseeds = [0]\nk = [2]\n'
    network = "[network]\ntraining = ['set']\nsparsity = [0.5]\n"
    files = '[datasets."{name}"]\ntarget = "y"\n'
    (folder / "seed.toml").write_text(study.replace("[0]", "[4294967296]") + 'datasets = ["synthetic-100"]\n' + network)
    (folder / "words.toml").write_text(study + 'datasets = ["words.csv"]\ntask = "regression"\n' + network
                                       + files.format(name="words.csv"))
    (folder / "numbers.toml").write_text(study + 'datasets = ["numbers.csv"]\ntask = "classification"\n' + network
                                         + files.format(name="numbers.csv"))
    (folder / "kept.toml").write_text(study + 'datasets = ["friedman-100"]\n' + network + "keep_network = true\n")
    (folder / "jobs.toml").write_text(study + 'datasets = ["synthetic-100"]\n' + network + "n_jobs = 0\nn_repeats = 2\n")
    (folder / "wide_k.toml").write_text(study.replace("[2]", "[100, 200]") + 'datasets = ["numbers.csv"]\n' + network
                                        + files.format(name="numbers.csv"))


def _mat_with_dimensions(rows: int, columns: int) -> bytes:
    """A 2 x 2 .mat file whose (uncompressed) header declares ``rows x columns``."""
    import io

    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"X": np.ones((2, 2)), "y": np.array([[0], [1]])})
    content = buffer.getvalue()
    at = content.index(np.array([2, 2], dtype="<i4").tobytes())
    return content[:at] + np.array([rows, columns], dtype="<i4").tobytes() + content[at + 8:]


def test_every_probe_ends_in_one_line_and_changes_no_file(probe_folder):
    _probe(probe_folder, [probe for probe in PROBES if probe[0] not in ON_COLON])


@needs_data("colon.mat")
def test_every_probe_on_a_registered_dataset_ends_in_one_line_and_changes_no_file(probe_folder):
    _probe(probe_folder, [probe for probe in PROBES if probe[0] in ON_COLON])


def _probe(probe_folder, probes):
    files = {path: sha256(path) for path in probe_folder.rglob("*") if path.is_file()}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:  # each probe is a fresh interpreter
        results = list(pool.map(lambda probe: sparsefs(*probe[1], cwd=probe_folder), probes))
    failures = []
    for (name, args, fragment), result in zip(probes, results):
        lines = result.stderr.strip().splitlines()
        if result.returncode != 2 or len(lines) != 1 or fragment not in lines[0] or "Traceback" in result.stderr:
            failures.append(f"{name}: sparsefs {' '.join(args)} -> {result.returncode}\n{result.stderr}")
    assert not failures, "\n\n".join(failures)

    after = {path: sha256(path) for path in probe_folder.rglob("*") if path.is_file()}
    assert {path: after.get(path) for path in files} == files  # nothing changed, nothing deleted
    created = sorted(str(path.relative_to(probe_folder)) for path in set(after) - set(files))
    # Reading a store in WAL mode makes SQLite's shared-memory files beside it; nothing else may appear
    # (no store for a refused study, no report in a folder of other files).
    assert all(name.endswith(("-shm", "-wal")) for name in created), created


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("finished")
    (folder / "good.toml").write_text(GOOD)
    build_store(folder / "finished.sqlite", network_outcomes() + baseline_outcomes())
    connection = sqlite3.connect(folder / "finished.sqlite")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, as after a study
    connection.close()
    return folder


@pytest.mark.parametrize("args", [
    ["results", "finished.sqlite"],
    ["results", "finished.sqlite", "--failures"],
    ["report", "finished.sqlite", "--out", "report"],
    pytest.param(["study", "good.toml", "--store", "finished.sqlite", "--dry-run"], marks=needs_data("colon.mat")),
], ids=["results", "failures", "report", "dry run"])
def test_reading_commands_never_write_to_the_store(finished_store, args):
    store = finished_store / "finished.sqlite"
    before = sha256(store)
    result = sparsefs(*args, cwd=finished_store)
    assert result.returncode == 0, result.stderr
    assert sha256(store) == before
