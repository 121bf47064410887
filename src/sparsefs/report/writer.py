"""``write_report``: a study's tables, figures, summary and web page, from its results store.

Every section renders from whatever the store holds: an entry without a finished cell is
shown as missing (``–``, with a note naming it), a section without any data says so, and
nothing is filled in. Synthetic datasets (``synthetic-<m>``) feed the coverage section only;
every other dataset is a benchmark dataset of the accuracy tables and figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..datasets import REGISTRY, get_spec
from ..registry import BASELINES, TRAINING_METHODS
from ..study import ResultStore, StoreError, paper_k, results_table, stability_table
from . import figures
from .comparison import (
    category_counts,
    entries_shown,
    flops_comparison,
    paper_comparison,
    unmatched,
    write_comparison,
)
from .coverage import coverage_scores, coverage_summary
from .formats import markdown_table, markdown_text, write_table
from .html import FigureEntry, Section, is_report, write_index
from .reference import Reference, ReportError, read_reference
from .text import chosen_configuration
from .selectors import selector_section
from .results import (
    SIX_METHODS,
    StoreContents,
    chosen_importances,
    dataset_group,
    sparsity_curves,
    store_contents,
)
from .tables import (
    BASELINE_PAIRS,
    COST_METHODS,
    METRIC_PAIRS,
    TRAINING_PAIRS,
    Table,
    accuracy_table,
    baseline_table,
    coverage_table,
    cost_reductions,
    cost_table,
    counted,
    pair_counts,
    pair_outcomes,
    pairwise_table,
    ranking_scores,
    ranking_table,
)



@dataclass
class ReportSummary:
    """What :func:`write_report` wrote: the folder, the page, the summary and every file.

    Examples
    --------
    See :func:`write_report`, which returns one:

    >>> from sparsefs.report import ReportSummary
    >>> sorted(ReportSummary.__dataclass_fields__)
    ['comparison_counts', 'files', 'index', 'notes', 'out_dir', 'summary']
    """

    out_dir: Path
    index: Path
    summary: Path
    files: list[Path]  # every file written, the page and the summary included
    notes: list[str] = field(default_factory=list)  # what is missing or was left out, section by section
    comparison_counts: pd.DataFrame | None = None  # within / above / below the paper, per method


def write_report(
    store: ResultStore,
    out_dir: str | Path,
    *,
    k: int = 100,
    window: str = "all_epochs",
    reference_dir: str | Path | None = None,
    overwrite: bool = False,
) -> ReportSummary:
    """Write the report of ``store`` under ``out_dir`` (created if needed).

    ``k``: the number of selected features of the tables; ``window``: the importance window
    of the network methods. ``reference_dir``: the paper's CSV tables, to compare with, each
    dataset at the paper's K (:func:`~sparsefs.study.paper_k`: 20 for Madelon, 100 elsewhere).
    ``out_dir`` must be new, empty, or an earlier report (its ``index.html`` written by
    sparsefs), which is then replaced file by file; ``overwrite=True`` writes into any folder.
    Raises :class:`~sparsefs.study.StoreError` when the store did not evaluate ``k`` or
    ``window``, and :class:`ReportError` for an unreadable reference folder or an ``out_dir``
    holding other files.

    Examples
    --------
    A one-cell study, then its report:

    >>> from sparsefs.report import write_report
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 1,
    ...               "k": [10]},
    ...     "network": {"training": ["set"], "importance": ["attribution"],
    ...                 "sparsity": [0.9], "l2": [1e-4], "hidden_layer_sizes": [8],
    ...                 "max_epochs": 2},
    ... })
    >>> summary = run_study(config)
    >>> with open_store("study.sqlite") as store:
    ...     report = write_report(store, "report", k=10)
    >>> report.index.name, report.summary.name
    ('index.html', 'summary.md')
    """
    out = Path(out_dir)
    _check_out_dir(out, overwrite)
    reference = read_reference(reference_dir) if reference_dir is not None else None
    # Both fail early on an unevaluated K or window, before anything is written.
    selected_all = results_table(store, k=k, window=window)
    contents = store_contents(store)
    at_paper_k = (results_table(store, k={d: paper_k(d) for d in contents.datasets}, window=window)
                  if reference is not None else None)
    for folder in (out, out / "tables", out / "figures"):
        if folder.exists() and not folder.is_dir():
            raise ReportError(f"{folder} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
    report = _Report(store, out, k, window, contents, selected_all[selected_all.dataset.isin(contents.datasets)])
    sections = [
        report.contents_section(),
        report.accuracy_section(),
        report.pairwise_section(),
        report.baseline_section(),
        report.selector_section(),
        report.cost_section(reference),
        report.sparsity_section(),
        report.ranking_section(),
        report.heat_map_section(),
        report.stability_section(),
        report.coverage_section(reference),
        # only for stores with regression benchmarks: a classification report stays as it was
        *([report.regression_section()] if contents.friedman else []),
    ]
    if reference is not None:
        sections.append(report.comparison_section(reference, at_paper_k[at_paper_k.dataset.isin(contents.datasets)]))
    notes = _missing(sections)
    summary = report.write_summary(reference, notes)
    index = write_index(out, "sparsefs report", report.facts(), sections)
    return ReportSummary(out, index, summary, [*report.files, summary, index], notes, report.comparison_counts)


def _check_out_dir(out: Path, overwrite: bool) -> None:
    """Refuse to write into a folder of other files, where index.html or summary.md may be the user's."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ReportError(f"{out} exists and is not a folder")
    present = sorted(path.name for path in out.iterdir())
    if overwrite or not present or is_report(out):
        return
    shown = ", ".join(present[:4]) + (f", ... ({len(present)} in all)" if len(present) > 4 else "")
    raise ReportError(
        f"{out} already holds other files ({shown}) and no earlier sparsefs report; choose a new or empty folder, "
        "or pass --force to write the report into it anyway (replacing index.html, summary.md, tables/ and figures/ "
        "files of the same names)"
    )


def _missing(sections: list[Section]) -> list[str]:
    """What the report could not show, section by section (its tables' notes on missing entries included)."""
    notes = [f"{s.title}: no data: {s.no_data}." for s in sections if s.no_data]
    notes += [f"{s.title}: {note}" for s in sections for note in s.notes]
    notes += [f"tables/{table.name}: {note}" for s in sections for table, _ in s.tables for note in table.missing]
    return notes


class _Report:
    """The sections of one report, and the files they write."""

    def __init__(self, store, out, k, window, contents: StoreContents, selected: pd.DataFrame):
        self.store, self.out, self.k, self.window, self.contents = store, out, k, window, contents
        self.selected = selected  # benchmark datasets only
        self.datasets = contents.datasets
        self.files: list[Path] = []
        self.pair_counts = pd.DataFrame()
        self.ranking = pd.DataFrame()
        self.coverage = pd.DataFrame()
        self.comparison_counts: pd.DataFrame | None = None
        self.contents_frames: list[tuple[str, pd.DataFrame]] = []

    # --- what the store holds ---------------------------------------------------------------

    def contents_section(self) -> Section:
        """The configurations and seeds the store holds, per method and per dataset: what every
        number below is computed from, whichever stage the study that wrote it has reached."""
        section = Section("contents", "What this report is computed from",
                          "The finished cells of the results store (one training run each), by method and by "
                          "dataset. A study that is still running, or was stopped, shows here as datasets with "
                          "fewer cells or seeds than others; every number below is over the seeds its dataset "
                          "has.")
        done = self.store.query("SELECT dataset, method, params, seed, status FROM cells")
        finished = done[done.status == "done"]
        if finished.empty:
            section.notes.append("The store holds no finished cell.")
            return section
        section.frames.append(("Configurations, per method", _configurations(finished)))
        per_dataset = done.groupby("dataset").agg(
            finished=("status", lambda status: int((status == "done").sum())),
            failed=("status", lambda status: int((status == "failed").sum())),
        )
        seeds = finished.groupby("dataset").seed.agg(lambda values: _numbers(sorted(set(values))))
        per_dataset["seeds finished"] = seeds.reindex(per_dataset.index).fillna("–")
        order = self.datasets + self.contents.synthetic + self.contents.friedman
        per_dataset = per_dataset.reindex([d for d in order if d in per_dataset.index]
                                          + sorted(set(per_dataset.index) - set(order)))
        section.frames.append(("Cells and seeds, per dataset", per_dataset.rename_axis("dataset").reset_index()))
        self.contents_frames = section.frames
        derived = _derived_cells(self.store)
        if derived:
            section.notes.append(
                f"{derived} of the finished cells are copies of stored runs made without the best-epoch rule "
                "(min_best_epoch): their best epoch was not earlier than the rule's, so the rule could not "
                "change them (the store's table 'derived' names each one's source)."
            )
        counts = per_dataset.loc[self.datasets, "finished"] if self.datasets else pd.Series(dtype=int)
        if counts.nunique() > 1:
            section.notes.append(
                f"The benchmark datasets hold from {counts.min()} to {counts.max()} finished cells: the study "
                "did not run every configuration and seed on every dataset (a run still going, or stopped "
                "part way)."
            )
        return section

    # --- tables ---------------------------------------------------------------------------

    def accuracy_section(self) -> Section:
        section = Section("accuracy", "Accuracy of the six methods",
                          "Model selection per dataset and method: the sparsity and L2 with the lowest validation "
                          "loss averaged over seeds (test data takes no part); QS and Attr share their training runs.")
        self._add_table(section, accuracy_table(self.selected, self.datasets, self.k, self.window),
                        "the store holds no finished network cell of a benchmark dataset")
        return section

    def pairwise_section(self) -> Section:
        section = Section("pairwise", "Pairwise comparisons (Table 3 style)",
                          "Each pair side by side, the better entry bold; wins count the datasets where each is better.")
        metric = pairwise_table(self.selected, self.datasets, METRIC_PAIRS, "pairs_metric",
                                f"QS against Attr within each training mode (K={self.k}, window {self.window}); "
                                "column pairs: " + ", ".join(f"{a} | {b}" for a, b in METRIC_PAIRS), self.k)
        training = pairwise_table(self.selected, self.datasets, TRAINING_PAIRS, "pairs_training",
                                  f"Sparse against dense training within each metric (K={self.k}, window {self.window}); "
                                  "column pairs: " + ", ".join(f"{a} | {b}" for a, b in TRAINING_PAIRS), self.k)
        for table in (metric, training):
            self._add_table(section, table, "the store holds no finished network cell of a benchmark dataset")
        outcomes = pair_outcomes(self.selected, self.datasets, METRIC_PAIRS + TRAINING_PAIRS + BASELINE_PAIRS)
        self.pair_counts = pair_counts(outcomes)
        return section

    def baseline_section(self) -> Section:
        section = Section("baselines", "Baselines: Lasso, LassoNet, STG beside SET-Attr",
                          "The baselines' searched parameters are chosen by validation loss like the networks'.")
        self._add_table(section, baseline_table(self.selected, self.datasets, self.k),
                        "the store holds no finished baseline or SET cell of a benchmark dataset")
        return section

    def selector_section(self) -> Section:
        section, files = selector_section(self.store, self.out, self.k, self.datasets, self.contents.synthetic)
        self.files += files
        return section

    def cost_section(self, reference: Reference | None) -> Section:
        section = Section("costs", "Training FLOPs and memory",
                          "Costs of the chosen configurations, means over seeds; the accuracy is at "
                          f"K={self.k}, window {self.window}.")
        self._add_table(section, cost_table(self.selected, self.datasets), "no finished cell of LassoNet, STG, Dense or SET")
        points = self.selected[self.selected.method.isin(COST_METHODS)].dropna(subset=["training_flops"])
        if not points.empty:
            # Panels and markers in the paper's dataset order.
            points = points.assign(group=points.dataset.map(dataset_group), position=points.dataset.map(self.datasets.index))
            points = points.sort_values("position")
            path = figures.accuracy_vs_flops(self.out / "figures" / "accuracy_vs_flops.png", points)
            section.figures.append(FigureEntry(path, (
                f"SVM test accuracy (K={self.k}) against training FLOPs (log scale) of the chosen configurations, one "
                "panel per dataset group: colour = method, marker = dataset; error bars ± one std over seeds, "
                "FLOPs the mean over seeds.")))
            self.files.append(path)
        return section

    # --- figures --------------------------------------------------------------------------

    def sparsity_section(self) -> Section:
        section = Section("sparsity", "Accuracy vs sparsity",
                          f"SVM test accuracy (K={self.k}, window {self.window}) at each sparsity level, the L2 chosen "
                          "per level by validation loss; bands ± one std over seeds. Dense training has no sparsity: "
                          "its two methods are the horizontal lines (sparsity 0) with their bands.")
        curves = sparsity_curves(self.store, self.k, self.window)
        curves = curves[curves.dataset.isin(self.datasets)]
        for dataset in [d for d in self.datasets if d in set(curves.dataset)]:
            path = figures.accuracy_vs_sparsity(self.out / "figures" / f"accuracy_vs_sparsity_{_slug(dataset)}.png",
                                                dataset, curves[curves.dataset == dataset])
            seeds = curves[curves.dataset == dataset].seeds
            section.figures.append(FigureEntry(path, f"{dataset}: accuracy vs sparsity ({_seed_range(seeds)} per point)."))
            self.files.append(path)
        if not section.figures:
            section.no_data = "the store holds no finished network cell of a benchmark dataset"
        return section

    def ranking_section(self) -> Section:
        section = Section("ranking", "Average ranking score vs K",
                          "For each dataset and K the six methods are ranked by the mean accuracy of their chosen "
                          "configuration (best 6, worst 1, ties share the average rank); the scores are averaged "
                          "over the datasets that have all six methods at that K.")
        by_k = {k: results_table(self.store, k=k, window=self.window) for k in self.contents.ks}
        self.ranking = ranking_scores({k: t[t.dataset.isin(self.datasets)] for k, t in by_k.items()})
        if self.ranking.empty:
            section.no_data = "no benchmark dataset has a result for all six methods at any K"
            return section
        self._add_table(section, ranking_table(self.ranking))
        path = figures.ranking_vs_k(self.out / "figures" / "ranking_vs_k.png", self.ranking)
        section.figures.append(FigureEntry(path, "Average ranking score of the six methods against K."))
        self.files.append(path)
        return section

    def heat_map_section(self) -> Section:
        section = Section("heatmaps", "Importance heat maps",
                          "Input importance of the six methods on the image datasets, as pictures. For each "
                          "training mode the chosen configuration's cells are used (QS and Attr share them): each "
                          f"seed's importance vector (window {self.window}) is divided by its sum, the mean over the "
                          "seeds is shown, each panel scaled to its own maximum (bright: important).")
        images = [d for d in self.datasets if _image_shape(d) is not None]
        vectors = chosen_importances(self.store, images, self.window, networks_only=True)
        for dataset in images:
            panels, seeds = self._images(dataset, vectors[vectors.dataset == dataset])
            if not panels:
                continue
            path = figures.heat_maps(self.out / "figures" / f"heatmap_{_slug(dataset)}.png", dataset, panels, seeds)
            shape = "×".join(map(str, _image_shape(dataset)))
            section.figures.append(FigureEntry(path, f"{dataset} ({shape} pixels): importance of each pixel, six methods."))
            self.files.append(path)
            absent = [m for m in SIX_METHODS if m not in panels]
            if absent:
                section.notes.append(f"{dataset}: no stored importance for {', '.join(absent)} (shown as 'no data').")
        if not section.figures:
            known = ", ".join(spec.name for spec in REGISTRY.values() if spec.image_shape is not None)
            section.no_data = f"no image dataset ({known}) with stored network importances"
        return section

    def stability_section(self) -> Section:
        section = Section("stability", "Stability across seeds",
                          f"How much the seeds of each chosen configuration agree on their top {self.k} features: the "
                          "stability estimator of Nogueira, Sechidis and Brown (JMLR 2018) with its 95% confidence "
                          "interval; 1 when every seed selects the same features, about 0 when they agree no more than "
                          "random selections would.")
        table = stability_table(self.store, k=self.k, window=self.window)
        table = table[table.dataset.isin(self.datasets)]
        if table.empty:
            section.no_data = "no dataset and method with two or more finished seeds"
            return section
        path = self.out / "tables" / f"stability_k{self.k}.csv"
        table.to_csv(path, index=False)
        wide = table.assign(entry=[f"{r.stability:.2f} [{r.lower:.2f}, {r.upper:.2f}]" for r in table.itertuples()])
        wide = wide.pivot(index="dataset", columns="method", values="entry").fillna("–")
        section.frames.append((f"stability of the top {self.k} ({_seed_range(table.seeds)} per entry)", wide))
        section.downloads.append(path)
        self.files.append(path)
        return section

    def _images(self, dataset: str, vectors: pd.DataFrame) -> tuple[dict, dict]:
        spec = get_spec(dataset)
        panels, seeds = {}, {}
        for method in SIX_METHODS:
            rows = vectors[vectors.method == method]
            if rows.empty:
                continue
            try:
                panels[method] = figures.importance_image(rows.vector, spec.image_shape, spec.image_order)
            except ValueError as error:
                raise ReportError(f"{dataset} {method}: {error}") from None
            seeds[method] = len(rows)
        return panels, seeds

    def coverage_section(self, reference: Reference | None) -> Section:
        section = Section("coverage", "Synthetic benchmark: coverage of the informative features",
                          "the method page §8: 200 features, 100 informative; coverage = the share of the informative "
                          "features among a method's top 100, for the chosen configuration of every method "
                          f"(networks: window {self.window}), against the number of samples m.")
        if not self.contents.synthetic:
            section.no_data = "the store holds no synthetic-<m> dataset (configs/synthetic.toml runs them)"
            return section
        scores = coverage_scores(self.store, self.contents.synthetic, self.window)
        if scores.empty:
            section.no_data = "no finished cell of a synthetic-<m> dataset"
            return section
        self.coverage = coverage_summary(scores)
        paper = reference.coverage if reference is not None else None
        self._add_table(section, coverage_table(self.coverage, paper))
        path = figures.coverage_vs_samples(self.out / "figures" / "coverage.png", self.coverage, paper, int(scores.k.max()))
        caption = "Coverage against the number of samples m (log scale); error bars ± one std over seeds"
        section.figures.append(FigureEntry(path, caption + ("; the paper's values beside." if paper is not None else ".")))
        self.files.append(path)
        return section

    def regression_section(self) -> Section:
        section = Section("regression", "Regression benchmark: Friedman #1 among noise features",
                          "friedman-<m>: 5 informative features (x1 and x2 through sin(x1 x2), x3 through a square, x4 "
                          "and x5 linear) among 195 noise features; coverage = the share of the 5 among a method's top "
                          f"5, for the chosen configuration of every method (networks: window {self.window}). The "
                          "accuracy tables show these datasets' SVR test R² (in %).")
        scores = coverage_scores(self.store, self.contents.friedman, self.window)  # only called with friedman-<m> data
        if scores.empty:
            section.no_data = "no finished cell of a friedman-<m> dataset"
            return section
        self._add_table(section, coverage_table(coverage_summary(scores), None, "Friedman #1", "regression_coverage"))
        return section

    # --- the paper ------------------------------------------------------------------------

    def comparison_section(self, reference: Reference, selected: pd.DataFrame) -> Section:
        section = Section("paper", f"Beside the paper (each dataset at the paper's K, window {self.window})",
                          "Every (dataset, method) that both this study and the paper report, at the K of the paper's "
                          "evaluation (20 on Madelon, 100 elsewhere; column k); within: |ours − paper| ≤ the paper's std.")
        comparison = paper_comparison(selected, reference, self.window)
        flops = flops_comparison(selected, reference)
        missing = unmatched(selected, reference, self.datasets, self.window)
        paths = write_comparison(self.out, comparison, flops, missing, self.window, self.datasets,
                                 chosen_configuration(selected))
        self.files += paths
        section.downloads = paths
        if comparison.empty:
            section.no_data = "no (dataset, method) has both our result and the paper's"
            return section
        self.comparison_counts = category_counts(comparison)
        section.frames = [("Entries within one paper std, above and below", self.comparison_counts.reset_index()),
                          ("Every entry (SVM test accuracy in %)", entries_shown(comparison))]
        return section

    # --- summary --------------------------------------------------------------------------

    def facts(self) -> list[str]:
        location = _shown_location(getattr(self.store, "path", type(self.store).__name__))
        facts = [
            f"results store: {location}",
            f"{self.contents.n_done} finished and {self.contents.n_failed} failed cells; "
            f"{len(self.datasets)} benchmark datasets ({', '.join(self.datasets) or 'none'}), "
            f"{len(self.contents.synthetic)} synthetic",
            f"accuracies: SVM test accuracy of the top K={self.k} features, network importance window {self.window}",
        ]
        if self.contents.n_failed:
            facts.append(f"failed cells take no part; 'sparsefs results {location} --failures' lists their errors")
        return facts

    def write_summary(self, reference: Reference | None, missing: list[str]) -> Path:
        lines = ["# Report summary", ""] + [f"- {markdown_text(fact)}" for fact in self.facts()] + [""]
        if self.contents_frames:
            lines += ["## What this report is computed from", ""]
            for heading, frame in self.contents_frames:
                lines += [f"{heading}:", "", markdown_table(frame, index=False), ""]
        lines += self._cost_lines(reference)
        lines += ["## Wins and losses per pair", ""]
        if self.pair_counts.compared.sum() > 0:
            lines += [f"At K={self.k}, window {self.window}; equal at two decimals counts as a tie.", "",
                      markdown_table(self.pair_counts.rename(columns={"first_better": "first better",
                                                                      "second_better": "second better",
                                                                      "compared": "datasets"}), index=False), ""]
        else:
            lines += ["No data: no dataset has both entries of any pair.", ""]
        lines += ["## Average ranking score", ""]
        if self.ranking.empty:
            lines += ["No data: no dataset has all six methods.", ""]
        else:
            wide = self.ranking.pivot(index="k", columns="method", values="score").reindex(columns=list(SIX_METHODS))
            wide["datasets"] = self.ranking.groupby("k").datasets.first()
            lines += ["6 = best of the six on a dataset, 1 = worst.", "", markdown_table(wide.round(2).rename_axis("K")), ""]
        lines += ["## Synthetic coverage (top 100 of 200 features, 100 informative)", ""]
        if self.coverage.empty:
            lines += ["No data.", ""]
        else:
            wide = self.coverage.pivot(index="method", columns="m", values="mean")
            lines += [markdown_table(wide.round(2).add_prefix("m = ")), ""]
        if reference is not None:
            lines += ["## Beside the paper (each dataset at the paper's K: 20 on Madelon, 100 elsewhere)", ""]
            lines += (["Entries within one paper std, above and below (paper_comparison.md lists each):", "",
                       markdown_table(self.comparison_counts), ""] if self.comparison_counts is not None else ["No data.", ""])
        lines += ["## Missing data", ""] + ([f"- {markdown_text(note)}" for note in missing] or ["Nothing: every section has all its entries."]) + [""]
        path = self.out / "summary.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    def _cost_lines(self, reference: Reference | None) -> list[str]:
        saved = cost_reductions(self.selected, self.datasets).dropna()
        lines = ["## Costs: SET against dense training", ""]
        if saved.empty:
            return lines + ["No data: no dataset has both a SET and a dense result.", ""]
        lines.append(
            f"- SET-Attr needs on average {saved.memory_saved.mean():.1f}% less memory (stored parameters) and "
            f"{saved.flops_saved.mean():.1f}% fewer training FLOPs than Dense-Attr, over {counted(len(saved), 'dataset')} "
            f"({', '.join(map(markdown_text, saved.index))}). The paper: more than 50% and 55% on average."
        )
        if reference is not None:
            paper = reference.flops.pivot(index="reference_name", columns="method", values="flops_e12")
            names = {d: get_spec(d).reference_name for d in saved.index}
            shared = [d for d, name in names.items() if name in paper.index]
            if shared:
                rows = paper.loc[[names[d] for d in shared]]
                paper_saved = 100 * (1 - rows["SET-Attr"] / rows["Dense-Attr"])
                lines.append(f"- On the same {counted(len(shared), 'dataset')} the paper's FLOPs table gives SET-Attr "
                             f"{paper_saved.mean():.1f}% fewer training FLOPs than Dense-Attr "
                             f"(ours there: {saved.loc[shared].flops_saved.mean():.1f}%).")
        return lines + [""]

    # --- helpers --------------------------------------------------------------------------

    def _add_table(self, section: Section, table: Table, no_data: str = "") -> None:
        if not table.has_data:
            section.no_data = no_data
            return
        paths = write_table(table, self.out / "tables")
        section.tables.append((table, paths))
        self.files += paths


def _configurations(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per method: how many configurations, the parameters that vary between them
    (searched) with their values, the ones they share (fixed), and the seeds."""
    labels = {**TRAINING_METHODS.labels(), **BASELINES.labels()}
    rows = []
    for method, group in cells.groupby("method", sort=False):
        params = [json.loads(text) for text in group.params.unique()]
        keys = sorted({key for p in params for key in p})
        values = {key: sorted({json.dumps(p.get(key), sort_keys=True) for p in params}) for key in keys}
        searched = [f"{key} {', '.join(map(_plain, shown))}" for key, shown in values.items() if len(shown) > 1]
        fixed = [f"{key}={_plain(shown[0])}" for key, shown in values.items() if len(shown) == 1]
        rows.append({"method": labels.get(method, method), "configurations": len(params),
                     "searched": "; ".join(searched) or "–", "fixed": ", ".join(fixed) or "–",
                     "seeds": _numbers(sorted(set(group.seed)))})
    order = list(TRAINING_METHODS.labels().values()) + list(BASELINES.labels().values())
    frame = pd.DataFrame(rows)
    return frame.assign(position=frame.method.map(lambda m: order.index(m) if m in order else len(order))) \
        .sort_values(["position", "method"]).drop(columns="position")


def _plain(encoded: str) -> str:
    """A JSON-encoded parameter value as a reader writes it: 0.0001, [100], "relu" -> relu."""
    value = json.loads(encoded)
    return value if isinstance(value, str) else json.dumps(value)


def _numbers(values: list[int]) -> str:
    """0, 1, 2, 5 -> "0-2, 5": a list of seeds, short."""
    runs: list[list[int]] = []
    for value in map(int, values):
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def _shown_location(location) -> str:
    """The store as a reader of the report can find it: a path relative to the folder the
    report was written from when the store is inside it, else its file name (a report names
    no one's home or build folders)."""
    path = Path(str(location))
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name


def _image_shape(dataset: str) -> tuple[int, int] | None:
    try:
        return get_spec(dataset).image_shape
    except KeyError:
        return None


def _seed_range(seeds: pd.Series) -> str:
    low, high = int(seeds.min()), int(seeds.max())
    return counted(low, "seed") if low == high else f"{low}-{high} seeds"


def _slug(name: str) -> str:
    """A file-name-safe form of a dataset name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _derived_cells(store) -> int:
    """Finished cells copied from a run their setting could not change (stores before the
    ``derived`` table have none)."""
    try:
        counted = store.query("SELECT COUNT(*) AS n FROM derived JOIN cells USING (cell_id) WHERE status = 'done'")
    except StoreError:
        return 0
    return int(counted["n"].iloc[0])
