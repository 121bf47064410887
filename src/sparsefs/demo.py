"""The demo: three selectors side by side on data that needs no download.

Runs SET-Attr, SET-QS and Dense-Attr on a generated problem with known informative features
(coverage can be measured) and on scikit-learn's bundled 8x8 digits, and reports SVM accuracy
on the selected features, fit time, stored parameters and training FLOPs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits, make_classification

from ._selector import SparseFeatureSelector
from .evaluation import coverage, svm_accuracy
from .splitting import paper_split

#: (label, training, importance) of each method the demo compares.
METHODS = (("SET-Attr", "set", "attribution"), ("SET-QS", "set", "strength"), ("Dense-Attr", "dense", "attribution"))


@dataclass
class DemoRow:
    dataset: str
    method: str
    k: int
    svm_accuracy: float
    coverage: float | None
    fit_seconds: float
    n_parameters: int
    training_flops: int


def demo_datasets(seed: int) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None, int]]:
    """``(name, X, y, informative features or None, k)`` of every demo dataset."""
    X_syn, y_syn = make_classification(
        600, 100, n_informative=20, n_redundant=0, shuffle=False, random_state=seed
    )
    digits = load_digits()
    return [
        ("synthetic (600 x 100, 20 informative)", X_syn, y_syn, np.arange(20), 20),
        ("digits (1797 x 64, 8x8 images)", digits.data, digits.target, None, 16),
    ]


def run_demo(seed: int = 0, max_epochs: int = 100, report: Callable[[DemoRow], None] | None = None) -> list[DemoRow]:
    """Fit every method on every demo dataset once (paper split, fixed sparsity 0.8)."""
    rows = []
    for name, X, y, informative, k in demo_datasets(seed):
        train, val, test = paper_split(y, seed)
        fit_rows = np.sort(np.concatenate([train, val]))
        for label, training, importance in METHODS:
            selector = SparseFeatureSelector(
                k, training=training, importance=importance, sparsity=0.8, max_epochs=max_epochs, random_state=seed
            )
            start = time.perf_counter()
            selector.fit(X[fit_rows], y[fit_rows])
            seconds = time.perf_counter() - start
            top = selector.ranking_[:k]
            row = DemoRow(
                dataset=name,
                method=label,
                k=k,
                svm_accuracy=svm_accuracy(X[fit_rows], y[fit_rows], X[test], y[test], top),
                coverage=None if informative is None else coverage(selector.ranking_, informative, k),
                fit_seconds=seconds,
                n_parameters=selector.n_parameters_,
                training_flops=selector.training_flops_,
            )
            rows.append(row)
            if report is not None:
                report(row)
    return rows
