"""Model selection over a results store, and the paper-style table (the method page §5).

For every dataset and method (a training mode or a baseline), the configuration (sparsity
and L2, or the baseline's searched parameters) with the lowest validation loss, averaged over
its finished seeds, is chosen; ties go to the configuration whose parameters sort first. The
test data takes no part in the choice. The QS and Attr variants of a training mode come from
the same runs and so share their choice. The table reports the chosen configuration's SVM
test accuracy, mean ± standard deviation over seeds (population std, ``ddof=0``), in percent.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets import get_spec
from ..stability import nogueira_stability, selection_matrix
from .cells import BASELINE_WINDOW
from ..registry import TASKS, TRAINING_METHODS
from .methods import method_label, method_order, method_position, paper_baselines
from .store import ResultStore, StoreError


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
       c.n_parameters, c.training_flops, c.fit_seconds, a.metric, a.k, a.accuracy
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


def results_table(store: ResultStore, k: int | Mapping[str, int] = 100, window: str = "all_epochs") -> pd.DataFrame:
    """One row per dataset and method: the chosen configuration and its accuracy over seeds.

    Columns: dataset, method, k, sparsity, l2, params (the chosen parameters, JSON), seeds,
    val_loss (mean), acc_mean, acc_std (percent), n_parameters, training_flops, fit_seconds
    (means over the seeds).

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
        parts = [
            rows[rows.dataset.isin([d for d, dk in k.items() if dk == one_k])]
            for one_k in sorted(set(k.values()))
            for rows in [store.query(_SELECTED_ACCURACIES, (int(one_k), window, BASELINE_WINDOW))]
        ]
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    else:
        _check_evaluated(store, k, window)
        rows = store.query(_SELECTED_ACCURACIES, (int(k), window, BASELINE_WINDOW))
    if rows.empty:
        return pd.DataFrame(columns=["dataset", "method", "task", "k", "sparsity", "l2", "params", "seeds", "val_loss",
                                     "acc_mean", "acc_std", "n_parameters", "training_flops", "fit_seconds"])
    rows["method"] = [method_label(m, metric) for m, metric in zip(rows["method"], rows["metric"])]
    table = (
        rows.groupby(["dataset", "method"], sort=False)
        .agg(
            k=("k", "first"),
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
    tasks = dataset_tasks(store)
    table["task"] = [tasks.get(dataset, "classification") for dataset in table["dataset"]]
    table["_order"] = table["method"].map(lambda name: method_position(name)[0])
    return table.sort_values(["dataset", "_order", "method"]).drop(columns="_order").reset_index(drop=True)


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


def chosen_cells(store: ResultStore) -> pd.DataFrame:
    """The finished cells (every seed) of each dataset and method's chosen configuration.

    Columns: cell_id, dataset, method (a training mode or a baseline, not yet a paper label),
    params, seed, sparsity, l2. The choice is :func:`results_table`'s, made without any K.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2,
    ...               "k": [10]},
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
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 3,
    ...               "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.study import stability_table
    >>> with open_store("study.sqlite") as store:
    ...     table = stability_table(store, k=10)
    >>> table[["dataset", "method", "seeds"]].values.tolist()
    [['synthetic-100', 'Lasso', 3]]
    >>> bool(-1 <= table.stability[0] <= 1)
    True
    """
    selections: dict[tuple[str, str], list[np.ndarray]] = {}
    for cell in chosen_cells(store).itertuples():
        wanted = window if cell.method in TRAINING_METHODS else BASELINE_WINDOW
        for metric, windows in store.importances(cell.cell_id).items():
            if wanted in windows:
                top = np.argsort(-windows[wanted], kind="stable")[:k]
                selections.setdefault((cell.dataset, method_label(cell.method, metric)), []).append((top, len(windows[wanted])))
    rows = []
    for (dataset, method), runs in selections.items():
        n_features = runs[0][1]
        if len(runs) < 2 or k >= n_features:
            continue
        result = nogueira_stability(selection_matrix([top for top, _ in runs], n_features))
        rows.append((dataset, method, len(runs), result.value, result.lower, result.upper))
    table = pd.DataFrame(rows, columns=["dataset", "method", "seeds", "stability", "lower", "upper"])
    table["_order"] = table["method"].map(lambda name: method_position(name)[0])
    return table.sort_values(["dataset", "_order", "method"]).drop(columns="_order").reset_index(drop=True)


def format_stability(table: pd.DataFrame, k: int) -> str:
    """:func:`stability_table` laid out like the accuracy table: ``value [lower, upper]`` cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study import format_stability
    >>> table = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"], "seeds": [5],
    ...                       "stability": [0.71], "lower": [0.66], "upper": [0.76]})
    >>> print(format_stability(table, 100).splitlines()[-1])
    Isolet 0.71 [0.66, 0.76]
    """
    if table.empty:
        return f"stability of the top {k}: no dataset and method with two or more finished seeds"
    cells = table.assign(text=[f"{r.stability:.2f} [{r.lower:.2f}, {r.upper:.2f}]" for r in table.itertuples()])
    wide = cells.pivot(index="dataset", columns="method", values="text").fillna("-")
    wide = wide[sorted(wide.columns, key=method_position)]
    title = (
        f"stability of the top {k} features across seeds (Nogueira et al., JMLR 2018; 1: identical selections, "
        "0: no more agreement than chance) [95% confidence interval]"
    )
    return title + "\n" + wide.rename_axis(None, axis=1).reset_index().to_string(index=False)


def join_reference(table: pd.DataFrame, reference_dir: str | Path, window: str = "all_epochs") -> pd.DataFrame:
    """Add the paper's numbers (``paper_acc_mean``, ``paper_acc_std``, ``paper_sparsity``).

    Networks come from ``paper_svm_accuracy_k100.csv`` (for ``window``), baselines from
    ``paper_baselines_k100.csv``; datasets are matched through the registry's
    ``reference_name``. Where both ``table`` and the paper's tables have a ``k`` column (the
    paper's K: 20 for Madelon, 100 elsewhere), an entry is matched only at the same K. Datasets
    or methods the paper does not report, or reports at another K, get NaN.

    Examples
    --------
    The paper's numbers come from a folder of its result tables (CSV):

    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sparsefs.study import join_reference
    >>> folder = Path("reference")
    >>> folder.mkdir()
    >>> _ = pd.DataFrame({"importance_window": ["all_epochs"], "dataset": ["Isolet"],
    ...                   "method": ["SET-Attr"], "acc_mean": [84.0], "acc_std": [0.5],
    ...                   "sparsity": [0.8]}
    ...                  ).to_csv(folder / "paper_svm_accuracy_k100.csv", index=False)
    >>> _ = pd.DataFrame({"dataset": ["Isolet"], "method": ["Lasso"], "acc_mean": [70.0],
    ...                   "acc_std": [1.0]}
    ...                  ).to_csv(folder / "paper_baselines_k100.csv", index=False)
    >>> ours = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"],
    ...                      "acc_mean": [85.0]})
    >>> join_reference(ours, folder)[["paper_acc_mean", "paper_sparsity"]].values.tolist()
    [[84.0, 0.8]]
    """
    reference_dir = Path(reference_dir)
    if not reference_dir.is_dir():
        raise StoreError(f"reference folder {reference_dir} does not exist")
    networks = _reference_table(reference_dir / "paper_svm_accuracy_k100.csv",
                                {"importance_window", "dataset", "method", "acc_mean", "acc_std", "sparsity"})
    baselines = _reference_table(reference_dir / "paper_baselines_k100.csv", {"dataset", "method", "acc_mean", "acc_std"})
    for name, frame in (("networks", networks), ("baselines", baselines)):
        if "k" in frame.columns and not pd.to_numeric(frame["k"], errors="coerce").notna().all():
            raise StoreError(f"the paper's {name} table has a non-numeric k")
    networks = networks[networks["importance_window"] == window].drop(columns="importance_window")
    baselines = baselines[baselines["method"].isin(paper_baselines())].assign(sparsity=np.nan)
    paper = pd.concat([networks, baselines], ignore_index=True).rename(
        columns={"dataset": "reference_name", "acc_mean": "paper_acc_mean", "acc_std": "paper_acc_std",
                 "sparsity": "paper_sparsity"}
    )
    keys = ["reference_name", "method"]
    if "k" in table.columns and "k" in paper.columns:
        keys.append("k")
        paper = paper.assign(k=paper["k"].fillna(100).astype(int))
    else:
        paper = paper.drop(columns="k", errors="ignore")
    joined = table.assign(reference_name=table["dataset"].map(_reference_name))
    return joined.merge(paper, on=keys, how="left").drop(columns="reference_name")


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
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 2,
    ...               "k": [10]},
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
    wide = wide[sorted(wide.columns, key=method_position)]
    tasks = sorted(set(table["task"])) if "task" in table.columns else ["classification"]
    measure = "; ".join(TASKS[task].measure_label + ("" if len(tasks) == 1 else f" ({task})") for task in tasks)
    title = (
        f"{measure} of the top {k} features, window {window}: mean ± std over seeds; "
        "(sparsity) chosen by validation loss"
    )
    return title + "\n" + wide.rename_axis(None, axis=1).reset_index().to_string(index=False)


def format_comparison(table: pd.DataFrame) -> str:
    """Ours beside the paper's, one row per dataset and method.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study import format_comparison
    >>> table = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"],
    ...                       "acc_mean": [85.0], "acc_std": [1.0], "sparsity": [0.9],
    ...                       "seeds": [10], "paper_acc_mean": [84.0],
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
    columns = ["dataset", "method", *(["k"] if "k" in shown.columns else []), "sparsity", "paper_sparsity", "seeds",
               "ours", "paper", "difference"]
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


def _check_evaluated(store: ResultStore, k: int | None, window: str) -> None:
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
