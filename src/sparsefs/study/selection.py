"""Model selection over a results store, and the paper-style table (the method page §5).

For every dataset and method (a training mode or a baseline), the configuration (sparsity
and L2, or the baseline's searched parameters) with the lowest validation loss, averaged over
its finished seeds, is chosen; ties go to the configuration whose parameters sort first. The
test data takes no part in the choice. The QS and Attr variants of a training mode come from
the same runs and so share their choice. The table reports the chosen configuration's SVM
test accuracy, mean ± standard deviation over seeds (population std, ``ddof=0``), in percent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets import get_spec
from .cells import BASELINE_WINDOW
from .store import ResultStore, StoreError

TRAINING_LABELS = {"dense": "Dense", "set": "SET", "rigl": "RigL"}
METRIC_LABELS = {"strength": "QS", "attribution": "Attr", "random": "Random"}
BASELINE_LABELS = {"lasso": "Lasso", "lassonet": "LassoNet", "stg": "STG"}
#: Column order of the paper's tables.
METHOD_ORDER = [f"{t}-{m}" for t in TRAINING_LABELS.values() for m in METRIC_LABELS.values()] + list(
    BASELINE_LABELS.values()
)

# Per dataset and method, rank the configurations by mean validation loss over their seeds and
# keep the first: the chosen configuration (ties go to the parameters that sort first). A
# configuration trained without validation rows (preset="recommended") has no validation loss:
# it is chosen only where no configuration of its method has one.
_CHOSEN = """
WITH configurations AS (
    SELECT dataset, method, params, AVG(val_loss) AS mean_val_loss, COUNT(*) AS n_seeds
    FROM cells
    WHERE status = 'done'
    GROUP BY dataset, method, params
), ranked AS (
    SELECT dataset, method, params, mean_val_loss, n_seeds,
           ROW_NUMBER() OVER (PARTITION BY dataset, method
                              ORDER BY mean_val_loss IS NULL, mean_val_loss, params) AS position
    FROM configurations
), chosen AS (
    SELECT dataset, method, params, mean_val_loss, n_seeds FROM ranked WHERE position = 1
)
"""

# The accuracies of the chosen configurations' cells at the requested K and window.
_SELECTED_ACCURACIES = _CHOSEN + """
SELECT c.dataset, c.method, c.params, c.sparsity, c.l2, c.seed, r.mean_val_loss, r.n_seeds,
       c.n_parameters, c.training_flops, c.fit_seconds, a.metric, a.accuracy
FROM chosen AS r
JOIN cells AS c ON c.dataset = r.dataset AND c.method = r.method AND c.params = r.params AND c.status = 'done'
JOIN accuracies AS a ON a.cell_id = c.cell_id
WHERE a.k = ? AND a.importance_window IN (?, ?)
"""

_CHOSEN_CELLS = _CHOSEN + """
SELECT c.cell_id, c.dataset, c.method, c.params, c.seed, c.sparsity, c.l2
FROM chosen AS r
JOIN cells AS c ON c.dataset = r.dataset AND c.method = r.method AND c.params = r.params AND c.status = 'done'
ORDER BY c.dataset, c.method, c.seed
"""


def method_label(method: str, metric: str) -> str:
    """The paper's name of a method: ``SET-Attr``, ``Dense-QS``, ``LassoNet``...

    Examples
    --------
    >>> from sparsefs.study import method_label
    >>> method_label("set", "attribution"), method_label("dense", "strength"), method_label("stg", "gate_mean")
    ('SET-Attr', 'Dense-QS', 'STG')
    """
    if method in BASELINE_LABELS:
        return BASELINE_LABELS[method]
    return f"{TRAINING_LABELS.get(method, method)}-{METRIC_LABELS.get(metric, metric)}"


def results_table(store: ResultStore, k: int = 100, window: str = "all_epochs") -> pd.DataFrame:
    """One row per dataset and method: the chosen configuration and its accuracy over seeds.

    Columns: dataset, method, sparsity, l2, params (the chosen parameters, JSON), seeds,
    val_loss (mean), acc_mean, acc_std (percent), n_parameters, training_flops, fit_seconds
    (means over the seeds).

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import results_table
    >>> with open_store("study.sqlite") as store:
    ...     table = results_table(store, k=10)
    >>> table[["dataset", "method", "seeds"]].values.tolist()
    [['synthetic-100', 'Lasso', 2]]
    """
    _check_evaluated(store, k, window)
    rows = store.query(_SELECTED_ACCURACIES, (int(k), window, BASELINE_WINDOW))
    if rows.empty:
        return pd.DataFrame(columns=["dataset", "method", "sparsity", "l2", "params", "seeds", "val_loss",
                                     "acc_mean", "acc_std", "n_parameters", "training_flops", "fit_seconds"])
    rows["method"] = [method_label(m, metric) for m, metric in zip(rows["method"], rows["metric"])]
    table = (
        rows.groupby(["dataset", "method"], sort=False)
        .agg(
            sparsity=("sparsity", "first"),
            l2=("l2", "first"),
            params=("params", "first"),
            seeds=("seed", "nunique"),
            val_loss=("mean_val_loss", "first"),
            acc_mean=("accuracy", lambda a: 100 * np.mean(a)),
            acc_std=("accuracy", lambda a: 100 * np.std(a)),
            n_parameters=("n_parameters", "mean"),
            training_flops=("training_flops", "mean"),
            fit_seconds=("fit_seconds", "mean"),
        )
        .reset_index()
    )
    order = {name: position for position, name in enumerate(METHOD_ORDER)}
    table["_order"] = table["method"].map(lambda name: order.get(name, len(order)))
    return table.sort_values(["dataset", "_order", "method"]).drop(columns="_order").reset_index(drop=True)


def chosen_cells(store: ResultStore) -> pd.DataFrame:
    """The finished cells (every seed) of each dataset and method's chosen configuration.

    Columns: cell_id, dataset, method (a training mode or a baseline, not yet a paper label),
    params, seed, sparsity, l2. The choice is :func:`results_table`'s, made without any K.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import chosen_cells
    >>> with open_store("study.sqlite") as store:
    ...     chosen = chosen_cells(store)
    >>> len(chosen), chosen["method"].unique().tolist()
    (2, ['lasso'])
    """
    return store.query(_CHOSEN_CELLS)


def join_reference(table: pd.DataFrame, reference_dir: str | Path, window: str = "all_epochs") -> pd.DataFrame:
    """Add the paper's K=100 numbers (``paper_acc_mean``, ``paper_acc_std``, ``paper_sparsity``).

    Networks come from ``paper_svm_accuracy_k100.csv`` (for ``window``), baselines from
    ``paper_baselines_k100.csv``; datasets are matched through the registry's
    ``reference_name``. Datasets or methods the paper does not report get NaN.

    Examples
    --------
    The paper's numbers come from a folder of its result tables (CSV):

    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sparsefs.study import join_reference
    >>> folder = Path("reference")
    >>> folder.mkdir()
    >>> _ = pd.DataFrame({"importance_window": ["all_epochs"], "dataset": ["Isolet"], "method": ["SET-Attr"],
    ...                   "acc_mean": [84.0], "acc_std": [0.5], "sparsity": [0.8]}
    ...                  ).to_csv(folder / "paper_svm_accuracy_k100.csv", index=False)
    >>> _ = pd.DataFrame({"dataset": ["Isolet"], "method": ["Lasso"], "acc_mean": [70.0], "acc_std": [1.0]}
    ...                  ).to_csv(folder / "paper_baselines_k100.csv", index=False)
    >>> ours = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"], "acc_mean": [85.0]})
    >>> join_reference(ours, folder)[["paper_acc_mean", "paper_sparsity"]].values.tolist()
    [[84.0, 0.8]]
    """
    reference_dir = Path(reference_dir)
    if not reference_dir.is_dir():
        raise StoreError(f"reference folder {reference_dir} does not exist")
    networks = _reference_table(reference_dir / "paper_svm_accuracy_k100.csv",
                                {"importance_window", "dataset", "method", "acc_mean", "acc_std", "sparsity"})
    baselines = _reference_table(reference_dir / "paper_baselines_k100.csv", {"dataset", "method", "acc_mean", "acc_std"})
    networks = networks[networks["importance_window"] == window].drop(columns="importance_window")
    baselines = baselines[baselines["method"].isin(BASELINE_LABELS.values())].assign(sparsity=np.nan)
    paper = pd.concat([networks, baselines], ignore_index=True).rename(
        columns={"dataset": "reference_name", "acc_mean": "paper_acc_mean", "acc_std": "paper_acc_std",
                 "sparsity": "paper_sparsity"}
    )
    joined = table.assign(reference_name=table["dataset"].map(_reference_name))
    return joined.merge(paper, on=["reference_name", "method"], how="left").drop(columns="reference_name")


def _reference_table(path: Path, columns: set[str]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:  # missing, unreadable, not CSV (pandas' parser errors are ValueErrors)
        raise StoreError(f"cannot read the paper's table {path}: {error}") from None
    missing = columns - set(table.columns)
    if missing:
        raise StoreError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    return table


def format_table(table: pd.DataFrame, k: int, window: str) -> str:
    """The paper's layout: datasets down, methods across, ``mean ± std (sparsity)`` cells.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import format_table, results_table
    >>> with open_store("study.sqlite") as store:
    ...     text = format_table(results_table(store, k=10), k=10, window="all_epochs")
    >>> print(text)  # doctest: +ELLIPSIS
    SVM test accuracy (%) of the top 10 features...
    """
    if table.empty:
        return "no finished cells in the store yet"
    cells = table.assign(text=[_cell_text(row) for row in table.itertuples()])
    wide = cells.pivot(index="dataset", columns="method", values="text").fillna("-")
    wide = wide[[m for m in METHOD_ORDER if m in wide.columns] + [m for m in wide.columns if m not in METHOD_ORDER]]
    title = (
        f"SVM test accuracy (%) of the top {k} features, window {window}: mean ± std over seeds; "
        "(sparsity) chosen by validation loss"
    )
    return title + "\n" + wide.rename_axis(None, axis=1).reset_index().to_string(index=False)


def format_comparison(table: pd.DataFrame) -> str:
    """Ours beside the paper's, one row per dataset and method.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study import format_comparison
    >>> table = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"], "acc_mean": [85.0], "acc_std": [1.0],
    ...                       "sparsity": [0.9], "seeds": [10], "paper_acc_mean": [84.0],
    ...                       "paper_acc_std": [0.5], "paper_sparsity": [0.8]})
    >>> print(format_comparison(table))
    dataset   method  sparsity  paper_sparsity  seeds         ours        paper  difference
     Isolet SET-Attr       0.9             0.8     10 85.00 ± 1.00 84.00 ± 0.50         1.0
    """
    shown = table.assign(
        ours=[f"{m:.2f} ± {s:.2f}" for m, s in zip(table["acc_mean"], table["acc_std"])],
        paper=[
            "-" if np.isnan(m) else f"{m:.2f} ± {s:.2f}" for m, s in zip(table["paper_acc_mean"], table["paper_acc_std"])
        ],
        difference=(table["acc_mean"] - table["paper_acc_mean"]).round(2),
    )
    columns = ["dataset", "method", "sparsity", "paper_sparsity", "seeds", "ours", "paper", "difference"]
    return shown[columns].to_string(index=False, na_rep="-")


def _cell_text(row) -> str:
    text = f"{row.acc_mean:.2f} ± {row.acc_std:.2f}"
    if row.sparsity is not None and not np.isnan(row.sparsity) and row.sparsity > 0:
        text += f" ({row.sparsity:g})"
    return text


def _reference_name(dataset: str) -> str | None:
    try:
        return get_spec(dataset).reference_name
    except KeyError:
        return None


def _check_evaluated(store: ResultStore, k: int, window: str) -> None:
    available = store.query("SELECT DISTINCT k, importance_window FROM accuracies")
    if available.empty:
        return
    if k not in set(available["k"]):
        ks = ", ".join(map(str, sorted(set(available["k"]))))
        raise StoreError(f"K={k} was not evaluated in this store (it holds K = {ks}); add it to [study] k and run "
                         "the study again: finished cells are re-evaluated from their stored importances")
    windows = set(available["importance_window"]) - {BASELINE_WINDOW}
    if windows and window not in windows:
        raise StoreError(f"window {window!r} was not evaluated in this store (it holds {', '.join(sorted(windows))})")
