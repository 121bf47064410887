"""What a report reads from a results store.

Every accuracy and cost is the chosen configuration's (model selection is the study's,
:mod:`sparsefs.study.selection`: lowest mean validation loss over seeds), per dataset and
method, except the accuracy-vs-sparsity curves, which make the same choice per sparsity level
(among its L2 values). Importance vectors are read only for the cells a figure or table shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..datasets import FRIEDMAN_NAME, REGISTRY, SYNTHETIC_NAME, get_spec
from ..study import ResultStore
from ..study.methods import method_position, paper_baselines, paper_methods
from ..study.selection import PER_SPARSITY, chosen_accuracies, chosen_importances, summarise
from .reference import reference_name

#: The paper's six network methods, in its column order (labels from the registries).
SIX_METHODS = paper_methods()
BASELINE_METHODS = paper_baselines()


@dataclass
class StoreContents:
    """Which datasets, cells and K values a store holds."""

    datasets: list[str]  # benchmark datasets (anything but synthetic-<m> and friedman-<m>), in the paper's order
    synthetic: list[str]  # synthetic-<m> datasets, by m
    cells: pd.DataFrame  # dataset, method, status, n
    ks: list[int]
    friedman: list[str] = field(default_factory=list)  # friedman-<m> regression benchmarks, by m

    @property
    def n_done(self) -> int:
        return int(self.cells.loc[self.cells.status == "done", "n"].sum())

    @property
    def n_failed(self) -> int:
        return int(self.cells.loc[self.cells.status == "failed", "n"].sum())


def store_contents(store: ResultStore) -> StoreContents:
    cells = store.query("SELECT dataset, method, status, COUNT(*) AS n FROM cells GROUP BY dataset, method, status")
    names = set(cells.dataset)
    synthetic = sorted((name for name in names if is_synthetic(name)), key=synthetic_size)
    friedman = sorted((name for name in names if FRIEDMAN_NAME.fullmatch(name)), key=synthetic_size)
    ks = store.query("SELECT DISTINCT k FROM accuracies ORDER BY k").k.astype(int).tolist()
    return StoreContents(dataset_order(names - set(synthetic) - set(friedman)), synthetic, cells, ks, friedman)


def is_synthetic(dataset: str) -> bool:
    return SYNTHETIC_NAME.fullmatch(dataset) is not None


def synthetic_size(dataset: str) -> int:
    """The number of samples ``m`` of a ``synthetic-<m>`` (or ``friedman-<m>``) dataset."""
    return int((SYNTHETIC_NAME.fullmatch(dataset) or FRIEDMAN_NAME.fullmatch(dataset)).group(1))


def dataset_order(names) -> list[str]:
    """The registry's (the paper's) order, then datasets the registry does not know, by name."""
    known = [spec.name for spec in REGISTRY.values() if spec.name in names]
    return known + sorted(set(names) - set(known))


def dataset_group(dataset: str) -> str:
    """The paper's dataset group (the method page §11); ``other`` for users' own data."""
    try:
        return get_spec(dataset).group
    except KeyError:
        return "other"


def sparsity_curves(store: ResultStore, k: int, window: str) -> pd.DataFrame:
    """Accuracy per network method and sparsity level, the L2 chosen per level by validation loss
    (model selection :data:`~sparsefs.study.selection.PER_SPARSITY`).

    Columns: dataset, method (paper label), sparsity, l2, seeds, acc_mean, acc_std (percent,
    population std over seeds). Dense runs appear at sparsity 0.
    """
    columns = ["dataset", "method", "sparsity", "l2", "seeds", "acc_mean", "acc_std"]
    rows = chosen_accuracies(store, k, window, per=PER_SPARSITY)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    curves = summarise(rows, PER_SPARSITY)
    return curves.sort_values(["dataset", "method", "sparsity"])[columns].reset_index(drop=True)
