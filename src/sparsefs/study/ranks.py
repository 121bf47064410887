"""Selectors compared soundly over datasets: mean ± std over seeds, mean ranks, the Friedman
test with the Nemenyi critical difference (Demšar, JMLR 2006), and one selector's
win/tie/loss against each other with a paired Wilcoxon signed-rank test.

A *selector* is one column of the comparison: a baseline by its registered name (``lasso``,
``randomforest``...), and our network by its preset (``recommended``, ``paper``; a training
mode other than SET is added to the name: ``paper-rigl``). Each preset is read at its own
importance metric and window (the recommended preset's importance at its best epoch, which
is the end of training; the paper's summed over all epochs), so one store may hold both
presets (two configuration files writing into one store: ``configs/quality.toml`` and
``configs/quality-paper.toml``). Where a selector has several configurations (Lasso's C), the
one with the lowest validation loss averaged over its seeds is chosen, as the study's tables
choose (:func:`sparsefs.study.results_table`); the test rows take no part.

The statistics follow Demšar: each dataset ranks the selectors by their mean score over seeds
(1 = best, ties share the average rank); the Friedman test asks whether the mean ranks
differ more than chance would make them (with Iman and Davenport's F form, less
conservative); two selectors whose mean ranks differ by less than the Nemenyi critical
difference ``q_α √(k (k + 1) / (6 N))`` are not told apart at level α. The ranks and tests use
the datasets on which every selector has a result. scipy has the distributions
(``friedmanchisquare``, ``studentized_range``, ``wilcoxon``); the packages that wrap these
tests (autorank, scikit-posthocs) would add statsmodels and seaborn for a few formulas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..presets import PAPER, PRESETS
from ..registry import TRAINING_METHODS
from .cells import BASELINE_WINDOW
from .selection import paper_k
from .store import ResultStore

__all__ = ["FriedmanResult", "chosen_selector_cells", "critical_difference", "friedman_test", "long_summary", "mean_ranks",
           "nemenyi_groups", "rank_table", "selector_name", "selector_scores", "selector_vectors", "summarise", "wins_ties_losses",
           "write_summary_csv", "RECOMMENDED", "PAPER_SELECTOR"]

#: The selector names of our network with each preset.
RECOMMENDED, PAPER_SELECTOR = "recommended", "paper"

_CELLS = """
SELECT cell_id, dataset, method, params, seed, val_loss, fit_seconds
FROM cells WHERE status = 'done'
"""
_ACCURACIES = "SELECT cell_id, metric, importance_window, k, accuracy FROM accuracies"


def selector_name(method: str, params: Mapping) -> str:
    """The comparison's name of a cell's selector: a baseline's registered name, or the
    network's preset (with its training mode where that is not SET).

    Examples
    --------
    >>> from sparsefs.study.ranks import selector_name
    >>> (selector_name("set", {"preset": "recommended"}), selector_name("set", {}),
    ...  selector_name("lasso", {"C": 1}))
    ('recommended', 'paper', 'lasso')
    >>> selector_name("rigl", {"preset": "paper"})
    'paper-rigl'
    """
    if method not in TRAINING_METHODS:
        return method
    preset = params.get("preset", "paper")
    return preset if method == PAPER["training"] else f"{preset}-{method}"


def _preset_view(params: Mapping) -> tuple[str, str]:
    """The importance metric and window at which a network configuration is compared: its
    preset's (``importance`` and ``accumulate``)."""
    preset = PRESETS.get(params.get("preset", "paper"), {})
    metric = preset.get("importance", PAPER["importance"])
    return (metric if isinstance(metric, str) else metric[0]), preset.get("accumulate", PAPER["accumulate"])


def selector_scores(store: ResultStore, k: int | Mapping[str, int] | None = None) -> pd.DataFrame:
    """Every seed's score of each dataset's chosen configuration of every selector.

    ``k``: the number of features evaluated, one for all datasets, a mapping per dataset, or
    None for the paper's (20 on Madelon, 100 elsewhere: :func:`~sparsefs.study.paper_k`).
    Returns the columns dataset, k, selector, seed, score (the task's main measure in percent:
    SVM test accuracy, SVR R²), fit_seconds and params (the chosen configuration's, JSON).

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> from sparsefs.study.ranks import selector_scores
    >>> config = parse_config({
    ...     "study": {"store": "ranks.sqlite", "datasets": ["synthetic-100"], "seeds": 2,
    ...               "k": [10]},
    ...     "baselines": {"anova": {}, "lasso": {"grid": {"C": [0.1, 1.0]}}}})
    >>> _ = run_study(config)
    >>> with open_store("ranks.sqlite") as store:
    ...     scores = selector_scores(store, k=10)
    >>> sorted(set(scores.selector)), len(scores)
    (['anova', 'lasso'], 4)
    """
    columns = ["dataset", "k", "selector", "seed", "score", "fit_seconds", "params"]
    cells = chosen_selector_cells(store)
    if cells.empty:
        return pd.DataFrame(columns=columns)
    accuracies = store.query(_ACCURACIES)
    rows = cells.merge(accuracies, on="cell_id")
    network = rows.view_metric.notna()
    rows = rows[(network & (rows.metric == rows.view_metric) | ~network) & (rows.importance_window == rows.view_window)]
    wanted = rows.dataset.map(lambda d: _k_of(k, d))
    rows = rows[rows.k == wanted]
    rows = rows.assign(score=100 * rows.accuracy)
    return rows[columns].sort_values(["dataset", "selector", "seed"]).reset_index(drop=True)


def chosen_selector_cells(store: ResultStore) -> pd.DataFrame:
    """The finished cells of each dataset's chosen configuration of every selector, with the
    importance view it is compared at: columns cell_id, dataset, method, params, seed,
    val_loss, fit_seconds, selector, view_metric (None for a baseline: its one metric) and
    view_window. The choice: the lowest validation loss averaged over seeds (none: the
    parameters' order), as the study's tables choose.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> from sparsefs.study.ranks import chosen_selector_cells
    >>> config = parse_config({
    ...     "study": {"store": "chosen.sqlite", "datasets": ["synthetic-100"], "seeds": 2,
    ...               "k": [10]},
    ...     "baselines": {"anova": {}, "lasso": {"grid": {"C": [0.1, 1.0]}}}})
    >>> _ = run_study(config)
    >>> with open_store("chosen.sqlite") as store:
    ...     cells = chosen_selector_cells(store)
    >>> sorted(cells.selector), cells[cells.selector == "lasso"].params.nunique()
    (['anova', 'anova', 'lasso', 'lasso'], 1)
    """
    cells = store.query(_CELLS)
    if cells.empty:
        return cells.assign(selector=[], view_metric=[], view_window=[])
    parsed = [json.loads(text) for text in cells.params]
    cells["selector"] = [selector_name(m, p) for m, p in zip(cells.method, parsed)]
    views = [(None, BASELINE_WINDOW) if m not in TRAINING_METHODS else _preset_view(p) for m, p in zip(cells.method, parsed)]
    cells["view_metric"] = [metric for metric, _ in views]
    cells["view_window"] = [window for _, window in views]
    configurations = cells.groupby(["dataset", "selector", "params"], as_index=False).val_loss.mean()
    configurations["no_loss"] = configurations.val_loss.isna()
    chosen = (configurations.sort_values(["dataset", "selector", "no_loss", "val_loss", "params"])
              .drop_duplicates(["dataset", "selector"])[["dataset", "selector", "params"]])
    return cells.merge(chosen, on=["dataset", "selector", "params"])


def selector_vectors(store: ResultStore, datasets=None) -> dict[tuple[str, int, str], np.ndarray]:
    """(dataset, seed, selector) -> the importance vector the comparison reads: the chosen
    configuration's (:func:`chosen_selector_cells`), at the selector's view. For ranking
    measures that need no test rows (coverage of known informative features) and rank
    combinations (``benchmarks/quality_levers.py``).

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> from sparsefs.study.ranks import selector_vectors
    >>> config = parse_config({
    ...     "study": {"store": "vectors.sqlite", "datasets": ["synthetic-100"], "seeds": 1,
    ...               "k": [10]},
    ...     "baselines": {"anova": {}}})
    >>> _ = run_study(config)
    >>> with open_store("vectors.sqlite") as store:
    ...     vectors = selector_vectors(store)
    >>> list(vectors), vectors[("synthetic-100", 0, "anova")].shape
    ([('synthetic-100', 0, 'anova')], (200,))
    """
    cells = chosen_selector_cells(store)
    if datasets is not None:
        cells = cells[cells.dataset.isin(list(datasets))]
    vectors = {}
    for cell in cells.itertuples():
        importances = store.importances(cell.cell_id)
        metric = cell.view_metric if isinstance(cell.view_metric, str) else next(iter(importances))
        vectors[(cell.dataset, int(cell.seed), cell.selector)] = importances[metric][cell.view_window]
    return vectors


def _k_of(k, dataset: str) -> int | None:
    if k is None:
        return paper_k(dataset)
    if isinstance(k, Mapping):
        return k.get(dataset)
    return int(k)


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and selector: mean and std (population, ``ddof=0``, as the study's tables)
    of the score over seeds, the number of seeds, and the median seconds per fit.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import summarise
    >>> scores = pd.DataFrame({"dataset": ["a"] * 4, "k": 5,
    ...                        "selector": ["x", "x", "y", "y"], "seed": [0, 1, 0, 1],
    ...                        "score": [80.0, 90.0, 70.0, 70.0],
    ...                        "fit_seconds": [1.0, 3.0, 0.5, 0.5]})
    >>> summary = summarise(scores)
    >>> summary[["selector", "mean", "std", "seeds", "fit_seconds"]].values.tolist()
    [['x', 85.0, 5.0, 2, 2.0], ['y', 70.0, 0.0, 2, 0.5]]
    """
    if scores.empty:
        return pd.DataFrame(columns=["dataset", "k", "selector", "mean", "std", "seeds", "fit_seconds"])
    return (scores.groupby(["dataset", "selector"], sort=False)
            .agg(k=("k", "first"), mean=("score", "mean"), std=("score", lambda s: float(np.std(s))),
                 seeds=("seed", "nunique"), fit_seconds=("fit_seconds", "median"))
            .reset_index().sort_values(["dataset", "selector"]).reset_index(drop=True))


def _wide(summary: pd.DataFrame) -> pd.DataFrame:
    """Datasets × selectors of mean scores, only the datasets where every selector has one."""
    wide = summary.pivot(index="dataset", columns="selector", values="mean")
    return wide.dropna(axis=0, how="any")


def rank_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Each dataset's rank of each selector (1 = the highest mean score; ties share the
    average rank), over the datasets where every selector has a result.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import rank_table
    >>> summary = pd.DataFrame({"dataset": ["a", "a", "a"], "selector": ["x", "y", "z"],
    ...                         "mean": [90.0, 80.0, 90.0]})
    >>> rank_table(summary).loc["a"].tolist()
    [1.5, 3.0, 1.5]
    """
    wide = _wide(summary)
    return wide.rank(axis=1, ascending=False, method="average")


def mean_ranks(summary: pd.DataFrame) -> pd.Series:
    """The mean rank of each selector over the datasets where all have a result, best first.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import mean_ranks
    >>> summary = pd.DataFrame({"dataset": ["a", "a", "b", "b"],
    ...                         "selector": ["x", "y", "x", "y"],
    ...                         "mean": [90.0, 80.0, 70.0, 75.0]})
    >>> mean_ranks(summary).to_dict()
    {'x': 1.5, 'y': 1.5}
    """
    return rank_table(summary).mean(axis=0).sort_values(kind="stable").rename("mean_rank")


@dataclass(frozen=True)
class FriedmanResult:
    """The Friedman test of a comparison and the Nemenyi critical difference.

    ``statistic`` and ``p_value``: Friedman's chi-square (scipy, with its correction for
    ties); ``iman_davenport`` and ``iman_davenport_p``: its F form; ``critical_difference``:
    the Nemenyi CD at ``alpha``. NaN where the comparison has fewer than 3 selectors or 2
    datasets (scipy's Friedman test needs three).

    Examples
    --------
    :func:`friedman_test` returns one:

    >>> import pandas as pd
    >>> from sparsefs.study.ranks import friedman_test
    >>> summary = pd.DataFrame({"dataset": ["a", "a", "b", "b"], "selector": ["x", "y"] * 2,
    ...                         "mean": [1.0, 2.0, 1.0, 2.0]})
    >>> # two selectors: no Friedman test, but a critical difference
    >>> result = friedman_test(summary)
    >>> (result.n_selectors, bool(result.p_value != result.p_value),
    ...  round(result.critical_difference, 2))
    (2, True, 1.39)
    """

    n_datasets: int
    n_selectors: int
    statistic: float
    p_value: float
    iman_davenport: float
    iman_davenport_p: float
    critical_difference: float
    alpha: float


def critical_difference(n_selectors: int, n_datasets: int, alpha: float = 0.05) -> float:
    """The Nemenyi critical difference of mean ranks, ``q_α √(k (k + 1) / (6 N))`` with ``q_α``
    the studentized range quantile over √2 (Demšar's Table 5: 2.343 for k = 3 at 0.05).

    Examples
    --------
    >>> from sparsefs.study.ranks import critical_difference
    >>> round(critical_difference(10, 19), 3)
    3.108
    """
    if n_selectors < 2 or n_datasets < 1:
        return float("nan")
    q = stats.studentized_range.ppf(1 - alpha, n_selectors, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(n_selectors * (n_selectors + 1) / (6.0 * n_datasets)))


def friedman_test(summary: pd.DataFrame, alpha: float = 0.05) -> FriedmanResult:
    """Friedman's test over the datasets where every selector has a result.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import friedman_test
    >>> means = {"x": [90, 91, 92, 93], "y": [80, 81, 82, 83], "z": [70, 72, 71, 60]}
    >>> summary = pd.DataFrame([{"dataset": f"d{i}", "selector": s, "mean": float(v[i])}
    ...                         for s, v in means.items() for i in range(4)])
    >>> result = friedman_test(summary)
    >>> (result.n_datasets, result.n_selectors, round(result.statistic, 1),
    ...  bool(result.p_value < 0.05))
    (4, 3, 8.0, True)
    """
    wide = _wide(summary)
    n, k = wide.shape
    cd = critical_difference(k, n, alpha)
    nan = float("nan")
    if k < 3 or n < 2:
        return FriedmanResult(n, k, nan, nan, nan, nan, cd, alpha)
    statistic, p_value = stats.friedmanchisquare(*(wide[column].to_numpy() for column in wide.columns))
    denominator = n * (k - 1) - statistic
    if denominator <= 0:  # every dataset ranks the selectors alike
        f_value, f_p = float("inf"), 0.0
    else:
        f_value = (n - 1) * statistic / denominator
        f_p = float(stats.f.sf(f_value, k - 1, (k - 1) * (n - 1)))
    return FriedmanResult(n, k, float(statistic), float(p_value), float(f_value), f_p, cd, alpha)


def nemenyi_groups(ranks: pd.Series, cd: float) -> list[tuple[str, ...]]:
    """The maximal groups of selectors whose mean ranks lie within ``cd`` of each other (the
    bars of a critical-difference diagram), best first; a selector in no group of two is
    significantly apart from every other.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import nemenyi_groups
    >>> nemenyi_groups(pd.Series({"a": 1.0, "b": 1.5, "c": 2.2, "d": 4.0}), cd=1.3)
    [('a', 'b', 'c')]
    """
    if not np.isfinite(cd):
        return []
    ordered = ranks.sort_values(kind="stable")
    names, values = list(ordered.index), ordered.to_numpy()
    groups = []
    for start in range(len(values)):
        end = start
        while end + 1 < len(values) and values[end + 1] - values[start] < cd:
            end += 1
        if end > start and not any(set(names[start:end + 1]) <= set(group) for group in groups):
            groups.append(tuple(names[start:end + 1]))
    return groups


def wins_ties_losses(summary: pd.DataFrame, reference: str = RECOMMENDED) -> pd.DataFrame:
    """``reference`` against every other selector, over the datasets both have: datasets where
    its mean is higher (wins), equal at two decimals (ties), lower (losses); the mean
    difference in points; and the two-sided Wilcoxon signed-rank p-value of the paired dataset
    means (scipy; zero differences dropped; 1.0 when every difference is zero).

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import wins_ties_losses
    >>> summary = pd.DataFrame({"dataset": ["a", "b", "c"] * 2,
    ...                         "selector": ["ours"] * 3 + ["lasso"] * 3,
    ...                         "mean": [90.0, 80.0, 70.0, 85.0, 80.0, 75.0]})
    >>> table = wins_ties_losses(summary, "ours")
    >>> table[["selector", "wins", "ties", "losses"]].values.tolist()
    [['lasso', 1, 1, 1]]
    """
    columns = ["selector", "wins", "ties", "losses", "datasets", "mean_difference", "wilcoxon_p"]
    wide = summary.pivot(index="dataset", columns="selector", values="mean")
    if reference not in wide.columns:
        return pd.DataFrame(columns=columns)
    rows = []
    for other in wide.columns.drop(reference):
        pair = wide[[reference, other]].dropna()
        difference = (pair[reference].round(2) - pair[other].round(2)).to_numpy()
        rows.append((other, int((difference > 0).sum()), int((difference == 0).sum()), int((difference < 0).sum()),
                     len(pair), float(difference.mean()) if len(pair) else float("nan"), _wilcoxon(difference)))
    return pd.DataFrame(rows, columns=columns)


def _wilcoxon(difference: np.ndarray) -> float:
    if len(difference) == 0:
        return float("nan")
    # Ties (zero differences) are dropped here, as zero_method="wilcox" does: scipy before 1.13
    # then left the exact distribution for the normal approximation when zeros were present.
    difference = np.asarray(difference)[np.asarray(difference) != 0]
    if len(difference) == 0:
        return 1.0
    return float(stats.wilcoxon(difference).pvalue)


def long_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The long form of ``docs/quality/summary.csv``: ``dataset,k,selector,mean,std,seeds``,
    one row per dataset and selector (rounded to 0.01 points).

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import long_summary
    >>> summary = pd.DataFrame({"dataset": ["a"], "k": [100], "selector": ["lasso"],
    ...                         "mean": [91.234], "std": [1.0], "seeds": [5],
    ...                         "fit_seconds": [0.3]})
    >>> long_summary(summary).to_csv(index=False).splitlines()
    ['dataset,k,selector,mean,std,seeds', 'a,100,lasso,91.23,1.0,5']
    """
    table = summary[["dataset", "k", "selector", "mean", "std", "seeds"]].copy()
    table[["mean", "std"]] = table[["mean", "std"]].astype(float).round(2)
    table[["k", "seeds"]] = table[["k", "seeds"]].astype(int)
    return table.reset_index(drop=True)


def write_summary_csv(summary: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`long_summary` of ``summary`` to ``path`` (``docs/quality/summary.csv``).

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.study.ranks import write_summary_csv
    >>> summary = pd.DataFrame({"dataset": ["a"], "k": [100], "selector": ["recommended"],
    ...                         "mean": [90.0], "std": [2.0], "seeds": [5]})
    >>> print(write_summary_csv(summary, "summary.csv").read_text().strip())
    dataset,k,selector,mean,std,seeds
    a,100,recommended,90.0,2.0,5
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    long_summary(summary).to_csv(path, index=False)
    return path
