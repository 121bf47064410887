"""The task targets of regression and unsupervised selection, measured side by side in one run.

Regression (``friedman``): Friedman #1 with 195 noise features (``friedman-<m>``, 2000 samples),
K = 5; how many of the 5 informative features SET-Attr finds, beside scikit-learn's LassoCV
(L1 with its alpha chosen by 5-fold cross-validation) and our Lasso/random baselines, and the
SVR test R² of each top 5.

Unsupervised (``unsupervised``): COIL20, USPS and MNIST-10k with their labels hidden from the
selection (QuickSelection's protocol); SET-QS and SET-Attr (one autoencoder run gives both),
the variance ranking, the Laplacian score and a random ranking (mean of 10 seeds), judged by the
SVM test accuracy on the labels at K = 50 (paper split).

Usage::

    python benchmarks/tasks.py friedman [--seeds 3]
    SPARSEFS_DATA=... python benchmarks/tasks.py unsupervised [--datasets COIL20 USPS MNIST-10k] [--max-epochs 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.linear_model import LassoCV
from sklearn.preprocessing import StandardScaler

from sparsefs import SparseFeatureSelector
from sparsefs.baselines import LaplacianScoreSelector, LassoSelector, RandomSelector, VarianceSelector
from sparsefs.datasets import load
from sparsefs.evaluation import svm_accuracy, svr_scores
from sparsefs.splitting import paper_fit_rows


def friedman(seeds: int, n_samples: int, max_epochs: int) -> None:
    data = load(f"friedman-{n_samples}")
    X, y, informative = data.X, data.y, set(range(5))
    print(f"friedman-{n_samples}: {X.shape[0]} x {X.shape[1]}, informative 0..4 "
          "(x1, x2 through sin(x1 x2), x3 through a square, x4 and x5 linear); K = 5")
    print(f"{'method':<10} {'seed':>4} {'found':>6} {'features':<22} {'SVR R2':>7} {'seconds':>8}")
    rows = []
    for seed in range(seeds):
        fit, test = paper_fit_rows(None, seed, len(y))
        methods = {
            "SET-Attr": lambda: SparseFeatureSelector(5, training="set", sparsity=0.9, max_epochs=max_epochs,
                                                      random_state=seed).fit(X[fit], y[fit]).ranked_features_,
            "LassoCV": lambda: np.argsort(-np.abs(LassoCV(cv=5, random_state=seed).fit(
                StandardScaler().fit_transform(X[fit]), y[fit]).coef_), kind="stable"),
            "Lasso": lambda: LassoSelector(5, random_state=seed).fit(X[fit], y[fit]).ranked_features_,
            "Random": lambda: RandomSelector(5, random_state=seed).fit(X[fit], y[fit]).ranked_features_,
        }
        for name, ranking in methods.items():
            started = time.perf_counter()
            top = np.asarray(ranking())[:5]
            seconds = time.perf_counter() - started
            found = len(informative & set(top.tolist()))
            r2 = svr_scores(X[fit], y[fit], X[test], y[test], top)["r2"]
            rows.append((name, found, r2))
            print(f"{name:<10} {seed:>4} {found:>4}/5 {str(sorted(top.tolist())):<22} {r2:7.3f} {seconds:8.1f}", flush=True)
    print("\nmedian over seeds:")
    for name in dict.fromkeys(r[0] for r in rows):
        found = [r[1] for r in rows if r[0] == name]
        r2 = [r[2] for r in rows if r[0] == name]
        print(f"  {name:<10} found {np.median(found):.0f}/5 (min {min(found)}), SVR R2 {np.median(r2):.3f}")


def unsupervised(datasets: list[str], k: int, max_epochs: int, seed: int) -> None:
    print(f"unsupervised selection, labels hidden from it; SVM test accuracy (%) at K = {k}, paper split seed {seed}, "
          f"autoencoder max_epochs={max_epochs}")
    header = f"{'dataset':<10} {'SET-QS':>7} {'SET-Attr':>9} {'Variance':>9} {'Laplacian':>10} {'Random(10)':>11} {'AE s':>6}"
    print(header)
    for name in datasets:
        data = load(name)
        X, y = data.X, data.y
        fit, test = paper_fit_rows(y, seed, len(y))

        def accuracy(ranking):
            return 100 * svm_accuracy(X[fit], y[fit], X[test], y[test], np.asarray(ranking)[:k])

        started = time.perf_counter()
        network = SparseFeatureSelector(k, task="unsupervised", training="set", sparsity=0.9,
                                        importance=["strength", "attribution"], max_epochs=max_epochs,
                                        random_state=seed).fit(X[fit])
        seconds = time.perf_counter() - started
        by_metric = {m: np.argsort(-network.importances_[m]["all_epochs"], kind="stable") for m in ("strength", "attribution")}
        variance = VarianceSelector(k, random_state=seed).fit(X[fit]).ranked_features_
        laplacian = LaplacianScoreSelector(k, random_state=seed).fit(X[fit]).ranked_features_
        random = np.mean([accuracy(RandomSelector(k, random_state=s).fit(X[fit]).ranked_features_) for s in range(10)])
        print(f"{name:<10} {accuracy(by_metric['strength']):7.2f} {accuracy(by_metric['attribution']):9.2f} "
              f"{accuracy(variance):9.2f} {accuracy(laplacian):10.2f} {random:11.2f} {seconds:6.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="which", required=True)
    f = commands.add_parser("friedman")
    f.add_argument("--seeds", type=int, default=3)
    f.add_argument("--samples", type=int, default=2000)
    f.add_argument("--max-epochs", type=int, default=200)
    u = commands.add_parser("unsupervised")
    u.add_argument("--datasets", nargs="+", default=["COIL20", "USPS", "MNIST-10k"])
    u.add_argument("--k", type=int, default=50)
    u.add_argument("--max-epochs", type=int, default=200)
    u.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.which == "friedman":
        friedman(args.seeds, args.samples, args.max_epochs)
    else:
        unsupervised(args.datasets, args.k, args.max_epochs, args.seed)


if __name__ == "__main__":
    main()
