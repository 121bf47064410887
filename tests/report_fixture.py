"""A hand-made results store for the report tests: every number chosen so that the tables can be
checked by hand (the expected values are written out in test_report.py).

Benchmark datasets: Yale (32x32 images, all six methods and the three baselines, two seeds, a
sparsity that validation loss rejects), USPS (16x16 images, one seed, no RigL), PCMAC (text,
dense and Lasso only, a failed SET cell). Synthetic: synthetic-100 with Dense, SET and Lasso,
whose importance vectors rank a known share of the informative features first.
"""

from __future__ import annotations

import numpy as np

from sparsefs.datasets import load
from sparsefs.study import Cell, CellOutcome, open_store

METRICS = ("attribution", "strength")
WINDOWS = ("all_epochs", "best_epoch")
KS = (25, 50, 100)
N_FEATURES = {"Yale": 1024, "USPS": 256, "PCMAC": 3289, "synthetic-100": 200}


def network(dataset, training, sparsity, seed, val_loss, attr, qs, *, params, flops, importances=None):
    """A finished network cell: ``attr``/``qs`` are its accuracies at K=100 (all_epochs); best_epoch
    scores 0.1 less, and at K=25 every method scores 0.5 (so the K=25 ranking is a six-way tie)."""
    cell = Cell(dataset, training, {"sparsity": sparsity, "l2": 1e-4}, seed, METRICS)
    accuracies = []
    for metric, accuracy in (("attribution", attr), ("strength", qs)):
        for window, shift in (("all_epochs", 0.0), ("best_epoch", -0.1)):
            accuracies += [(metric, window, 100, accuracy + shift), (metric, window, 50, accuracy + shift),
                           (metric, window, 25, 0.5)]
    record = {"val_loss": val_loss, "n_parameters": params, "training_flops": flops, "fit_seconds": 1.0}
    if importances is None:
        rng = np.random.RandomState(seed)
        importances = {m: {w: rng.rand(N_FEATURES[dataset]) for w in WINDOWS} for m in METRICS}
    return CellOutcome(cell, "done", record, importances, accuracies)


def baseline(dataset, name, params, seed, val_loss, accuracy, *, n_parameters=10_000, flops=10**11, vector=None):
    metric = {"lasso": "abs_coefficient", "lassonet": "path_lambda", "stg": "gate_mean"}[name]
    cell = Cell(dataset, name, params, seed, (metric,))
    record = {"val_loss": val_loss, "n_parameters": n_parameters, "training_flops": flops, "fit_seconds": 0.5}
    importances = {metric: {"final": vector}} if vector is not None else {}
    accuracies = [(metric, "final", k, accuracy) for k in KS]
    return CellOutcome(cell, "done", record, importances, accuracies)


def ranking_with_coverage(dataset: str, share: float, seed: int) -> np.ndarray:
    """Importances whose top 100 holds exactly ``share`` of the dataset's 100 informative features."""
    informative = load(dataset).informative
    noise = np.setdiff1d(np.arange(N_FEATURES[dataset]), informative)
    found = int(round(share * len(informative)))
    rng = np.random.RandomState(seed)
    vector = rng.rand(N_FEATURES[dataset])  # below 1 ...
    top = np.concatenate([informative[:found], noise[: len(informative) - found]])
    vector[top] += 2.0  # ... so these 100 come first
    return vector


def synthetic(training, sparsity, seed, attr_share, qs_share, val_loss=0.5):
    vectors = {"attribution": ranking_with_coverage("synthetic-100", attr_share, seed),
               "strength": ranking_with_coverage("synthetic-100", qs_share, seed + 10)}
    importances = {m: {w: vectors[m] for w in WINDOWS} for m in METRICS}
    return network("synthetic-100", training, sparsity, seed, val_loss, 0.9, 0.9, params=1000, flops=10**9,
                   importances=importances)


def constant_importances(dataset: str, value: float) -> dict:
    return {m: {w: np.full(N_FEATURES[dataset], value) for w in WINDOWS} for m in METRICS}


def network_outcomes() -> list[CellOutcome]:
    return [
        # Yale. Dense: one configuration.
        network("Yale", "dense", 0.0, 0, 0.5, attr=0.70, qs=0.70, params=1_000_000, flops=4 * 10**12),
        network("Yale", "dense", 0.0, 1, 0.5, attr=0.80, qs=0.70, params=1_000_000, flops=4 * 10**12),
        # SET: sparsity 0.5 (mean validation loss 0.4) beats 0.9 (0.6), whose test accuracies
        # (and constant importance vectors, which no figure may show) are never used.
        network("Yale", "set", 0.5, 0, 0.4, attr=0.80, qs=0.60, params=500_000, flops=2 * 10**12),
        network("Yale", "set", 0.5, 1, 0.4, attr=0.80, qs=0.70, params=500_000, flops=2 * 10**12),
        network("Yale", "set", 0.9, 0, 0.6, attr=0.99, qs=0.99, params=100_000, flops=10**12,
                importances=constant_importances("Yale", 7.0)),
        network("Yale", "set", 0.9, 1, 0.6, attr=0.99, qs=0.99, params=100_000, flops=10**12,
                importances=constant_importances("Yale", 7.0)),
        network("Yale", "rigl", 0.5, 0, 0.3, attr=0.50, qs=0.75, params=500_000, flops=3 * 10**12),
        network("Yale", "rigl", 0.5, 1, 0.3, attr=0.50, qs=0.75, params=500_000, flops=3 * 10**12),
        # USPS: one seed, no RigL.
        network("USPS", "dense", 0.0, 0, 0.2, attr=0.90, qs=0.85, params=1_000_000, flops=2 * 10**12),
        network("USPS", "set", 0.9, 0, 0.2, attr=0.95, qs=0.80, params=200_000, flops=5 * 10**11),
        # PCMAC: dense only (QS and Attr tie); its SET cell failed.
        network("PCMAC", "dense", 0.0, 0, 0.7, attr=0.80, qs=0.80, params=3_000_000, flops=6 * 10**12,
                importances={}),
        CellOutcome(Cell("PCMAC", "set", {"sparsity": 0.5, "l2": 1e-4}, 0, METRICS), "failed",
                    {"error": "RuntimeError: out of memory"}),
        # synthetic-100: Dense covers 100% / 90% (QS, two seeds) and 50% (Attr); SET 80% (QS), 60% (Attr).
        synthetic("dense", 0.0, 0, attr_share=0.5, qs_share=1.0),
        synthetic("dense", 0.0, 1, attr_share=0.5, qs_share=0.9),
        synthetic("set", 0.5, 0, attr_share=0.6, qs_share=0.8),
    ]


def baseline_outcomes() -> list[CellOutcome]:
    return [
        # Yale: Lasso C=1 (mean loss 0.2) beats C=0.1 (1.0).
        baseline("Yale", "lasso", {"C": 0.1}, 0, 1.0, 0.90),
        baseline("Yale", "lasso", {"C": 0.1}, 1, 1.0, 0.90),
        baseline("Yale", "lasso", {"C": 1.0}, 0, 0.2, 0.60),
        baseline("Yale", "lasso", {"C": 1.0}, 1, 0.2, 0.70),
        baseline("Yale", "lassonet", {}, 0, 0.5, 0.85, n_parameters=120_000, flops=3 * 10**12),
        baseline("Yale", "lassonet", {}, 1, 0.5, 0.85, n_parameters=120_000, flops=3 * 10**12),
        baseline("Yale", "stg", {}, 0, 0.5, 0.70, n_parameters=1_100_000, flops=15 * 10**11),
        baseline("Yale", "stg", {}, 1, 0.5, 0.70, n_parameters=1_100_000, flops=15 * 10**11),
        baseline("PCMAC", "lasso", {"C": 1.0}, 0, 0.3, 0.75),
        # synthetic-100: Lasso covers 30%.
        baseline("synthetic-100", "lasso", {"C": 1.0}, 0, 0.3, 0.8,
                 vector=ranking_with_coverage("synthetic-100", 0.3, 5)),
    ]


def build_store(path, outcomes):
    with open_store(path) as store:
        for outcome in outcomes:
            store.save(outcome)
    return path
