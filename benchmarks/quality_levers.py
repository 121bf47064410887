"""Levers that combine stored rankings, measured against the comparison's selectors.

Usage: SPARSEFS_DATA=... python benchmarks/quality_levers.py [results/quality.sqlite]
           [--combine recommended+mrmr recommended/strength@best_epoch ...] [--seeds 3 4]
           [--datasets ...] [--csv out.csv]

A name ``recommended/strength@best_epoch`` reads another stored metric and window of the same
network fits. A combination ``a+b`` ranks the features by the mean of their ranks in ``a`` and ``b`` (Borda
count; ties by the better single rank of ``a``), each read as the comparison reads it (the
recommended preset at its best epoch, the paper's over all epochs, a baseline's one vector),
from the cells of the same dataset and seed, so it costs no training. Its SVM test accuracy at
the paper's K (Madelon 20, else 100) on that seed's split is set beside every selector of the
store (``sparsefs.study.ranks``): mean over seeds per dataset, mean ranks over the datasets
where every selector has a result, and the Friedman test.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from sparsefs.datasets import load
from sparsefs.registry import TASKS
from sparsefs.splitting import dataset_fit_rows
from sparsefs.study.ranks import (chosen_selector_cells, friedman_test, mean_ranks, selector_scores, selector_vectors,
                                  summarise)
from sparsefs.study.selection import paper_k
from sparsefs.study.store import open_store


def stored_vectors(store) -> dict[tuple[str, int, str], np.ndarray]:
    """(dataset, seed, selector) -> the importance vector the comparison reads
    (``selector_vectors``), and for our network every other stored view of the same fits
    under ``selector/metric@window``."""
    vectors = selector_vectors(store)
    for cell in chosen_selector_cells(store).itertuples():
        if isinstance(cell.view_metric, str):  # a network: its other metrics and windows
            for metric, windows in store.importances(cell.cell_id).items():
                for window, vector in windows.items():
                    vectors[(cell.dataset, int(cell.seed), f"{cell.selector}/{metric}@{window}")] = vector
    return vectors


def borda(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Importances whose order is the mean rank in ``a`` and ``b`` (ties: ``a``'s order)."""
    rank_a = np.argsort(np.argsort(-a, kind="stable"), kind="stable")
    rank_b = np.argsort(np.argsort(-b, kind="stable"), kind="stable")
    return -(rank_a + rank_b + rank_a / (2 * len(a)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", nargs="?", default="results/quality.sqlite")
    parser.add_argument("--combine", nargs="+", default=["recommended+mrmr", "recommended+anova",
                                                         "recommended+randomforest", "recommended+lasso"])
    parser.add_argument("--csv")
    parser.add_argument("--seeds", nargs="+", type=int, help="only these seeds (e.g. held out from a choice)")
    parser.add_argument("--datasets", nargs="+", help="only these datasets")
    parser.add_argument("--without", nargs="+", default=[], help="leave these selectors out (e.g. one still running)")
    args = parser.parse_args()
    judge = TASKS["classification"]
    with open_store(args.store, read_only=True) as store:
        scores = selector_scores(store)
        vectors = stored_vectors(store)
    if args.seeds is not None:
        scores = scores[scores.seed.isin(args.seeds)]
        vectors = {key: vector for key, vector in vectors.items() if key[1] in args.seeds}
    scores = scores[~scores.selector.isin(args.without)]
    if args.datasets is not None:
        scores = scores[scores.dataset.isin(args.datasets)]
        vectors = {key: vector for key, vector in vectors.items() if key[0] in args.datasets}
    rows, datasets = [], {}
    for combination in args.combine:
        first, _, second = combination.partition("+")  # a single name: another view of a network's fits
        for (dataset, seed, name), vector in sorted(vectors.items()):
            if name != first or (second and (dataset, seed, second) not in vectors):
                continue
            data = datasets.setdefault(dataset, load(dataset, download=False))
            fit_rows, test_rows = dataset_fit_rows(data, seed, "classification")
            combined = borda(vector, vectors[(dataset, seed, second)]) if second else vector
            ranking = np.argsort(-combined, kind="stable")[: paper_k(dataset)]
            accuracy = judge.evaluate(data.X[fit_rows], data.y[fit_rows], data.X[test_rows], data.y[test_rows],
                                      ranking)["accuracy"]
            rows.append({"dataset": dataset, "k": paper_k(dataset), "selector": combination, "seed": seed,
                         "score": 100 * accuracy, "fit_seconds": np.nan})
    everything = pd.concat([scores.drop(columns="params"), pd.DataFrame(rows)], ignore_index=True)
    summary = summarise(everything)
    # only datasets and seeds where every selector has a result: the ranks compare like with like
    wide = summary.pivot_table(index="dataset", columns="selector", values="mean")
    print(wide.round(1).to_markdown())
    complete = summary[summary.dataset.isin(wide.dropna().index)]
    print("\nmean ranks over", complete.dataset.nunique(), "datasets:")
    print(mean_ranks(complete).round(2).to_string())
    if complete.dataset.nunique() >= 2:
        result = friedman_test(complete)
        print(f"\nFriedman: p = {result.p_value:.3g}, critical difference {result.critical_difference:.2f}")
    if args.csv:
        summary.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
