"""Model selection over a results store (the method page §5): one rule, one grouping.

Per group of finished cells (every dataset and method for the tables, :data:`PER_METHOD`;
every sparsity level too for the accuracy-vs-sparsity curves, :data:`PER_SPARSITY`), the
configuration (sparsity and L2, or the baseline's searched parameters) with the lowest
validation loss, averaged over its finished seeds, is chosen; ties go to the configuration
whose parameters sort first, and a configuration without a validation loss comes after every
one with it. The test data takes no part in the choice. The QS and Attr variants of a training
mode come from the same runs and so share their choice. :func:`chosen_configurations` makes
the choice; every table, curve and importance read here joins on it. Text layouts of these
tables are the report's (:mod:`sparsefs.report.text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..datasets import get_spec
from ..stability import nogueira_stability, selection_matrix
from .cells import stored_window
from .methods import method_label, method_position
from .store import ResultStore, StoreError

#: Model selection per dataset and method: the tables' grouping.
PER_METHOD = ("dataset", "method")
#: Model selection per dataset, method and sparsity level (the L2 chosen per level): the curves'.
PER_SPARSITY = ("dataset", "method", "sparsity")

# One row per configuration (dataset, method, parameters) with finished seeds. Every seed of a
# configuration has the same sparsity and L2 (they are parameters).
_CONFIGURATIONS = """
SELECT dataset, method, params, MIN(sparsity) AS sparsity, MIN(l2) AS l2, AVG(val_loss) AS mean_val_loss,
       COUNT(*) AS n_seeds
FROM cells WHERE status = 'done' GROUP BY dataset, method, params
"""

# The finished cells with their main measure at one K, in every window (filtered per cell).
_ACCURACIES = """
SELECT c.cell_id, c.dataset, c.method, c.params, c.seed, c.n_parameters, c.training_flops, c.fit_seconds,
       a.metric, a.importance_window, a.k, a.accuracy
FROM cells AS c JOIN accuracies AS a ON a.cell_id = c.cell_id
WHERE c.status = 'done' AND a.k = ?
"""

_CHOSEN_COLUMNS = ["dataset", "method", "params", "sparsity", "l2", "mean_val_loss", "n_seeds", "n_configurations"]


def paper_k(dataset: str) -> int:
    """The K at which the paper evaluates ``dataset``: 20 for Madelon, 100 for every other.

    The paper's captions say K = 100 throughout, but its evaluation script uses K = 20 on
    Madelon (its 20 informative features); datasets outside the registry get 100.

    Examples
    --------
    >>> from sparsefs.study import paper_k
    >>> paper_k("Madelon"), paper_k("Isolet"), paper_k("my-own-data")
    (20, 100, 100)
    """
    try:
        return get_spec(dataset).paper_k
    except KeyError:
        return 100


def chosen_configurations(store: ResultStore, per: Sequence[str] = PER_METHOD) -> pd.DataFrame:
    """The configuration model selection chooses in each group ``per`` of finished cells.

    Columns: dataset, method (a training mode or a baseline, as stored), params (JSON), sparsity,
    l2, mean_val_loss (NaN: its cells recorded none), n_seeds, and n_configurations (how many
    configurations the group had to choose from: with one, nothing was chosen). ``per``:
    :data:`PER_METHOD` or :data:`PER_SPARSITY` (groups without a sparsity, the baselines',
    are then left out).

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"],
    ...               "seeds": 2, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import chosen_configurations
    >>> with open_store("study.sqlite") as store:
    ...     chosen = chosen_configurations(store)
    >>> chosen[["method", "n_seeds", "n_configurations"]].values.tolist()
    [['lasso', 2, 2]]
    """
    per = list(per)
    configurations = store.query(_CONFIGURATIONS)
    for column in ("sparsity", "l2", "mean_val_loss"):  # SQL NULL (None) as NaN
        configurations[column] = pd.to_numeric(configurations[column]).astype(float)
    configurations = configurations.dropna(subset=per)
    if configurations.empty:
        return pd.DataFrame(columns=_CHOSEN_COLUMNS)
    ranked = configurations.sort_values([*per, "mean_val_loss", "params"], na_position="last", kind="stable")
    chosen = ranked.groupby(per, sort=False).head(1)
    counts = configurations.groupby(per).size().rename("n_configurations").reset_index()
    return chosen.merge(counts, on=per)[_CHOSEN_COLUMNS].reset_index(drop=True)


def chosen_cells(store: ResultStore, per: Sequence[str] = PER_METHOD) -> pd.DataFrame:
    """The finished cells (every seed) of each group's chosen configuration.

    Columns: cell_id, dataset, method (a training mode or a baseline, not yet a paper label),
    params, seed, sparsity, l2. The choice is :func:`chosen_configurations`', made without any K.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"],
    ...               "seeds": 2, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import chosen_cells
    >>> with open_store("study.sqlite") as store:
    ...     chosen = chosen_cells(store)
    >>> len(chosen), chosen["method"].unique().tolist()
    (2, ['lasso'])
    """
    cells = store.query("SELECT cell_id, dataset, method, params, seed FROM cells WHERE status = 'done'")
    chosen = chosen_configurations(store, per)[["dataset", "method", "params", "sparsity", "l2"]]
    joined = chosen.merge(cells, on=["dataset", "method", "params"])
    columns = ["cell_id", "dataset", "method", "params", "seed", "sparsity", "l2"]
    return joined[columns].sort_values(["dataset", "method", "seed"], kind="stable").reset_index(drop=True)


def chosen_accuracies(store: ResultStore, k: int, window: str, per: Sequence[str] = PER_METHOD) -> pd.DataFrame:
    """The main measure at ``k`` of every seed of each group's chosen configuration.

    One row per cell and metric, the network's in ``window`` and a baseline's in its single
    window (:func:`sparsefs.study.cells.stored_window`): the chosen configuration's columns,
    with seed, metric, label (the method's table label), accuracy and the cell's costs.
    """
    rows = store.query(_ACCURACIES, (int(k),))
    rows = rows[rows.importance_window.to_numpy() == np.array([stored_window(m, window) for m in rows.method])]
    rows = chosen_configurations(store, per).merge(rows, on=["dataset", "method", "params"])
    return rows.assign(label=[method_label(m, metric) for m, metric in zip(rows.method, rows.metric)])


def summarise(rows: pd.DataFrame, per: Sequence[str] = PER_METHOD) -> pd.DataFrame:
    """:func:`chosen_accuracies` over seeds: one row per group of ``per`` and method label,
    accuracies in percent (mean and population std, ``ddof=0``), costs as means over the seeds."""
    keys = ["label" if key == "method" else key for key in per]
    first = ("k", "sparsity", "l2", "params")
    aggregations = {
        **{column: (column, "first") for column in first if column not in keys},
        "seeds": ("seed", "nunique"),
        "val_loss": ("mean_val_loss", "first"),
        "n_configurations": ("n_configurations", "first"),
        "acc_mean": ("accuracy", lambda a: 100 * np.mean(a)),
        "acc_std": ("accuracy", lambda a: 100 * np.std(a)),
        "n_parameters": ("n_parameters", "mean"),
        "training_flops": ("training_flops", "mean"),
        "fit_seconds": ("fit_seconds", "mean"),
    }
    return rows.groupby(keys, sort=False).agg(**aggregations).reset_index().rename(columns={"label": "method"})


def results_table(store: ResultStore, k: int | Mapping[str, int] = 100, window: str = "all_epochs") -> pd.DataFrame:
    """One row per dataset and method: the chosen configuration and its accuracy over seeds.

    Columns: dataset, method, k, sparsity, l2, params (the chosen parameters, JSON), seeds,
    val_loss (mean; NaN where the cells recorded none), n_configurations (how many the choice
    was among), acc_mean, acc_std (percent), n_parameters, training_flops, fit_seconds (means
    over the seeds), task.

    ``k``: one K for every dataset, or a K per dataset (a mapping, e.g. each dataset's
    :func:`paper_k`); with a mapping, datasets missing from it or not evaluated at their K are
    left out, and the model selection (made without any K) is the same.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2,
    ...               "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import results_table
    >>> with open_store("study.sqlite") as store:
    ...     table = results_table(store, k=10)
    >>> table[["dataset", "method", "seeds"]].values.tolist()
    [['synthetic-100', 'Lasso', 2]]
    """
    if isinstance(k, Mapping):
        _check_evaluated(store, None, window)
        parts = [chosen_accuracies(store, one_k, window) for one_k in sorted(set(k.values()))]
        parts = [rows[rows.dataset.map(k.get) == rows.k] for rows in parts]
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    else:
        _check_evaluated(store, k, window)
        rows = chosen_accuracies(store, k, window)
    if rows.empty:
        return pd.DataFrame(columns=["dataset", "method", "task", "k", "sparsity", "l2", "params", "seeds", "val_loss",
                                     "n_configurations", "acc_mean", "acc_std", "n_parameters", "training_flops",
                                     "fit_seconds"])
    table = summarise(rows)
    tasks = dataset_tasks(store)
    table["task"] = [tasks.get(dataset, "classification") for dataset in table["dataset"]]
    return _in_table_order(table)


def dataset_tasks(store: ResultStore) -> dict[str, str]:
    """The task each dataset of the store was selected for, told by the measures its cells
    recorded (R²: regression; reconstruction error: unsupervised); stores written before the
    ``scores`` table existed hold classification only."""
    try:
        measures = store.query(
            "SELECT DISTINCT c.dataset, s.measure FROM scores AS s JOIN cells AS c ON c.cell_id = s.cell_id")
    except StoreError:  # no scores table: an older store, opened read-only
        return {}
    tasks = {}
    for dataset, group in measures.groupby("dataset"):
        found = set(group.measure)
        tasks[dataset] = ("unsupervised" if "reconstruction_mse" in found else
                          "regression" if "r2" in found else "classification")
    return tasks


def chosen_importances(store: ResultStore, datasets=None, window: str = "all_epochs", *,
                       networks_only: bool = False) -> pd.DataFrame:
    """The importance vectors of the chosen configurations' cells (of ``datasets``; None: all),
    every seed and metric.

    Networks' vectors come from ``window``, baselines' from their single one. Columns:
    dataset, method (the table label), seed, vector.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2,
    ...               "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study.selection import chosen_importances
    >>> with open_store("study.sqlite") as store:
    ...     vectors = chosen_importances(store)
    >>> vectors[["method", "seed"]].values.tolist(), vectors.vector[0].shape
    ([['Lasso', 0], ['Lasso', 1]], (200,))
    """
    from ..registry import TRAINING_METHODS

    cells = chosen_cells(store)
    if datasets is not None:
        cells = cells[cells.dataset.isin(list(datasets))]
    if networks_only:
        cells = cells[cells.method.isin(list(TRAINING_METHODS))]
    records = []
    for cell in cells.itertuples():
        wanted = stored_window(cell.method, window)
        for metric, windows in store.importances(cell.cell_id).items():
            if wanted in windows:
                records.append((cell.dataset, method_label(cell.method, metric), cell.seed, windows[wanted]))
    return pd.DataFrame(records, columns=["dataset", "method", "seed", "vector"])


def stability_table(store: ResultStore, k: int = 100, window: str = "all_epochs") -> pd.DataFrame:
    """How much the seeds of each chosen configuration agree on their top ``k`` features.

    One row per dataset and method with at least two finished seeds: ``seeds``, and the
    stability of Nogueira, Sechidis and Brown (JMLR 2018) of the seeds' top-``k`` selections
    with its 95% confidence interval (``stability``, ``lower``, ``upper``): 1 when every seed
    selects the same features, about 0 when they agree no more than random selections.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "stability.sqlite", "datasets": ["synthetic-100"],
    ...               "seeds": 3, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import stability_table
    >>> with open_store("stability.sqlite") as store:
    ...     table = stability_table(store, k=10)
    >>> table[["dataset", "method", "seeds"]].values.tolist()
    [['synthetic-100', 'Lasso', 3]]
    >>> bool(-1 <= table.stability[0] <= 1)
    True
    """
    rows = []
    for (dataset, method), runs in chosen_importances(store, window=window).groupby(["dataset", "method"], sort=False):
        n_features = len(runs.vector.iloc[0])
        if len(runs) < 2 or k >= n_features:
            continue
        tops = [np.argsort(-vector, kind="stable")[:k] for vector in runs.vector]
        result = nogueira_stability(selection_matrix(tops, n_features))
        rows.append((dataset, method, len(runs), result.value, result.lower, result.upper))
    table = pd.DataFrame(rows, columns=["dataset", "method", "seeds", "stability", "lower", "upper"])
    return _in_table_order(table)


def _in_table_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows by dataset, then in the methods' table order."""
    order = table["method"].map(lambda name: method_position(name)[0])
    return table.assign(_order=order).sort_values(["dataset", "_order", "method"]).drop(columns="_order").reset_index(
        drop=True)


def _check_evaluated(store: ResultStore, k: int | None, window: str) -> None:
    from .cells import BASELINE_WINDOW

    available = store.query("SELECT DISTINCT k, importance_window FROM accuracies")
    if available.empty:
        return
    if k is not None and k not in set(available["k"]):
        ks = ", ".join(map(str, sorted(set(available["k"]))))
        widest = store.query("SELECT MAX(n_features) AS n FROM cells WHERE status = 'done'")["n"].iloc[0]
        if widest is not None and k > widest:  # then no study could have evaluated it
            raise StoreError(f"K={k} is larger than the features of every dataset in this store (at most {int(widest)}), "
                             f"so no top {k} was evaluated; it holds K = {ks}")
        raise StoreError(f"K={k} was not evaluated in this store (it holds K = {ks}); add it to [study] k and run "
                         "the study again: finished cells are re-evaluated from their stored importances")
    windows = set(available["importance_window"]) - {BASELINE_WINDOW}
    if windows and window not in windows:
        raise StoreError(f"window {window!r} was not evaluated in this store (it holds {', '.join(sorted(windows))})")
