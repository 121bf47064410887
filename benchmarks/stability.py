"""Stability over repeats, and choosing K: the targets of the practical-selection issue.

1. Synthetic benchmark (make_synthetic, m = 1000, 100 of 200 features informative, K = 100):
   ``n_repeats=5`` against single seeds: coverage, pairwise Jaccard overlap of the top K, and
   the stability of Nogueira et al. (2018) across independent fits.
2. Real datasets (one image, one text, one gene-expression set): the same stability, and the
   SVM test accuracy at K = 100 (paper split, seed 0), single seed against 5 repeats.
3. ``n_features_to_select="auto"`` on Isolet and Prostate_GE: the chosen K and its test
   accuracy beside K = 100.

Every ``n_repeats=5`` fit of ``--outer`` outer seeds holds five single-seed fits
(``importances_per_repeat_``: each is exactly the fit ``random_state=<its seed>`` would make),
so the single-seed numbers come from the same 5 x outer fits. Real datasets are read from
$SPARSEFS_DATA. Run:

    SPARSEFS_DATA=/path/to/datasets OMP_NUM_THREADS=1 python benchmarks/stability.py --max-epochs 50
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch

from sparsefs import SparseFeatureSelector
from sparsefs.datasets import load, make_synthetic
from sparsefs.evaluation import coverage, svm_accuracy
from sparsefs.splitting import paper_split
from sparsefs.stability import nogueira_stability, selection_matrix

REAL = ("COIL20", "BASEHOCK", "Prostate_GE")
AUTO = ("Isolet", "Prostate_GE")
K = 100


def top(importances: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-importances, kind="stable")[:k]


def jaccard(selections) -> float:
    if len(selections) < 2:
        return float("nan")
    pairs = [len(np.intersect1d(a, b)) / len(np.union1d(a, b)) for a, b in itertools.combinations(selections, 2)]
    return float(np.mean(pairs))


def stability(selections, n_features: int) -> str:
    if len(selections) < 2:
        return "- (one fit)"
    result = nogueira_stability(selection_matrix(selections, n_features))
    if len(selections) == 2:  # the paper's interval needs more than two selections to say anything
        return f"{result.value:.3f}"
    return f"{result.value:.3f} [{result.lower:.3f}, {result.upper:.3f}]"


def repeated_fits(X, y, args) -> list[SparseFeatureSelector]:
    fits = []
    for outer in range(args.outer):
        start = time.perf_counter()
        selector = SparseFeatureSelector(K, n_repeats=5, n_jobs=args.jobs, max_epochs=args.max_epochs,
                                         random_state=1000 + outer).fit(X, y)
        print(f"    outer seed {outer}: 5 repeats in {time.perf_counter() - start:.0f} s", flush=True)
        fits.append(selector)
    return fits


def compare(name, X, y, n_features, args, evaluate) -> None:
    print(f"{name}: {X.shape[0]} x {n_features}", flush=True)
    fits = repeated_fits(X, y, args)
    singles = [top(row, K) for fit in fits for row in fit.importances_per_repeat_]
    combined = [top(fit.feature_importances_, K) for fit in fits]
    rows = [("single seed", singles), ("n_repeats=5", combined)]
    for label, selections in rows:
        scores = [evaluate(s) for s in selections]
        print(f"  {label:12s} fits {len(selections):2d}  {evaluate.__doc__} mean {np.mean(scores):.4f} "
              f"min {np.min(scores):.4f} max {np.max(scores):.4f}  top-{K} Jaccard {jaccard(selections):.3f}  "
              f"stability {stability(selections, n_features)}", flush=True)
    for number, fit in enumerate(fits):
        own = [evaluate(top(row, K)) for row in fit.importances_per_repeat_]
        print(f"  outer fit {number}: n_repeats=5 {evaluate.__doc__} {evaluate(top(fit.feature_importances_, K)):.4f}, "
              f"its 5 seeds {' '.join(f'{v:.4f}' for v in own)} (best {max(own):.4f})", flush=True)
    internal = [f"{fit.stability_:.3f}" for fit in fits]
    print(f"  (each 5-repeat fit's own stability_ over its repeats: {', '.join(internal)})", flush=True)


def synthetic(args) -> None:
    X, y, informative = make_synthetic(1000, random_state=0)

    def score(selection):
        """coverage"""
        return coverage(selection, informative, K)

    compare("synthetic (make_synthetic m=1000, 100 informative, K=100)", X, y, X.shape[1], args, score)


def real(args) -> None:
    for name in args.datasets:
        data = load(name, progress=False)
        train, val, test = paper_split(data.y, 0)
        fit_rows = np.sort(np.concatenate([train, val]))

        def score(selection, data=data, fit_rows=fit_rows, test=test):
            """SVM acc"""
            return svm_accuracy(data.X[fit_rows], data.y[fit_rows], data.X[test], data.y[test], selection)

        compare(f"{name} (paper split seed 0, K=100)", data.X[fit_rows], data.y[fit_rows], data.n_features, args, score)


def auto(args) -> None:
    print("n_features_to_select='auto' (grid 1, 2, 5, 10, ...; tol 0.01; 5-fold CV of StandardScaler + SVC on the "
          "fit rows), one seed; test accuracy on the paper split (seed 0)")
    for name in AUTO:
        data = load(name, progress=False)
        train, val, test = paper_split(data.y, 0)
        fit_rows = np.sort(np.concatenate([train, val]))
        start = time.perf_counter()
        selector = SparseFeatureSelector("auto", max_epochs=args.max_epochs, random_state=0).fit(
            data.X[fit_rows], data.y[fit_rows])
        seconds = time.perf_counter() - start
        order = top(selector.feature_importances_, data.n_features)
        chosen = selector.n_features_to_select_

        def accuracy(k):
            return svm_accuracy(data.X[fit_rows], data.y[fit_rows], data.X[test], data.y[test], order[:k])

        scores = ", ".join(f"{k}: {s:.3f}" for k, s in selector.k_scores_.items())
        print(f"  {name}: chosen K = {chosen} (test accuracy {accuracy(chosen):.4f}) vs K = {K} (test accuracy "
              f"{accuracy(K):.4f}); CV scores {scores}; fit {seconds:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=200)
    parser.add_argument("--outer", type=int, default=3, help="independent n_repeats=5 fits per dataset (default 3)")
    parser.add_argument("--jobs", type=int, default=1, help="n_jobs of each n_repeats=5 fit")
    parser.add_argument("--parts", default="synthetic,real,auto")
    parser.add_argument("--datasets", default=",".join(REAL))
    args = parser.parse_args()
    args.datasets = args.datasets.split(",")
    torch.set_num_threads(1)
    print(f"max_epochs={args.max_epochs} (patience 50), outer fits {args.outer}, hidden (1000, 100), sparsity 0.9, "
          "SET + attribution (the defaults)", flush=True)
    for part in args.parts.split(","):
        {"synthetic": synthetic, "real": real, "auto": auto}[part](args)


if __name__ == "__main__":
    main()
