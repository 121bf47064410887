"""The authors' best-epoch rule measured on a reproduction store: network cells run without it
(``min_best_epoch`` 1, the cells of earlier passes) beside cells run with it (5), and the
authors' all-epochs window (the epochs before the best one, the best one left out).

Usage: SPARSEFS_DATA=... python benchmarks/best_epoch_rule.py [results/reproduction.sqlite]
           [--datasets Madelon Yale lymphoma Prostate_GE]

Per dataset, method (dense/SET/RigL x QS/Attr) and rule, the sparsity is chosen as a study
does (the lowest validation loss averaged over the seeds, among the seeds both rules have
finished) and its SVM test accuracy at the paper's K (Madelon 20, else 100) is printed, mean
over seeds, for the windows "all_epochs" (ours: every step up to and including the best
epoch) and "authors" (all_epochs minus best_epoch: the steps before the best epoch, as
``code/fs.py`` sums them), with the mean best epoch.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from sparsefs.datasets import load
from sparsefs.registry import TASKS, TRAINING_METHODS
from sparsefs.splitting import dataset_fit_rows
from sparsefs.study.selection import paper_k
from sparsefs.study.store import open_store

LABELS = {"attribution": "Attr", "strength": "QS"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", nargs="?", default="results/reproduction.sqlite")
    parser.add_argument("--datasets", nargs="+", default=["Madelon", "Yale", "lymphoma", "Prostate_GE"])
    args = parser.parse_args()
    judge = TASKS["classification"]
    rows = []
    with open_store(args.store, read_only=True) as store:
        cells = store.query("SELECT cell_id, dataset, method, params, seed, sparsity, val_loss, best_epoch FROM cells "
                            "WHERE status = 'done' AND method IN ('dense', 'set', 'rigl')")
        cells["rule"] = [json.loads(p).get("min_best_epoch", 1) for p in cells["params"]]
        cells = cells[cells["dataset"].isin(args.datasets)]
        # only the seeds both rules have finished for the whole grid of a dataset and method
        complete = cells.groupby(["dataset", "method", "seed", "rule"]).size().unstack("rule")
        both = complete.dropna().index
        cells = cells.set_index(["dataset", "method", "seed"]).loc[lambda c: c.index.isin(both)].reset_index()
        for (dataset, method, rule), group in cells.groupby(["dataset", "method", "rule"]):
            losses = group.groupby("sparsity")["val_loss"].mean()
            chosen = group[group["sparsity"] == losses.idxmin()]
            data = load(dataset, download=False)
            k = paper_k(dataset)
            for cell in chosen.itertuples():
                fit_rows, test_rows = dataset_fit_rows(data, cell.seed, "classification")
                importances = store.importances(cell.cell_id)
                for metric, windows in importances.items():
                    variants = {"all_epochs": windows["all_epochs"],
                                "authors": windows["all_epochs"] - windows["best_epoch"]}
                    for window, values in variants.items():
                        ranking = np.argsort(-values, kind="stable")[:k]
                        accuracy = judge.evaluate(data.X[fit_rows], data.y[fit_rows], data.X[test_rows],
                                                  data.y[test_rows], ranking)["accuracy"]
                        rows.append({"dataset": dataset, "method": f"{TRAINING_METHODS[method].label}-{LABELS[metric]}",
                                     "rule": rule, "window": window, "seed": cell.seed, "sparsity": cell.sparsity,
                                     "best_epoch": cell.best_epoch, "accuracy": 100 * accuracy})
    table = pd.DataFrame(rows)
    summary = table.groupby(["dataset", "method", "rule", "window"]).agg(
        accuracy=("accuracy", "mean"), seeds=("seed", "nunique"), sparsity=("sparsity", "first"),
        best_epoch=("best_epoch", "mean")).reset_index()
    wide = summary.pivot_table(index=["dataset", "method"], columns=["rule", "window"], values="accuracy")
    epochs = summary[summary["window"] == "all_epochs"].pivot_table(index=["dataset", "method"], columns="rule",
                                                                       values="best_epoch")
    wide.columns = [f"rule {rule} {window}" for rule, window in wide.columns]
    epochs.columns = [f"best epoch, rule {rule}" for rule in epochs.columns]
    print(pd.concat([wide, epochs], axis=1).round(1).to_markdown())
    means = summary.groupby(["rule", "window"])["accuracy"].mean().round(2)
    print("\nmean over datasets and methods:\n" + means.to_string())


if __name__ == "__main__":
    main()
