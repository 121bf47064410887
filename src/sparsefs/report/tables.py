"""The report's tables, built from model selection's results (accuracies in percent).

A :class:`Table` holds what a reader sees (``cells``: text, ``–`` where the store has no
number; ``bold``: the better entries) and the numbers behind it (``data``, for the CSV).
Entries are compared at the precision shown (two decimals), so entries that look equal tie,
and a row needs two entries before one of them can be the better.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..study.methods import is_baseline
from .results import BASELINE_METHODS, SIX_METHODS, method_position
from .text import chosen_configuration

MISSING = "–"

#: Table-3-style comparisons: the importance metric within each training mode, and sparse
#: against dense training within each metric; then SET-Attr against each baseline.
METRIC_PAIRS = (("Dense-QS", "Dense-Attr"), ("SET-QS", "SET-Attr"), ("RigL-QS", "RigL-Attr"))
TRAINING_PAIRS = (("SET-QS", "Dense-QS"), ("RigL-QS", "Dense-QS"), ("SET-Attr", "Dense-Attr"), ("RigL-Attr", "Dense-Attr"))
BASELINE_PAIRS = (("SET-Attr", "Lasso"), ("SET-Attr", "LassoNet"), ("SET-Attr", "STG"))
#: The methods of the paper's cost comparison (its accuracy-vs-FLOPs figure and FLOPs table).
COST_METHODS = ("LassoNet", "STG", "Dense-Attr", "SET-Attr")


@dataclass
class Table:
    name: str  # file stem
    title: str
    cells: pd.DataFrame  # display text; the index names the rows
    bold: pd.DataFrame  # same shape: True where an entry is the better one
    data: pd.DataFrame  # the numbers, for the CSV
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the entries without a result, where the table names them

    @property
    def has_data(self) -> bool:
        return not self.data.empty


def accuracy_table(selected: pd.DataFrame, datasets: Sequence[str], k: int, window: str) -> Table:
    """The six network methods (and any other metric the study recorded), best per dataset bold."""
    networks = selected[~selected.method.map(is_baseline).astype(bool)]
    extras = sorted(set(networks.method) - set(SIX_METHODS), key=method_position)
    title = (
        f"SVM test accuracy (%) of the top {k} features, window {window}: mean ± std over seeds of "
        f"{chosen_configuration(networks)}, (its sparsity); the best entry per dataset in bold"
    )
    return _best_of_table("accuracy", title, networks, datasets, [*SIX_METHODS, *extras], k)


def baseline_table(selected: pd.DataFrame, datasets: Sequence[str], k: int) -> Table:
    title = (
        f"SVM test accuracy (%) of the top {k} features, the baselines beside SET-Attr: mean ± std over seeds "
        f"of {chosen_configuration(selected)}; the best entry per dataset in bold"
    )
    others = sorted({m for m in selected.method if is_baseline(m)} - set(BASELINE_METHODS), key=method_position)
    return _best_of_table("baselines", title, selected, datasets, [*BASELINE_METHODS, *others, "SET-Attr"], k)


def _best_of_table(name, title, selected, datasets, methods, k) -> Table:
    rows = selected[selected.method.isin(methods)]
    mean, std, sparsity = (_wide(rows, datasets, methods, column) for column in ("acc_mean", "acc_std", "sparsity"))
    bold = _best_in_row(mean, largest=True)
    cells = _entries(mean, std, sparsity)
    footer = pd.DataFrame([bold.sum().astype(int).astype(str)], index=["best on"])
    data = rows[["dataset", "method", "sparsity", "l2", "params", "seeds", "val_loss", "acc_mean", "acc_std"]].copy()
    data["best"] = [bool(bold.at[d, m]) for d, m in zip(data.dataset, data.method)]
    table = Table(name, title, *_with_footer(cells, bold, footer), data)
    table.missing = _missing_notes(mean, k)
    table.notes = table.missing + _seed_notes(rows)
    table.notes.append("best on: the number of datasets where the method's entry is the best (ties count for each).")
    return table


def pair_outcomes(selected: pd.DataFrame, datasets: Sequence[str], pairs) -> pd.DataFrame:
    """One row per pair and dataset: both entries and which is better (first, second, tie, missing)."""
    methods = list(dict.fromkeys(m for pair in pairs for m in pair))
    mean, std = (_wide(selected, datasets, methods, column) for column in ("acc_mean", "acc_std"))
    rows = []
    for first, second in pairs:
        for dataset in datasets:
            a, b = mean.at[dataset, first], mean.at[dataset, second]
            rows.append((dataset, first, second, a, std.at[dataset, first], b, std.at[dataset, second], _better(a, b)))
    columns = ["dataset", "first", "second", "first_mean", "first_std", "second_mean", "second_std", "better"]
    return pd.DataFrame(rows, columns=columns)


def pair_counts(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per pair: on how many datasets the first is better, they tie, the second is better."""
    if outcomes.empty:
        return pd.DataFrame(columns=["first", "second", "first_better", "ties", "second_better", "compared"])
    counts = pd.crosstab([outcomes["first"], outcomes["second"]], outcomes["better"])
    counts = counts.reindex(columns=["first", "tie", "second"], fill_value=0)
    counts.columns = ["first_better", "ties", "second_better"]
    counts["compared"] = counts.sum(axis=1)
    order = list(dict.fromkeys(zip(outcomes["first"], outcomes["second"])))
    return counts.reindex(order).reset_index()


def pairwise_table(selected: pd.DataFrame, datasets: Sequence[str], pairs, name: str, title: str, k: int) -> Table:
    """Pairs of methods side by side, the better of each pair bold, and each one's wins."""
    outcomes = pair_outcomes(selected, datasets, pairs)
    columns = pd.MultiIndex.from_tuples([(_pair_name(a, b), m) for a, b in pairs for m in (a, b)])
    cells = pd.DataFrame(MISSING, index=pd.Index(list(datasets), name="dataset"), columns=columns, dtype=object)
    bold = pd.DataFrame(False, index=cells.index, columns=columns)
    for row in outcomes.itertuples():
        pair = _pair_name(row.first, row.second)
        for role, method, mean, std in (("first", row.first, row.first_mean, row.first_std),
                                        ("second", row.second, row.second_mean, row.second_std)):
            cells.at[row.dataset, (pair, method)] = _entry(mean, std)
            bold.at[row.dataset, (pair, method)] = row.better == role
    footer = pd.DataFrame("", index=["wins", "ties"], columns=columns, dtype=object)
    for count in pair_counts(outcomes).itertuples():
        pair = _pair_name(count.first, count.second)
        footer.loc["wins", [(pair, count.first), (pair, count.second)]] = [str(count.first_better), str(count.second_better)]
        footer.loc["ties", [(pair, count.first), (pair, count.second)]] = str(count.ties)
    present = outcomes[["first_mean", "second_mean"]].notna().any(axis=None)
    table = Table(name, title, *_with_footer(cells, bold, footer), outcomes if present else outcomes.iloc[:0])
    table.notes = [
        f"{MISSING}: no finished cell with an accuracy at K={k}; a pair is compared only where both entries exist.",
        "wins: datasets where the entry is the better of its pair; ties: equal at two decimals.",
    ]
    return table


def cost_reductions(selected: pd.DataFrame, datasets: Sequence[str]) -> pd.DataFrame:
    """Per dataset, how much less training FLOPs and memory SET-Attr needs than Dense-Attr (percent).

    QS shares its runs with Attr, so these are SET's against dense training's costs.
    """
    flops = _wide(selected, datasets, ["Dense-Attr", "SET-Attr"], "training_flops")
    params = _wide(selected, datasets, ["Dense-Attr", "SET-Attr"], "n_parameters")
    return pd.DataFrame(
        {
            "flops_saved": 100 * (1 - flops["SET-Attr"] / flops["Dense-Attr"]),
            "memory_saved": 100 * (1 - params["SET-Attr"] / params["Dense-Attr"]),
        }
    )


def cost_table(selected: pd.DataFrame, datasets: Sequence[str]) -> Table:
    """Training FLOPs and stored parameters of the chosen configurations (means over seeds)."""
    rows = selected[selected.method.isin(COST_METHODS)]
    flops = _wide(rows, datasets, COST_METHODS, "training_flops") / 1e12
    params = _wide(rows, datasets, COST_METHODS, "n_parameters") / 1e6
    saved = cost_reductions(selected, datasets)
    numbers = pd.concat(
        [flops.add_suffix(" FLOPs"), params.add_suffix(" parameters"),
         saved.rename(columns={"flops_saved": "SET vs Dense FLOPs saved (%)", "memory_saved": "SET vs Dense memory saved (%)"})],
        axis=1,
    )
    cells = numbers.map(_significant)
    bold = pd.concat([_best_in_row(flops, largest=False), _best_in_row(params, largest=False),
                      saved.map(lambda _: False)], axis=1)
    bold.columns = cells.columns
    average = pd.DataFrame("", index=["average"], columns=cells.columns, dtype=object)
    average.iloc[0, -2:] = [_significant(saved[column].mean()) for column in saved.columns]
    title = (
        "Training costs of the chosen configurations, means over seeds: training FLOPs (×10¹²) and stored "
        "parameters (×10⁶); the cheapest entry per dataset in bold; what SET-Attr saves against Dense-Attr"
    )
    table = Table("costs", title, *_with_footer(cells, bold, average),
                  numbers.rename_axis("dataset").reset_index() if not rows.empty else numbers.iloc[:0])
    table.notes = [
        f"{MISSING}: no finished cell. FLOPs are theoretical (the method page §6), including the importance computation; "
        "parameters are the stored ones (active weights and biases).",
        "average: the mean over the datasets where both SET-Attr and Dense-Attr have an entry.",
    ]
    return table


def ranking_scores(selected_by_k: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """The paper's average ranking score per K: per dataset the six methods are ranked by mean
    accuracy (best 6, worst 1, ties share the average rank), then averaged over the datasets
    that have all six. Columns: k, method, score, datasets."""
    rows = []
    for k, selected in sorted(selected_by_k.items()):
        means = _wide(selected, sorted(set(selected.dataset)), SIX_METHODS, "acc_mean").round(2).dropna()
        if means.empty:
            continue
        scores = means.rank(axis=1, method="average").mean()
        rows += [(k, method, scores[method], len(means)) for method in SIX_METHODS]
    return pd.DataFrame(rows, columns=["k", "method", "score", "datasets"])


def ranking_table(scores: pd.DataFrame) -> Table:
    wide = scores.pivot(index="k", columns="method", values="score").reindex(columns=list(SIX_METHODS))
    cells = wide.map(lambda score: f"{score:.2f}")
    cells["datasets"] = scores.groupby("k")["datasets"].first().astype(str)
    bold = _best_in_row(wide, largest=True)
    bold["datasets"] = False
    title = ("Average ranking score per K (6: best of the six methods on a dataset, 1: worst; ties share), "
             "over the datasets with all six methods")
    table = Table("ranking", title, cells.rename_axis("K"), bold.rename_axis("K"), scores)
    table.notes = ["datasets: how many datasets have a result for all six methods at that K (the others are left out)."]
    return table


def coverage_table(summary: pd.DataFrame, paper: pd.DataFrame | None, benchmark: str = "the synthetic benchmark",
                   name: str = "coverage") -> Table:
    """Coverage per method (down) and number of samples m (across), the paper's beside when given;
    the best of this study per m in bold."""
    sizes = sorted(set(summary.m))
    methods = sorted(set(summary.method) | (set(paper.method) if paper is not None else set()), key=method_position)
    mean, std = (summary.pivot(index="method", columns="m", values=v).reindex(index=methods, columns=sizes)
                 .astype(float).rename_axis(None, axis=1) for v in ("mean", "std"))
    bold = _best_in_row(mean.T, largest=True).T
    cells = _entries(mean, std, mean * np.nan)
    data = summary.copy()
    if paper is not None:
        published = paper.pivot(index="method", columns="m", values="coverage").reindex(index=methods, columns=sizes)
        data = data.merge(paper.rename(columns={"coverage": "paper"}), on=["method", "m"], how="left")
        cells = pd.concat([cells, published.map(lambda v: MISSING if np.isnan(v) else f"{v:.2f}").add_suffix(" paper")], axis=1)
        bold = pd.concat([bold, published.map(lambda _: False).add_suffix(" paper")], axis=1)
        order = [c for m in sizes for c in (m, f"{m} paper")]
        cells, bold = cells[order], bold[order]
    rename = {c: f"m = {c}" for c in cells.columns}
    title = (f"Coverage on {benchmark}: the share of the informative features among each method's top "
             "ranked ones (as many as there are informative features), mean ± std over seeds of the chosen "
             "configuration; the best of this study per m in bold")
    table = Table(name, title, cells.rename(columns=rename).rename_axis("method"),
                  bold.rename(columns=rename).rename_axis("method"), data)
    table.notes = [f"{MISSING}: no stored importance for this method and m."]
    return table


def counted(n: int, noun: str) -> str:
    """``1 seed``, ``2 seeds``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _with_footer(cells: pd.DataFrame, bold: pd.DataFrame, footer: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Footer rows (counts, averages: never bold) below the entries, the index keeping its name."""
    name = cells.index.name
    return (pd.concat([cells, footer]).rename_axis(name),
            pd.concat([bold, footer.map(lambda _: False).astype(bool)]).rename_axis(name))


def _wide(rows: pd.DataFrame, datasets: Sequence[str], methods: Sequence[str], column: str) -> pd.DataFrame:
    """``column`` with datasets down and methods across, NaN where there is no entry."""
    wide = rows.pivot(index="dataset", columns="method", values=column) if not rows.empty else pd.DataFrame()
    return wide.reindex(index=list(datasets), columns=list(methods)).astype(float).rename_axis("dataset").rename_axis(None, axis=1)


def _best_in_row(values: pd.DataFrame, *, largest: bool) -> pd.DataFrame:
    """True at the best entries of each row that has two entries or more, at the precision shown."""
    shown = values.round(2)
    best = shown.eq(shown.max(axis=1) if largest else shown.min(axis=1), axis=0)
    best[shown.notna().sum(axis=1) < 2] = False
    return best


def _better(a: float, b: float) -> str:
    if np.isnan(a) or np.isnan(b):
        return "missing"
    a, b = round(a, 2), round(b, 2)
    return "tie" if a == b else "first" if a > b else "second"


def _entries(mean: pd.DataFrame, std: pd.DataFrame, sparsity: pd.DataFrame) -> pd.DataFrame:
    text = np.vectorize(_entry, otypes=[object])(mean.to_numpy(), std.to_numpy(), sparsity.to_numpy())
    return pd.DataFrame(text, index=mean.index, columns=mean.columns)


def _entry(mean: float, std: float, sparsity: float = np.nan) -> str:
    if np.isnan(mean):
        return MISSING
    text = f"{mean:.2f} ± {std:.2f}"
    if pd.notna(sparsity) and sparsity > 0:  # dense and baselines have none to show
        text += f" ({sparsity:g})"
    return text


def _significant(value: float) -> str:
    if np.isnan(value):
        return MISSING
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _pair_name(first: str, second: str) -> str:
    return f"{first} vs {second}"


def _missing_notes(mean: pd.DataFrame, k: int) -> list[str]:
    absent = {dataset: [m for m in mean.columns if np.isnan(mean.at[dataset, m])] for dataset in mean.index}
    parts = [f"{d}: {'all' if len(ms) == len(mean.columns) else ', '.join(ms)}" for d, ms in absent.items() if ms]
    if not parts:
        return []
    return [f"{MISSING}: no finished cell with an accuracy at K={k} for " + "; ".join(parts) + "."]


def _seed_notes(rows: pd.DataFrame) -> list[str]:
    seeds = rows["seeds"]
    if seeds.empty or seeds.min() == seeds.max():
        return [f"Every entry is over {counted(int(seeds.iloc[0]), 'seed')}."] if not seeds.empty else []
    return [f"Entries are over {seeds.min()} to {seeds.max()} seeds (a partial study); the CSV gives each entry's count."]
