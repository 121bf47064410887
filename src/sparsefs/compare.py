"""Our selector beside the standard ones on a user's own data: ``sparsefs compare``.

One data file (CSV, Parquet, ``.mat``, ``.npz``...) or registered dataset becomes a one-dataset
study (:mod:`sparsefs.study`): the recommended preset and the chosen baselines are each
fitted on the train + validation rows of ``repeats`` stratified paper splits (seeds
``0..repeats-1``, 80 % of the rows; Lasso's C chosen among four by its validation loss), and
judged by the task's downstream score of their top K features on the held-out 20 % (SVM
accuracy; SVR R² for a continuous target). The study's store makes a rerun with
``store=`` resume, and the statistics are :mod:`sparsefs.study.ranks`'.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .baselines import BASELINES
from .datasets import load
from .splitting import dataset_fit_rows
from .study import open_store, parse_config, run_study
from .study.config import is_data_file
from .study.ranks import RECOMMENDED, mean_ranks, selector_scores, summarise

__all__ = ["Comparison", "DEFAULT_SELECTORS", "compare_selectors", "format_comparison"]

#: What ``sparsefs compare`` runs unless told otherwise: ours and the selectors practitioners
#: reach for first (each where it does the data's task).
DEFAULT_SELECTORS = (RECOMMENDED, "lasso", "extratrees", "randomforest", "anova", "mutualinfo", "relieff", "mrmr")

#: Lasso's C, chosen per dataset by the validation loss averaged over the repeats.
LASSO_C = (0.01, 0.1, 1.0, 10.0)


@dataclass
class Comparison:
    """What :func:`compare_selectors` measured.

    ``summary``: per selector the mean and std of the score over repeats (%), the repeats,
    the median seconds per fit, ``rank`` (of the mean; 1 = best) and ``mean_rank`` (each
    split ranks the selectors, averaged over the splits); best first. ``scores``: every
    repeat's score. ``failures``: ``(selector, seed, error)`` of fits that failed.

    Examples
    --------
    See :func:`compare_selectors`, which returns one:

    >>> from sparsefs.compare import Comparison
    >>> sorted(Comparison.__dataclass_fields__)[:4]
    ['dataset', 'failures', 'k', 'n_features']
    """

    dataset: str
    task: str
    n_samples: int
    n_features: int
    k: int
    repeats: int
    summary: pd.DataFrame
    scores: pd.DataFrame
    failures: list[tuple[str, int, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # default selectors that do not do the task


def compare_selectors(data: str, *, target: str | None = None, k: int | None = None, repeats: int = 5,
                      selectors: Sequence[str] | None = None, jobs: int = 1, store: str | None = None,
                      data_home: str | None = None, progress: bool = False,
                      network_params: Mapping | None = None) -> Comparison:
    """Rank the recommended preset and standard selectors by the downstream score of their top
    ``k`` features on ``data``, over ``repeats`` stratified splits.

    ``data``: a data file (its label column ``target``; ``.mat``/``.npz`` default to their
    label key) or a registered dataset. ``k``: default ``min(100, n_features // 2)``.
    ``selectors``: ``"recommended"`` and baseline names (default ``DEFAULT_SELECTORS``,
    those that do the data's task). ``store``: a results database to keep (and resume);
    default a temporary one. ``network_params``: further settings of our selector (``device``;
    fewer ``max_epochs`` for a quick look, which is then no longer the recommended preset as
    measured). Raises ``ValueError`` with one clear message for bad input.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sparsefs.compare import compare_selectors
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(80, 12)
    >>> frame = pd.DataFrame(X, columns=[f"g{i}" for i in range(12)]).assign(
    ...     label=(X[:, 0] > 0).astype(int))
    >>> frame.to_csv("cells.csv", index=False)
    >>> result = compare_selectors("cells.csv", target="label", k=2, repeats=2,
    ...                            selectors=["anova", "mrmr"])
    >>> sorted(result.summary.selector), result.summary.seeds.tolist()
    (['anova', 'mrmr'], [2, 2])
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    dataset = load(data, target=target, data_home=data_home)
    if dataset.y is None:
        raise ValueError(f"{dataset.name} has no target: name its label column with --target (compare judges "
                         "each selection by how well its features predict the target)")
    task = dataset.task
    if k is None:
        k = min(100, max(1, dataset.n_features // 2))
    if not 1 <= k < dataset.n_features:
        raise ValueError(f"-k {k}: choose between 1 and {dataset.n_features - 1} of the {dataset.n_features} features "
                         "(with every feature kept, all selectors are the same)")
    chosen, skipped = _selectors(selectors, task)
    for seed in range(repeats):  # a split that cannot be made fails here, not in every cell
        dataset_fit_rows(dataset, seed, task)
    with tempfile.TemporaryDirectory(prefix="sparsefs-compare-") as scratch:
        location = store or str(Path(scratch) / "compare.sqlite")
        document = _study(data, target, k, repeats, chosen, location, task)
        if "network" in document:
            document["network"].update(network_params or {})
        config = parse_config(document, source="sparsefs compare")
        run_study(config, jobs=jobs, data_home=data_home, progress=progress)
        with open_store(location, read_only=True) as results:
            scores = selector_scores(results, k)
            failed = results.query("SELECT method, params, seed, error FROM cells WHERE status = 'failed' "
                                   "ORDER BY method, seed")
    name = config.datasets[0]
    scores = scores[scores.dataset == name]
    failures = [(_failed_name(row.method, row.params), int(row.seed), str(row.error)) for row in failed.itertuples()]
    return Comparison(dataset.name, task, dataset.n_samples, dataset.n_features, k, repeats, _summary(scores),
                      scores, failures, skipped)


def _selectors(selectors: Sequence[str] | None, task: str) -> tuple[list[str], list[str]]:
    known = [RECOMMENDED, *BASELINES]
    if selectors is None:
        usable = [s for s in DEFAULT_SELECTORS if s == RECOMMENDED or task in BASELINES[s].tasks]
        return usable, [s for s in DEFAULT_SELECTORS if s not in usable]
    chosen = list(dict.fromkeys(selectors))
    if not chosen:
        raise ValueError("--selectors names no selector")
    for name in chosen:
        if name not in known:
            raise ValueError(f"unknown selector {name!r}; choose from: {', '.join(known)}")
        if name != RECOMMENDED and task not in BASELINES[name].tasks:
            raise ValueError(f"{name} selects for {' and '.join(BASELINES[name].tasks)}, not {task} "
                             "(the target's kind); leave it out")
    return chosen, []


def _study(data: str, target: str | None, k: int, repeats: int, selectors: list[str], store: str, task: str) -> dict:
    document: dict = {"study": {"store": store, "datasets": [data], "seeds": repeats, "k": [k],
                                "windows": ["best_epoch"]}}  # the recommended preset's importance window
    if RECOMMENDED in selectors:
        document["network"] = {"training": ["set"], "importance": ["attribution"], "sparsity": [0.9],
                               "preset": RECOMMENDED}
    baselines = {}
    for name in selectors:
        if name == "lasso":
            baselines[name] = {"grid": {"C": list(LASSO_C)}}
        elif name == "mrmr":
            baselines[name] = {"n_ranked": k}  # the first k of the greedy order are all that is scored
        elif name != RECOMMENDED:
            baselines[name] = {}
    if baselines:
        document["baselines"] = baselines
    if target is not None and is_data_file(data):
        document["datasets"] = {data: {"target": target}}
    return document


def _failed_name(method: str, params: str) -> str:
    import json

    from .study.ranks import selector_name

    return selector_name(method, json.loads(params))


def _summary(scores: pd.DataFrame) -> pd.DataFrame:
    summary = summarise(scores).drop(columns=["dataset"])
    if summary.empty:
        return summary.assign(rank=[], mean_rank=[])
    summary["rank"] = summary["mean"].rank(ascending=False, method="average")
    per_split = scores.assign(dataset=scores.seed.astype(str), mean=scores.score)
    split_ranks = mean_ranks(per_split)  # each split ranks the selectors it has all of
    summary["mean_rank"] = summary.selector.map(split_ranks)
    return summary.sort_values(["rank", "selector"]).reset_index(drop=True)


def format_comparison(comparison: Comparison) -> str:
    """The comparison as text: one line per selector, best first.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.compare import Comparison, format_comparison
    >>> summary = pd.DataFrame({"selector": ["anova"], "k": [5], "mean": [91.0],
    ...                         "std": [2.0], "seeds": [3], "fit_seconds": [0.01],
    ...                         "rank": [1.0], "mean_rank": [1.0]})
    >>> print(format_comparison(Comparison("cells", "classification", 80, 12, 5, 3, summary,
    ...                                    pd.DataFrame())))
    ... # doctest: +NORMALIZE_WHITESPACE
    cells: 80 x 12, classification; top 5 features, 3 stratified splits (80% fit, 20% test)
    selector    SVM test accuracy (%)  rank  mean rank over splits  seconds per fit (median)
       anova           91.00 ± 2.00   1.0                    1.0                      0.01
    """
    from .registry import TASKS

    measure = {"classification": "SVM test accuracy (%)", "regression": "SVR test R² (%)"}.get(
        comparison.task, TASKS[comparison.task].measure_label)
    lines = [f"{comparison.dataset}: {comparison.n_samples} x {comparison.n_features}, {comparison.task}; "
             f"top {comparison.k} features, {comparison.repeats} stratified splits (80% fit, 20% test)"]
    table = comparison.summary
    if table.empty:
        lines.append("no selector finished")
    else:
        shown = pd.DataFrame({
            "selector": table.selector,
            measure: [f"{m:.2f} ± {s:.2f}" for m, s in zip(table["mean"], table["std"])],
            "rank": table["rank"].round(1),
            "mean rank over splits": table["mean_rank"].round(2),
            "seconds per fit (median)": table.fit_seconds.map(lambda s: f"{s:.3g}"),
        })
        lines.append(shown.to_string(index=False))
    if comparison.skipped:
        lines.append(f"not run (they do not select for {comparison.task}): {', '.join(comparison.skipped)}")
    return "\n".join(lines)
