"""The synthetic coverage experiment (the method page §8): the share of the informative features that
a method ranks first, from the stored importance vectors of the ``synthetic-<m>`` cells.

The data behind ``synthetic-<m>`` are drawn with one fixed seed (``sparsefs.datasets``), so
the informative indices come from the registry's generator, not from the store.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..datasets import coverage, load
from ..study import ResultStore
from .results import chosen_importances, synthetic_size


def coverage_scores(store: ResultStore, datasets: Sequence[str], window: str) -> pd.DataFrame:
    """Coverage of every chosen cell: the informative features among the top ``n_informative``.

    Columns: dataset, m, method, seed, coverage, k (the top-k looked at: the number of
    informative features, 100 in the paper's benchmark).
    """
    vectors = chosen_importances(store, datasets, window)
    informative = {dataset: load(dataset).informative for dataset in datasets}
    rows = [
        (row.dataset, synthetic_size(row.dataset), row.method, row.seed,
         coverage(np.argsort(-row.vector, kind="stable"), informative[row.dataset], len(informative[row.dataset])),
         len(informative[row.dataset]))
        for row in vectors.itertuples()
    ]
    return pd.DataFrame(rows, columns=["dataset", "m", "method", "seed", "coverage", "k"])


def coverage_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and population std of the coverage over seeds, per method and ``m``."""
    return (
        scores.groupby(["method", "m"])
        .agg(mean=("coverage", "mean"), std=("coverage", lambda c: np.std(c)), seeds=("seed", "nunique"))
        .reset_index()
    )
