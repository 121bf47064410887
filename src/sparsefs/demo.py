"""The demo: SET-Attr, SET-QS and Dense-Attr side by side on data that needs no download.

Two datasets: the paper's synthetic benchmark (200 features, 100 informative, so coverage can
be measured) and scikit-learn's bundled 8x8 digits, whose importance is drawn as heat maps.
SET-Attr and SET-QS come from one training run: metrics only observe training.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from ._optional import import_optional
from .selector._estimator import SparseFeatureSelector
from .datasets import make_synthetic
from .evaluation import coverage, svm_accuracy
from .splitting import paper_fit_rows

#: (training mode, {label: metric}) of each training run the demo makes.
RUNS = (("set", {"SET-Attr": "attribution", "SET-QS": "strength"}), ("dense", {"Dense-Attr": "attribution"}))


@dataclass
class DemoRow:
    """One line of the demo's table: a method's selection on a dataset, and its costs.

    Examples
    --------
    >>> from sparsefs.demo import DemoRow
    >>> row = DemoRow("digits", "SET-Attr", 16, 0.93, None, 2.5, 10_000, 10**9)
    >>> row.method, row.svm_accuracy
    ('SET-Attr', 0.93)
    """

    dataset: str
    method: str
    k: int
    svm_accuracy: float
    coverage: float | None
    fit_seconds: float
    n_parameters: int
    training_flops: int


def run_demo(
    out_dir: str | Path = ".",
    seed: int = 0,
    max_epochs: int = 100,
    report: Callable[[DemoRow], None] | None = None,
) -> tuple[list[DemoRow], Path]:
    """Fit every method on both datasets (paper split, sparsity 0.8); returns rows and the PNG.

    Examples
    --------
    One epoch per run, to show the shape of the result (``sparsefs demo`` trains 100):

    >>> from sparsefs.demo import run_demo
    >>> rows, png = run_demo(".", max_epochs=1)
    >>> sorted({row.method for row in rows})
    ['Dense-Attr', 'SET-Attr', 'SET-QS']
    >>> png.name
    'sparsefs-demo-digits.png'
    """
    import_optional("matplotlib", "plot", "the demo's heat map")  # say so before minutes of training
    X_syn, y_syn, informative = make_synthetic(1000, random_state=seed)
    digits = load_digits()
    datasets = [
        ("synthetic (1000 x 200, 100 informative)", X_syn, y_syn, informative, 100),
        ("digits (1797 x 64, 8x8 images)", digits.data, digits.target, None, 16),
    ]
    rows, heat_maps = [], {}
    for name, X, y, truth, k in datasets:
        fit_rows, test = paper_fit_rows(y, seed)
        for training, methods in RUNS:
            selector = SparseFeatureSelector(
                k, training=training, importance=list(methods.values()), sparsity=0.8,
                max_epochs=max_epochs, random_state=seed,
            )
            start = time.perf_counter()
            selector.fit(X[fit_rows], y[fit_rows])
            seconds = time.perf_counter() - start
            for label, metric in methods.items():
                importance = selector.importances_[metric]["all_epochs"]
                ranking = np.argsort(-importance, kind="stable")
                row = DemoRow(
                    dataset=name,
                    method=label,
                    k=k,
                    svm_accuracy=svm_accuracy(X[fit_rows], y[fit_rows], X[test], y[test], ranking[:k]),
                    coverage=None if truth is None else coverage(ranking, truth, k),
                    fit_seconds=seconds,
                    n_parameters=selector.n_parameters_,
                    training_flops=selector.training_flops_,
                )
                rows.append(row)
                if report is not None:
                    report(row)
                if truth is None:
                    heat_maps[label] = importance.reshape(8, 8)
    return rows, _save_heat_maps(heat_maps, Path(out_dir) / "sparsefs-demo-digits.png")


def _save_heat_maps(maps: dict[str, np.ndarray], path: Path) -> Path:
    Figure = import_optional("matplotlib.figure", "plot", "the demo's heat map").Figure
    from .plot import draw_heat_map  # the heat-map style of sparsefs.plot and the study report

    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(3.2 * len(maps), 3.4), layout="constrained")
    axes = fig.subplots(1, len(maps))
    for ax, (label, values) in zip(np.atleast_1d(axes), maps.items()):
        draw_heat_map(ax, values, title=label)
    fig.suptitle("Feature importance on the 8x8 digits (brighter = more important)")
    fig.savefig(path, dpi=100)
    return path
