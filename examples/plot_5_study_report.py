"""
A study and its report
======================

A study runs a whole grid of training runs ("cells": dataset x method x parameters x seed),
stores every result in one SQLite file, chooses each method's parameters by validation loss,
and reports the paper's tables and figures. The same steps are ``sparsefs study``,
``sparsefs results`` and ``sparsefs report`` on the command line
(:doc:`/user_guide/studies`).

This example runs a small grid on two datasets that need no download: the synthetic
benchmark with 300 samples (``synthetic-300``, a registry name) and scikit-learn's digits,
saved as a user's own ``.npz`` file.
"""

# %%
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sparsefs.report import write_report
from sparsefs.report.text import format_table
from sparsefs.study import open_store, parse_config, results_table, run_study

# a scratch folder, emptied first
work = Path(tempfile.gettempdir(), "sparsefs-gallery-study")
shutil.rmtree(work, ignore_errors=True)
work.mkdir()
digits = load_digits()
np.savez(work / "digits.npz", X=digits.data[:600], y=digits.target[:600])

# %%
# The configuration, written here as a dictionary (a TOML file with the same tables is
# what ``sparsefs study`` reads): dense and SET networks, both importance metrics from
# each training run, two sparsity levels, and the Lasso baseline with two values of
# ``C``.
config = parse_config({
    "study": {
        "store": str(work / "study.sqlite"),
        "datasets": ["synthetic-300", str(work / "digits.npz")],
        "seeds": 2,
        "k": [10, 20],
        "windows": ["all_epochs"],
    },
    "network": {
        "training": ["dense", "set"],
        "importance": ["attribution", "strength"],
        "sparsity": [0.8, 0.95],
        "l2": [1e-4],
        "hidden_layer_sizes": [100, 20],
        "max_epochs": 10,
        "patience": 5,
    },
    "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
})
# One cell at a time, one torch thread each (the networks are small).
summary = run_study(config, jobs=1, threads=1)
print(f"{summary.total} cells: {summary.ran} run, {summary.failed} failed")

# %%
# Running it again does nothing: every cell is in the store already (a study resumes
# where it stopped, and only new cells, K values or windows are computed).
summary = run_study(config, jobs=1, threads=1)
print(f"{summary.total} cells: {summary.already_done} already done, {summary.ran} run")

# %%
# Model selection and the paper-style table: for each dataset and method, the sparsity
# (and L2) with the lowest validation loss averaged over the seeds, and its test
# accuracy.
with open_store(config.store) as store:
    table = results_table(store, k=20, window="all_epochs")
    print(format_table(table, k=20, window="all_epochs"))

# %%
# The report: tables (Markdown, LaTeX, CSV), figures and a one-page ``index.html``.
with open_store(config.store) as store:
    report = write_report(store, work / "report", k=20, window="all_epochs")
print(f"{len(report.files)} files, index: {report.index.name}")
print(report.summary.read_text()[:1200])

# %%
# One of its figures: accuracy against sparsity for the digits, one curve per method.
figure = sorted((work / "report" / "figures").glob("accuracy_vs_sparsity_*.png"))[0]
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.imshow(plt.imread(figure))
ax.set_axis_off()
plt.show()
