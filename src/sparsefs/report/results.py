"""What a report reads from a results store.

Every accuracy and cost is the chosen configuration's (model selection is the study's,
:func:`sparsefs.study.results_table`: lowest mean validation loss over seeds), except the
accuracy-vs-sparsity curves, which make the same choice among the L2 values of each sparsity
level. Importance vectors are read only for the cells a figure or table shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..datasets import FRIEDMAN_NAME, REGISTRY, SYNTHETIC_NAME, get_spec
from ..study import ResultStore, chosen_cells, method_label
from ..study.cells import BASELINE_WINDOW
from ..registry import TRAINING_METHODS
from ..study.methods import method_position, paper_baselines, paper_methods

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


def reference_name(dataset: str) -> str | None:
    """The dataset's name in the paper's tables, if the paper reports it (or a stand-in for it)."""
    try:
        return get_spec(dataset).reference_name
    except KeyError:
        return None


def sparsity_curves(store: ResultStore, k: int, window: str) -> pd.DataFrame:
    """Accuracy per network method and sparsity level, the L2 chosen per level by validation loss.

    Columns: dataset, method (paper label), sparsity, l2, seeds, acc_mean, acc_std (percent,
    population std over seeds). Dense runs appear at sparsity 0.
    """
    configurations = store.query(
        "SELECT dataset, method, params, sparsity, l2, AVG(val_loss) AS mean_val_loss FROM cells "
        "WHERE status = 'done' AND sparsity IS NOT NULL GROUP BY dataset, method, params"
    )
    columns = ["dataset", "method", "sparsity", "l2", "seeds", "acc_mean", "acc_std"]
    if configurations.empty:
        return pd.DataFrame(columns=columns)
    # The same rule as the study's model selection: lowest mean loss (none: last), ties to the first params.
    chosen = (
        configurations.sort_values(["mean_val_loss", "params"])
        .groupby(["dataset", "method", "sparsity"], sort=False)
        .head(1)
    )
    accuracies = store.query(
        "SELECT c.dataset, c.method, c.params, c.seed, a.metric, a.accuracy FROM cells AS c "
        "JOIN accuracies AS a ON a.cell_id = c.cell_id "
        "WHERE c.status = 'done' AND c.sparsity IS NOT NULL AND a.k = ? AND a.importance_window = ?",
        (int(k), window),
    )
    rows = chosen.merge(accuracies, on=["dataset", "method", "params"])
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows["method"] = [method_label(m, metric) for m, metric in zip(rows.method, rows.metric)]
    curves = (
        rows.groupby(["dataset", "method", "sparsity"])
        .agg(
            l2=("l2", "first"),
            seeds=("seed", "nunique"),
            acc_mean=("accuracy", lambda a: 100 * np.mean(a)),
            acc_std=("accuracy", lambda a: 100 * np.std(a)),
        )
        .reset_index()
    )
    return curves[columns]


def chosen_importances(store: ResultStore, datasets, window: str, *, networks_only: bool = False) -> pd.DataFrame:
    """The importance vectors of the chosen configurations' cells of ``datasets``, every seed.

    Networks' vectors come from ``window``, baselines' from their single one. Columns:
    dataset, method (paper label), seed, vector.
    """
    cells = chosen_cells(store)
    cells = cells[cells.dataset.isin(list(datasets))]
    if networks_only:
        cells = cells[cells.method.isin(list(TRAINING_METHODS))]
    records = []
    for cell in cells.itertuples():
        wanted = window if cell.method in TRAINING_METHODS else BASELINE_WINDOW
        for metric, windows in store.importances(cell.cell_id).items():
            if wanted in windows:
                records.append((cell.dataset, method_label(cell.method, metric), cell.seed, windows[wanted]))
    return pd.DataFrame(records, columns=["dataset", "method", "seed", "vector"])
