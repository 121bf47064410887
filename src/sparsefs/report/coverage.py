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
from ..study.ranks import selector_vectors
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


def selector_coverage(store: ResultStore, datasets: Sequence[str]) -> pd.DataFrame:
    """Coverage per selector of the comparison (``sparsefs.study.ranks``: our network by its
    preset, baselines by name), each at its own view of its chosen configuration: mean and
    population std over seeds per selector and ``m``, and the seeds.

    Columns: selector, m, mean, std, seeds.
    """
    informative = {dataset: load(dataset).informative for dataset in datasets}
    rows = [
        (selector, synthetic_size(dataset), seed,
         coverage(np.argsort(-vector, kind="stable"), informative[dataset], len(informative[dataset])))
        for (dataset, seed, selector), vector in selector_vectors(store, datasets).items()
    ]
    scores = pd.DataFrame(rows, columns=["selector", "m", "seed", "coverage"])
    return (scores.groupby(["selector", "m"])
            .agg(mean=("coverage", "mean"), std=("coverage", lambda c: np.std(c)), seeds=("seed", "nunique"))
            .reset_index())


def coverage_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and population std of the coverage over seeds, per method and ``m``."""
    return (
        scores.groupby(["method", "m"])
        .agg(mean=("coverage", "mean"), std=("coverage", lambda c: np.std(c)), seeds=("seed", "nunique"))
        .reset_index()
    )
