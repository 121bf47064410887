"""Our numbers beside the paper's: every (dataset, method) that both report, at the paper's K
(20 on Madelon, 100 elsewhere: :func:`sparsefs.study.paper_k`) and the same importance window,
and where ours falls against the paper's spread.

Category of an entry: ``within`` when |ours − paper| ≤ the paper's standard deviation (both
at the two decimals shown), else ``above`` or ``below``. The numbers come from
:func:`sparsefs.report.reference.join_reference`, the same join as ``sparsefs results --reference``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._csvsafe import escape_frame
from ..datasets import get_spec
from .formats import markdown_table, markdown_text
from .reference import Reference, join_reference, reference_name
from .results import method_position
from .tables import COST_METHODS, MISSING

CATEGORIES = ("within", "above", "below")
COLUMNS = ["dataset", "paper_dataset", "method", "k", "sparsity", "paper_sparsity", "l2", "seeds", "acc_mean", "acc_std",
           "paper_acc_mean", "paper_acc_std", "difference", "category"]


def paper_comparison(selected: pd.DataFrame, reference: Reference, window: str) -> pd.DataFrame:
    """One row per (dataset, method) with both our result and the paper's, at the paper's K."""
    joined = join_reference(selected, reference, window)
    both = joined[joined.paper_acc_mean.notna()].copy()
    both["paper_dataset"] = both.dataset.map(reference_name)
    both["difference"] = (both.acc_mean.round(2) - both.paper_acc_mean).round(2)
    within = both.difference.abs() <= both.paper_acc_std + 1e-9  # both at two decimals
    both["category"] = np.where(within, "within", np.where(both.difference > 0, "above", "below"))
    return both[COLUMNS].reset_index(drop=True)


def category_counts(comparison: pd.DataFrame) -> pd.DataFrame:
    """How many entries are within, above and below, overall (``all``) and per method."""
    per_method = pd.crosstab(comparison.method, comparison.category).reindex(columns=list(CATEGORIES), fill_value=0)
    per_method = per_method.reindex(sorted(per_method.index, key=method_position))
    counts = pd.concat([per_method.sum().to_frame("all").T, per_method])
    counts["total"] = counts.sum(axis=1)
    return counts.rename_axis("method").rename_axis(None, axis=1)


def unmatched(selected: pd.DataFrame, reference: Reference, datasets: Sequence[str], window: str) -> dict[str, list[str]]:
    """What cannot be compared: the paper's entries this study lacks, our datasets the paper lacks."""
    names = {dataset: reference_name(dataset) for dataset in datasets}
    reported = reference.reported[reference.reported.importance_window == window]
    ours = set(zip(selected.dataset.map(names), selected.method))
    lacking = [
        f"{dataset} {method}"
        for dataset, name in names.items() if name is not None
        for method in sorted(reported.method[reported.reference_name == name], key=method_position)
        if (name, method) not in ours
    ]
    return {"not in this study": lacking, "not in the paper": [d for d, name in names.items() if name is None]}


def flops_comparison(selected: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Our training FLOPs (units of 10^12, means over seeds) beside the paper's, per dataset and method."""
    ours = selected[selected.method.isin(COST_METHODS)][["dataset", "method", "training_flops"]].copy()
    ours["reference_name"] = ours.dataset.map(reference_name)
    ours["flops_e12"] = ours.pop("training_flops") / 1e12
    both = ours.merge(reference.flops, on=["reference_name", "method"], how="inner", suffixes=("", "_paper"))
    both = both.rename(columns={"reference_name": "paper_dataset", "flops_e12_paper": "paper_flops_e12"})
    both["ratio"] = both.flops_e12 / both.paper_flops_e12
    return both[["dataset", "paper_dataset", "method", "flops_e12", "paper_flops_e12", "ratio"]]


def write_comparison(out_dir: Path, comparison: pd.DataFrame, flops: pd.DataFrame,
                     missing: dict[str, list[str]], window: str, datasets: Sequence[str],
                     chosen: str = "the configuration chosen by validation loss") -> list[Path]:
    """``paper_comparison.md`` (counts, every entry, FLOPs) and the CSVs behind it; ``chosen``:
    how the entries' configurations were chosen (:func:`sparsefs.report.text.chosen_configuration`)."""
    paths = [out_dir / "paper_comparison.md", out_dir / "paper_comparison.csv", out_dir / "paper_comparison_flops.csv"]
    escape_frame(comparison).to_csv(paths[1], index=False)
    escape_frame(flops).to_csv(paths[2], index=False)
    paths[0].write_text(_markdown(comparison, flops, missing, window, datasets, chosen), encoding="utf-8")
    return paths


def _markdown(comparison, flops, missing, window, datasets, chosen) -> str:
    lines = [
        f"# This study beside the paper (each dataset at the paper's K, window {window})",
        "",
        f"Ours: SVM test accuracy (%) of {chosen}, mean ± std over its seeds. "
        "Paper: the published mean ± std (10 seeds). K: the number of selected features, the paper's evaluation's "
        "(20 on Madelon, its 20 informative features; 100 elsewhere). Category: *within* when |ours − paper| ≤ the paper's std, "
        "else *above* or *below*. Baselines (Lasso, LassoNet, STG) come from the paper's baseline table.",
        "",
    ]
    if comparison.empty:
        return "\n".join(lines + ["No (dataset, method) has both our result and the paper's.", ""] + _notes(missing, datasets))
    lines += ["## How many entries fall within one paper std", "", markdown_table(category_counts(comparison)), ""]
    shown = entries_shown(comparison)
    lines += ["## Every entry", "", markdown_table(shown, index=False, disable_numparse=True), ""]
    if not flops.empty:
        wide = flops.pivot(index="dataset", columns="method", values=["flops_e12", "paper_flops_e12"])
        methods = [m for m in COST_METHODS if m in set(flops.method)]
        table = pd.DataFrame(
            {f"{m} {who}": wide[(column, m)].map(lambda v: MISSING if np.isnan(v) else f"{v:.3g}")
             for m in methods for who, column in (("ours", "flops_e12"), ("paper", "paper_flops_e12"))}
        )
        lines += ["## Training FLOPs (×10¹²) beside the paper's", "", markdown_table(table, disable_numparse=True), ""]
    return "\n".join(lines + _notes(missing, datasets))


def entries_shown(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison as a reader sees it: ``mean ± std`` texts, signed differences."""
    return pd.DataFrame({
        "dataset": [_dataset_label(d, p) for d, p in zip(comparison.dataset, comparison.paper_dataset)],
        "method": comparison.method,
        "k": comparison.k.astype(int).astype(str),
        "ours": [f"{m:.2f} ± {s:.2f}" for m, s in zip(comparison.acc_mean, comparison.acc_std)],
        "sparsity": comparison.sparsity.map(_sparsity),
        "seeds": comparison.seeds.astype(int).astype(str),
        "paper": [f"{m:.2f} ± {s:.2f}" for m, s in zip(comparison.paper_acc_mean, comparison.paper_acc_std)],
        "paper sparsity": comparison.paper_sparsity.map(_sparsity),
        "difference": comparison.difference.map(lambda d: f"{d:+.2f}"),
        "category": comparison.category,
    })


def _notes(missing: dict[str, list[str]], datasets: Sequence[str]) -> list[str]:
    notes = []
    stand_ins = [d for d in datasets if reference_name(d) is not None and not get_spec(d).in_paper]
    for dataset in stand_ins:
        notes.append(f"- {dataset} is not one of the paper's datasets: it stands in for the paper's "
                     f"{reference_name(dataset)} ({get_spec(dataset).note}).")
    if missing["not in this study"]:
        notes.append("- The paper reports, but this study has no result at the paper's K for: "
                     + ", ".join(map(markdown_text, missing["not in this study"])) + ".")
    if missing["not in the paper"]:
        notes.append("- Datasets of this study that the paper does not report: "
                     + ", ".join(map(markdown_text, missing["not in the paper"])) + ".")
    return (["## Notes", ""] + notes + [""]) if notes else []


def _dataset_label(dataset: str, paper_dataset: str) -> str:
    return dataset if dataset.casefold() == paper_dataset.casefold() else f"{dataset} (paper: {paper_dataset})"


def _sparsity(value: float) -> str:
    return MISSING if pd.isna(value) else f"{value:g}"
