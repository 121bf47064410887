"""SVM accuracy at K=100 of SET-Attr, SET-QS and Dense-Attr beside the paper's numbers.

Usage: python benchmarks/accuracy_vs_paper.py [--datasets Isolet BASEHOCK ...] [--seeds 0 1 2]

Each seed trains one SET network (Attr and QS come from the same run) and one dense network,
on the paper's split, with the sparsity the paper chose for SET-Attr and l2 = 1e-4 (no
hyperparameter search). Prints mean +- std over seeds, the paper's mean +- std, fit times.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
import scipy.io

from sparsefs import SparseFeatureSelector
from sparsefs.evaluation import svm_accuracy
from sparsefs.splitting import paper_split

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = Path(os.environ.get("SPARSEFS_DATA", SHARED / "datasets"))
FILES = {"Isolet": "Isolet.mat", "BASEHOCK": "BASEHOCK.mat", "Prostate_GE": "Prostate_GE.mat", "Madelon": "madelon.mat"}
PAPER_NAMES = {"Madelon": "Madelon"}


def paper_table():
    rows = {}
    with open(SHARED / "reference" / "paper_svm_accuracy_k100.csv") as f:
        for row in csv.DictReader(f):
            if row["importance_window"] == "all_epochs":
                rows[row["dataset"], row["method"]] = row
    return rows


def run(dataset: str, seeds: list[int], k: int = 100):
    data = scipy.io.loadmat(DATA / FILES[dataset])
    X, y = np.asarray(data["X"], dtype=np.float64), np.asarray(data["Y"]).ravel()
    sparsity = float(paper_table()[dataset, "SET-Attr"]["sparsity"])
    results = {"SET-Attr": [], "SET-QS": [], "Dense-Attr": []}
    times = {"SET": [], "Dense": []}
    for seed in seeds:
        train, val, test = paper_split(y, seed)
        rows = np.sort(np.concatenate([train, val]))
        for training, metrics in (("set", ["attribution", "strength"]), ("dense", ["attribution"])):
            selector = SparseFeatureSelector(k, training=training, importance=metrics, sparsity=sparsity, random_state=seed)
            start = time.perf_counter()
            selector.fit(X[rows], y[rows])
            times["SET" if training == "set" else "Dense"].append(time.perf_counter() - start)
            for metric in metrics:
                label = f"{'SET' if training == 'set' else 'Dense'}-{'Attr' if metric == 'attribution' else 'QS'}"
                top = selector.importances_[metric]["all_epochs"].argsort(kind="stable")[::-1][:k]
                results[label].append(100 * svm_accuracy(X[rows], y[rows], X[test], y[test], top))
            print(f"  {dataset} seed {seed} {training}: {times['SET' if training == 'set' else 'Dense'][-1]:.1f}s, "
                  f"epochs {selector.n_epochs_}, best {selector.best_epoch_}", flush=True)
    return sparsity, results, times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", nargs="+", default=["Prostate_GE", "BASEHOCK", "Isolet"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    paper = paper_table()
    lines = ["| dataset | method | sparsity | ours (mean ± std) | paper (mean ± std) | difference | median fit s |", "|---|---|---|---|---|---|---|"]
    for dataset in args.datasets:
        sparsity, results, times = run(dataset, args.seeds)
        for method, accs in results.items():
            ref = paper[dataset, method]
            mean, std = np.mean(accs), np.std(accs)
            fit = np.median(times["SET" if method.startswith("SET") else "Dense"])
            lines.append(
                f"| {dataset} | {method} | {sparsity if method.startswith('SET') else 0.0} | {mean:.2f} ± {std:.2f} | "
                f"{float(ref['acc_mean']):.2f} ± {float(ref['acc_std']):.2f} | {mean - float(ref['acc_mean']):+.2f} | {fit:.1f} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
