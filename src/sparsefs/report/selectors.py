"""The report's comparison of selectors over datasets (:mod:`sparsefs.study.ranks`): mean ±
std per dataset, mean ranks and seconds per fit, the Friedman test, a critical-difference
diagram (Demšar, JMLR 2006) and the recommended preset's win/tie/loss against each selector.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..study import ResultStore, paper_k
from ..study.ranks import (
    RECOMMENDED,
    friedman_test,
    mean_ranks,
    nemenyi_groups,
    selector_scores,
    summarise,
    wins_ties_losses,
    write_summary_csv,
)
from .._csvsafe import escape_frame
from .coverage import selector_coverage
from .figures import DPI
from .html import FigureEntry, Section
from .tables import MISSING


def selector_section(store: ResultStore, out: Path, k: int, datasets: Sequence[str],
                     synthetic: Sequence[str] = ()) -> tuple[Section, list[Path]]:
    """The section and the files it wrote (``tables/selector_summary.csv`` in the long form of
    ``docs/quality/summary.csv``, ``figures/critical_difference.png``, and with ``synthetic``
    datasets ``tables/selector_coverage.csv``: the informative features each selector finds)."""
    section = Section("selectors", "Selectors compared: mean ranks and critical difference",
                      "Every selector of the store (our network by its preset, baselines by name), each dataset at "
                      f"K={k}" + (" (Madelon at the paper's 20)" if k == 100 else "") + ": the chosen "
                      "configuration's mean ± std over seeds of the test score (%), the mean rank over the datasets "
                      "where every selector has a result (1 = best, ties share the average rank), the Friedman test "
                      "and the Nemenyi critical difference (Demšar 2006), and the recommended preset against each "
                      "selector (wins, ties at two decimals, losses; paired two-sided Wilcoxon signed-rank p over "
                      "datasets).")
    files = _coverage_frames(section, store, out, synthetic)
    ks = {d: (paper_k(d) if k == 100 else k) for d in datasets}
    summary = summarise(selector_scores(store, ks))
    summary = summary[summary.dataset.isin(datasets)]
    if summary.selector.nunique() < 2:
        if not files:
            section.no_data = "fewer than two selectors with finished cells of a benchmark dataset"
        return section, files
    files.append(write_summary_csv(summary, out / "tables" / "selector_summary.csv"))
    section.downloads.append(files[-1])
    ranks = mean_ranks(summary)
    order = list(ranks.index) + sorted(set(summary.selector) - set(ranks.index))
    entries = summary.assign(entry=[f"{m:.2f} ± {s:.2f}" for m, s in zip(summary["mean"], summary["std"])])
    wide = entries.pivot(index="dataset", columns="selector", values="entry").reindex(columns=order).fillna(MISSING)
    section.frames.append((f"Test score (%), mean ± std over seeds ({_seed_range(summary.seeds)})",
                           wide.rename_axis(None, axis=1).reset_index()))
    seconds = summary.groupby("selector").fit_seconds.median()
    overview = pd.DataFrame({"selector": order, "mean rank": [ranks.get(s, np.nan) for s in order],
                             "median seconds per fit": [seconds.get(s, np.nan) for s in order]}).round(2)
    section.frames.append(("Mean rank and median seconds per fit", overview))
    complete = sorted(set(summary.dataset) - set(_incomplete(summary)))
    for dataset in _incomplete(summary):
        missing = sorted(set(summary.selector) - set(summary[summary.dataset == dataset].selector))
        section.notes.append(f"{dataset} takes no part in the ranks: no result for {', '.join(missing)}.")
    result = friedman_test(summary)
    section.frames.append(("Friedman test", pd.DataFrame([{
        "datasets": result.n_datasets, "selectors": result.n_selectors, "chi-square": result.statistic,
        "p": result.p_value, "Iman-Davenport F": result.iman_davenport, "p (F)": result.iman_davenport_p,
        f"critical difference (Nemenyi, α={result.alpha:g})": result.critical_difference}]).round(4)))
    outcomes = wins_ties_losses(summary, RECOMMENDED)
    if not outcomes.empty:
        section.frames.append((f"{RECOMMENDED} against each selector", outcomes.round(4)))
    if len(complete) >= 2 and len(ranks) >= 2:
        groups = nemenyi_groups(ranks, result.critical_difference)
        path = cd_diagram(out / "figures" / "critical_difference.png", ranks, result.critical_difference, groups,
                          len(complete))
        files.append(path)
        section.figures.append(FigureEntry(path, (
            f"Critical-difference diagram over {len(complete)} datasets: mean rank of each selector (1 = best, on "
            f"the left); selectors joined by a bar are within the Nemenyi critical difference "
            f"({result.critical_difference:.2f} at α={result.alpha:g}) of each other, so not told apart.")))
    return section, files


def _coverage_frames(section: Section, store: ResultStore, out: Path, synthetic: Sequence[str]) -> list[Path]:
    """Where the truth is known (``synthetic-<m>``): each selector's coverage of the informative
    features among its first 100, per m, and which selector leads at each m."""
    if not synthetic:
        return []
    found = selector_coverage(store, synthetic)
    if found.selector.nunique() < 2:
        return []
    wide = (found.assign(entry=[f"{m:.2f} ± {s:.2f}" for m, s in zip(found["mean"], found["std"])])
            .pivot(index="selector", columns="m", values="entry").fillna(MISSING))
    order = found.groupby("selector")["mean"].mean().sort_values(ascending=False).index
    wide = wide.reindex(order)
    wide.columns = [f"m = {m}" for m in wide.columns]
    section.frames.append((f"Coverage of the informative features among the first 100 (synthetic benchmark), mean ± std "
                           f"over seeds ({_seed_range(found.seeds)})", wide.rename_axis("selector").reset_index()))
    for m, at_m in found.groupby("m"):
        best = at_m["mean"].max()
        section.notes.append(f"m = {m}: the most informative features ({best:.2f}) are found by "
                             f"{', '.join(sorted(at_m.selector[at_m['mean'] == best]))}.")
    path = out / "tables" / "selector_coverage.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    escape_frame(found).to_csv(path, index=False)
    section.downloads.append(path)
    return [path]


def _incomplete(summary: pd.DataFrame) -> list[str]:
    counts = summary.groupby("dataset").selector.nunique()
    return sorted(counts[counts < summary.selector.nunique()].index)


def _seed_range(seeds: pd.Series) -> str:
    low, high = int(seeds.min()), int(seeds.max())
    return f"{low} seeds" if low == high else f"{low}-{high} seeds"


def cd_diagram(path: Path, ranks: pd.Series, cd: float, groups: Sequence[tuple[str, ...]], n_datasets: int) -> Path:
    """Draw Demšar's critical-difference diagram: the rank axis (1 = best, on the left), each
    selector's mean rank with its name (the better half on the left, the rest on the right),
    the CD as a scale bar, and a bar under each group of selectors within the CD of each other.

    Examples
    --------
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sparsefs.report.selectors import cd_diagram
    >>> ranks = pd.Series({"recommended": 1.4, "lasso": 2.1, "anova": 2.5})
    >>> groups = [("recommended", "lasso"), ("lasso", "anova")]
    >>> cd_diagram(Path("cd.png"), ranks, 0.9, groups, 10).name
    'cd.png'
    """
    ranks = ranks.sort_values(kind="stable")
    k = len(ranks)
    high = max(k, int(np.ceil(ranks.max())))
    half = (k + 1) // 2
    rows = max(half, k - half)
    figure = Figure(figsize=(8, 1.6 + 0.28 * rows + 0.12 * len(groups)))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    margin = 0.35 * high + 1
    ax.set_xlim(1 - margin, high + margin)
    step = 0.5
    bottom = -(rows + 1) * step - 0.3 * len(groups) - 0.3
    ax.set_ylim(bottom, 1.6)
    ax.plot([1, high], [0, 0], color="black", linewidth=1)
    for tick in range(1, high + 1):
        ax.plot([tick, tick], [0, 0.12], color="black", linewidth=1)
        ax.text(tick, 0.22, str(tick), ha="center", va="bottom", fontsize=9)
    if np.isfinite(cd):
        ax.plot([1, 1 + cd], [1.1, 1.1], color="black", linewidth=1.5)
        for end in (1, 1 + cd):
            ax.plot([end, end], [1.02, 1.18], color="black", linewidth=1)
        ax.text(1 + cd / 2, 1.25, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9)
    for position, (name, rank) in enumerate(ranks.items()):
        left = position < half
        row = position if left else k - 1 - position
        y = -(row + 1) * step - 0.3 * len(groups)
        end = 1 - margin * 0.25 if left else high + margin * 0.25
        ax.plot([rank, rank, end], [0, y, y], color="#444", linewidth=0.8)
        ax.text(end + (-0.05 if left else 0.05), y, f"{name} ({rank:.2f})", ha="right" if left else "left",
                va="center", fontsize=9)
    for level, group in enumerate(groups):
        y = -0.15 - 0.3 * level
        ax.plot([ranks[group[0]] - 0.03, ranks[group[-1]] + 0.03], [y, y], color="black", linewidth=3,
                solid_capstyle="butt")
    ax.text(high + margin * 0.95, 1.25, f"{n_datasets} datasets", ha="right", va="bottom", fontsize=8, color="#555")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path
