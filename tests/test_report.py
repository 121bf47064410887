"""Report generation on a hand-made store (tests/report_fixture.py): the tables' numbers against a
hand computation, every figure a real PNG, the page's links, the paper comparison, partial stores."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sparsefs.report import ReportError, write_report
from sparsefs.report.figures import importance_image
from sparsefs.report.formats import markdown_text
from sparsefs.report.results import chosen_importances, sparsity_curves
from sparsefs.study import Cell, CellOutcome, StoreError, open_store, results_table

from ._helpers import REFERENCE
from .report_fixture import KS, METRICS, WINDOWS, baseline, baseline_outcomes, build_store, network_outcomes

FIGURES = [
    "heatmap_Yale.png", "heatmap_USPS.png", "accuracy_vs_flops.png", "accuracy_vs_sparsity_Yale.png",
    "accuracy_vs_sparsity_USPS.png", "accuracy_vs_sparsity_PCMAC.png", "ranking_vs_k.png", "coverage.png",
]
TABLES = ["accuracy", "pairs_metric", "pairs_training", "baselines", "costs", "ranking", "coverage"]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("store") / "fixture.sqlite", network_outcomes() + baseline_outcomes())


@pytest.fixture(scope="module")
def report(store_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    with open_store(store_path, create=False) as store:
        summary = write_report(store, out, reference_dir=REFERENCE)
    return summary


def entry(frame, dataset, method):
    found = frame[(frame.dataset == dataset) & (frame.method == method)]
    assert len(found) == 1, frame
    return found.iloc[0]


class TestTables:
    def test_six_method_table_matches_the_hand_computation(self, report):
        table = pd.read_csv(report.out_dir / "tables" / "accuracy.csv")
        expected = {  # (mean, std, sparsity) over the chosen configuration's seeds
            ("Yale", "Dense-QS"): (70.0, 0.0, 0.0), ("Yale", "Dense-Attr"): (75.0, 5.0, 0.0),
            ("Yale", "SET-QS"): (65.0, 5.0, 0.5), ("Yale", "SET-Attr"): (80.0, 0.0, 0.5),
            ("Yale", "RigL-QS"): (75.0, 0.0, 0.5), ("Yale", "RigL-Attr"): (50.0, 0.0, 0.5),
            ("USPS", "Dense-QS"): (85.0, 0.0, 0.0), ("USPS", "Dense-Attr"): (90.0, 0.0, 0.0),
            ("USPS", "SET-QS"): (80.0, 0.0, 0.9), ("USPS", "SET-Attr"): (95.0, 0.0, 0.9),
            ("PCMAC", "Dense-QS"): (80.0, 0.0, 0.0), ("PCMAC", "Dense-Attr"): (80.0, 0.0, 0.0),
        }
        assert set(zip(table.dataset, table.method)) == set(expected)  # no RigL on USPS, no SET on PCMAC, no synthetic
        for (dataset, method), (mean, std, sparsity) in expected.items():
            row = entry(table, dataset, method)
            assert (row.acc_mean, row.acc_std, row.sparsity) == pytest.approx((mean, std, sparsity)), (dataset, method)
        best = {(d, m) for d, m, b in zip(table.dataset, table.method, table.best) if b}
        assert best == {("Yale", "SET-Attr"), ("USPS", "SET-Attr"), ("PCMAC", "Dense-QS"), ("PCMAC", "Dense-Attr")}

    def test_six_method_markdown_shows_missing_entries_and_bold(self, report):
        text = (report.out_dir / "tables" / "accuracy.md").read_text()
        rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in text.splitlines() if line.startswith("| ")}
        assert rows["dataset"] == ["Dense-QS", "Dense-Attr", "SET-QS", "SET-Attr", "RigL-QS", "RigL-Attr"]
        assert rows["Yale"] == ["70.00 ± 0.00", "75.00 ± 5.00", "65.00 ± 5.00 (0.5)", "**80.00 ± 0.00 (0.5)**",
                                "75.00 ± 0.00 (0.5)", "50.00 ± 0.00 (0.5)"]
        assert rows["USPS"][4:] == ["–", "–"]
        assert rows["best on"] == ["1", "1", "0", "2", "0", "0"]
        assert "USPS: RigL-QS, RigL-Attr" in text and "PCMAC: SET-QS, SET-Attr, RigL-QS, RigL-Attr" in text
        assert "Entries are over 1 to 2 seeds" in text

    def test_latex_marks_the_best_entry_and_escapes(self, report):
        text = (report.out_dir / "tables" / "accuracy.tex").read_text()
        assert r"\textbf{80.00 $\pm$ 0.00 (0.5)}" in text and r"\toprule" in text
        assert "all\\_epochs" in text and "±" not in text
        pairs = (report.out_dir / "tables" / "pairs_training.tex").read_text()
        assert r"\multicolumn{2}{c}{SET-Attr vs Dense-Attr}" in pairs

    def test_pairwise_counts(self, report):
        summary = (report.out_dir / "summary.md").read_text()
        counts = {(r[0], r[1]): tuple(map(int, r[2:])) for r in _markdown_rows(summary, "first")}
        assert counts == {  # (first better, ties, second better, datasets compared)
            ("Dense-QS", "Dense-Attr"): (0, 1, 2, 3), ("SET-QS", "SET-Attr"): (0, 0, 2, 2),
            ("RigL-QS", "RigL-Attr"): (1, 0, 0, 1), ("SET-QS", "Dense-QS"): (0, 0, 2, 2),
            ("RigL-QS", "Dense-QS"): (1, 0, 0, 1), ("SET-Attr", "Dense-Attr"): (2, 0, 0, 2),
            ("RigL-Attr", "Dense-Attr"): (0, 0, 1, 1), ("SET-Attr", "Lasso"): (1, 0, 0, 1),
            ("SET-Attr", "LassoNet"): (0, 0, 1, 1), ("SET-Attr", "STG"): (1, 0, 0, 1),
        }
        metric = (report.out_dir / "tables" / "pairs_metric.md").read_text()
        rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in metric.splitlines() if line.startswith("| ")}
        assert rows["Yale"] == ["70.00 ± 0.00", "**75.00 ± 5.00**", "65.00 ± 5.00", "**80.00 ± 0.00**",
                                "**75.00 ± 0.00**", "50.00 ± 0.00"]
        assert rows["PCMAC"][:2] == ["80.00 ± 0.00", "80.00 ± 0.00"]  # a tie: neither bold
        assert rows["wins"] == ["0", "2", "0", "2", "1", "0"] and rows["ties"] == ["1", "1", "0", "0", "0", "0"]

    def test_baseline_table(self, report):
        table = pd.read_csv(report.out_dir / "tables" / "baselines.csv")
        assert entry(table, "Yale", "Lasso").params == '{"C":1.0}'
        assert (entry(table, "Yale", "Lasso").acc_mean, entry(table, "Yale", "Lasso").acc_std) == pytest.approx((65.0, 5.0))
        assert entry(table, "Yale", "LassoNet").best and not entry(table, "Yale", "SET-Attr").best
        assert entry(table, "PCMAC", "Lasso").acc_mean == 75.0 and not entry(table, "PCMAC", "Lasso").best  # alone

    def test_costs_and_reductions(self, report):
        costs = pd.read_csv(report.out_dir / "tables" / "costs.csv").set_index("dataset")
        assert costs.at["Yale", "SET-Attr FLOPs"] == 2.0 and costs.at["Yale", "Dense-Attr parameters"] == 1.0
        assert costs.at["Yale", "LassoNet FLOPs"] == 3.0 and costs.at["Yale", "STG parameters"] == 1.1
        assert costs.at["Yale", "SET vs Dense FLOPs saved (%)"] == pytest.approx(50.0)
        assert costs.at["USPS", "SET vs Dense FLOPs saved (%)"] == pytest.approx(75.0)
        assert costs.at["USPS", "SET vs Dense memory saved (%)"] == pytest.approx(80.0)
        assert np.isnan(costs.at["PCMAC", "SET vs Dense FLOPs saved (%)"])
        summary = (report.out_dir / "summary.md").read_text()
        # memory (50 + 80) / 2, FLOPs (50 + 75) / 2; the paper's USPS and Yale: 1 - 1.59/3.68, 1 - 0.10/0.13
        assert "65.0% less memory (stored parameters) and 62.5% fewer training FLOPs than Dense-Attr, over 2 datasets" in summary
        paper = np.mean([1 - 1.59 / 3.68, 1 - 0.10 / 0.13]) * 100
        assert f"the paper's FLOPs table gives SET-Attr {paper:.1f}% fewer" in summary

    def test_ranking_scores(self, report):
        ranking = pd.read_csv(report.out_dir / "tables" / "ranking.csv")
        at = {(k, m): s for k, m, s in zip(ranking.k, ranking.method, ranking.score)}
        # Yale alone has all six: 80 (SET-Attr) > 75 = 75 (Dense-Attr, RigL-QS) > 70 > 65 > 50.
        assert [at[(100, m)] for m in ["SET-Attr", "Dense-Attr", "RigL-QS", "Dense-QS", "SET-QS", "RigL-Attr"]] == [
            6, 4.5, 4.5, 3, 2, 1]
        assert all(at[(25, m)] == 3.5 for m in ["SET-Attr", "Dense-QS", "RigL-Attr"])  # a six-way tie at K=25
        assert set(ranking.datasets) == {1} and sorted(set(ranking.k)) == [25, 50, 100]

    def test_coverage_from_stored_importances(self, report):
        coverage = pd.read_csv(report.out_dir / "tables" / "coverage.csv")
        got = {m: (mean, std, seeds) for m, mean, std, seeds in zip(coverage.method, coverage["mean"], coverage["std"],
                                                                    coverage.seeds)}
        assert got["Dense-QS"] == pytest.approx((0.95, 0.05, 2)) and got["Dense-Attr"] == pytest.approx((0.5, 0, 2))
        assert got["SET-QS"] == pytest.approx((0.8, 0, 1)) and got["SET-Attr"] == pytest.approx((0.6, 0, 1))
        assert got["Lasso"] == pytest.approx((0.3, 0, 1)) and set(coverage.m) == {100}
        paper = pd.read_csv(REFERENCE / "paper_synthetic_coverage.csv").set_index("method")
        assert entry(coverage.assign(dataset="s"), "s", "SET-Attr").paper == paper.at["SET-Attr", "n100"]
        text = (report.out_dir / "tables" / "coverage.md").read_text()
        assert "**0.95 ± 0.05**" in text and re.search(r"\| RigL-QS +\| +– \| +0\.55 \|", text)  # ours missing, paper's shown


class TestPaperComparison:
    def test_entries_and_categories(self, report):
        comparison = pd.read_csv(report.out_dir / "paper_comparison.csv")
        paper = pd.read_csv(REFERENCE / "paper_svm_accuracy_k100.csv").query("importance_window == 'all_epochs'")
        baselines = pd.read_csv(REFERENCE / "paper_baselines_k100.csv")
        published = {**{(d, m): (a, s) for d, m, a, s in zip(paper.dataset, paper.method, paper.acc_mean, paper.acc_std)},
                     **{(d, m): (a, s) for d, m, a, s in zip(baselines.dataset, baselines.method, baselines.acc_mean,
                                                              baselines.acc_std) if m != "SET-Attr"}}
        # The paper's numbers the hand computation below relies on.
        assert published[("Yale", "Dense-Attr")] == (63.94, 7.48) and published[("Yale", "LassoNet")] == (80.61, 2.78)
        assert published[("Yale", "Lasso")] == (72.73, 0.0) and published[("Yale", "Dense-QS")] == (70.0, 7.48)
        expected = {
            ("Yale", "Dense-QS"): "within",  # 70 vs 70.00 ± 7.48
            ("Yale", "Dense-Attr"): "above",  # 75 vs 63.94 ± 7.48
            ("Yale", "SET-QS"): "below",  # 65 vs 74.55 ± 3.64
            ("Yale", "SET-Attr"): "above",  # 80 vs 65.76 ± 7.05
            ("Yale", "RigL-QS"): "within",  # 75 vs 71.52 ± 5.28
            ("Yale", "RigL-Attr"): "below",  # 50 vs 73.94 ± 5.94
            ("Yale", "Lasso"): "below",  # 65 vs 72.73 ± 0.00
            ("Yale", "LassoNet"): "above",  # 85 vs 80.61 ± 2.78
            ("Yale", "STG"): "within",  # 70 vs 67.88 ± 5.45
        }
        for dataset, method in [("USPS", m) for m in ("Dense-QS", "Dense-Attr", "SET-QS", "SET-Attr")] + [
                ("PCMAC", "Dense-QS"), ("PCMAC", "Dense-Attr"), ("PCMAC", "Lasso")]:
            ours = entry(comparison, dataset, method).acc_mean
            mean, std = published[(dataset, method)]
            expected[(dataset, method)] = "within" if abs(ours - mean) <= std else "above" if ours > mean else "below"
        assert dict(zip(zip(comparison.dataset, comparison.method), comparison.category)) == expected
        yale = entry(comparison, "Yale", "SET-Attr")
        assert (yale.difference, yale.paper_sparsity, yale.seeds) == (pytest.approx(80 - 65.76), 0.25, 2)

    def test_counts_overall_and_per_method(self, report):
        counts = report.comparison_counts
        comparison = pd.read_csv(report.out_dir / "paper_comparison.csv")
        assert counts.loc["all"].tolist() == [sum(comparison.category == c) for c in ("within", "above", "below")] + [16]
        assert counts.loc["LassoNet"].tolist() == [0, 1, 0, 1] and counts.loc["Dense-QS"].total == 3
        text = (report.out_dir / "paper_comparison.md").read_text()
        assert "| all " in text and "Yale | SET-Attr | 100 | 80.00 ± 0.00 | 0.5 | 2 | 65.76 ± 7.05 | 0.25 | +14.24 | above" in re.sub(
            r" +", " ", text)
        # What the paper reports and this store lacks is named, not silently dropped.
        assert "USPS RigL-QS" in text and "PCMAC SET-Attr" in text and "USPS Lasso" in text


class TestFigures:
    def test_every_figure_is_a_non_blank_png(self, report):
        written = sorted(p.name for p in (report.out_dir / "figures").iterdir())
        assert written == sorted(FIGURES)
        for name in FIGURES:
            path = report.out_dir / "figures" / name
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("L"))
            assert pixels.shape[0] > 300 and pixels.std() > 5, name  # drawn, not an empty canvas

    def test_importance_image_pixel_order(self):
        vector = np.zeros(6)
        vector[1] = 3.0  # the second stored pixel
        assert importance_image([vector], (2, 3), "C")[0, 1] == 1.0  # row by row: row 0, column 1
        assert importance_image([vector], (2, 3), "F")[1, 0] == 1.0  # column by column: row 1, column 0
        two_seeds = importance_image([np.array([1.0, 1, 0, 0]), np.array([0.0, 0, 0, 4])], (2, 2), "C")
        np.testing.assert_allclose(two_seeds, [[0.25, 0.25], [0, 0.5]])  # each seed sums to 1, then the mean
        with pytest.raises(ValueError, match="cannot be 2×2 pictures"):
            importance_image([np.ones(5)], (2, 2), "C")

    def test_heat_maps_read_only_the_chosen_cells(self, store_path):
        with open_store(store_path, create=False) as store:
            vectors = chosen_importances(store, ["Yale"], "all_epochs", networks_only=True)
        assert len(vectors) == 12  # three training modes x two seeds x two metrics
        assert not any(np.all(v == 7.0) for v in vectors.vector)  # SET at sparsity 0.9 was not chosen
        assert sorted(set(vectors.method)) == sorted(["Dense-QS", "Dense-Attr", "SET-QS", "SET-Attr", "RigL-QS", "RigL-Attr"])

    def test_sparsity_curves_choose_per_level_and_agree_with_the_table(self, store_path):
        with open_store(store_path, create=False) as store:
            curves = sparsity_curves(store, 100, "all_epochs")
            table = results_table(store, 100, "all_epochs")
        yale = curves[(curves.dataset == "Yale") & (curves.method == "SET-Attr")].set_index("sparsity")
        assert yale.acc_mean.to_dict() == {0.5: 80.0, 0.9: 99.0}  # 0.9 is on the curve, not in the table
        for row in table[table.method.str.contains("-")].itertuples():
            point = curves[(curves.dataset == row.dataset) & (curves.method == row.method) & (curves.sparsity == row.sparsity)]
            assert point.acc_mean.item() == pytest.approx(row.acc_mean) and point.seeds.item() == row.seeds


class TestPage:
    def test_html_references_only_files_that_exist_and_shows_every_figure(self, report):
        links = _links(report.index.read_text())
        assert links and not [link for link in links if "://" in link or link.startswith("/")]  # relative only
        missing = [link for link in links if not link.startswith("#") and not (report.out_dir / link).is_file()]
        assert missing == []
        assert {f"figures/{name}" for name in FIGURES} <= set(links)
        assert {f"tables/{name}.{suffix}" for name in TABLES for suffix in ("md", "tex", "csv")} <= set(links)
        assert {"paper_comparison.md", "paper_comparison.csv"} <= set(links)

    def test_summary_lists_what_is_missing(self, report):
        summary = (report.out_dir / "summary.md").read_text()
        assert "## Missing data" in summary
        assert "USPS: no stored importance for RigL-QS, RigL-Attr" in summary
        assert "24 finished and 1 failed cells" in summary
        assert all(path.is_file() for path in report.files)


class TestWhatTheReportShows:
    """The report says what it is computed from (which configurations, seeds and datasets),
    whatever stage the study reached, and names no developer's folders."""

    def test_configurations_and_seeds_per_method_and_dataset(self, report):
        page = report.index.read_text()
        contents = re.search(r'<section id="contents">(.*?)</section>', page, flags=re.S).group(1)
        assert "What this report is computed from" in page.split('<section id="accuracy">')[0]
        rows = {cells[0]: cells[1:] for cells in _html_rows(contents)}
        # SET was run at sparsity 0.5 and 0.9 (the fixture's grid), l2 fixed
        assert rows["SET"][:2] == ["2", "sparsity 0.5, 0.9"] and "l2=0.0001" in rows["SET"][2]
        assert rows["Dense"][:2] == ["1", "–"]
        # per dataset: Yale has two seeds, USPS one, and PCMAC a failed cell
        assert rows["Yale"][-1] == "0, 1" and rows["USPS"][-1] == "0" and rows["PCMAC"][1] == "1"
        summary = (report.out_dir / "summary.md").read_text()
        assert "## What this report is computed from" in summary
        assert "did not run every configuration and seed on every dataset" in summary  # a partial study

    def test_the_store_is_named_without_the_folders_above_it(self, store_path, tmp_path, monkeypatch):
        from sparsefs.report.writer import _shown_location

        monkeypatch.chdir(tmp_path)
        assert _shown_location(tmp_path / "results" / "run.sqlite") == "results/run.sqlite"  # below here
        assert _shown_location("results/run.sqlite") == "results/run.sqlite"  # as given
        assert _shown_location(store_path) == store_path.name  # elsewhere: its name alone
        with open_store(store_path, create=False) as store:
            report = write_report(store, tmp_path / "out")
        assert str(store_path.parent) not in report.index.read_text()
        assert str(store_path.parent) not in report.summary.read_text()

    def test_site_links_are_added_once(self, report, tmp_path):
        from sparsefs.report.html import add_site_links

        page = tmp_path / "index.html"
        page.write_text(report.index.read_text())
        for _ in range(2):
            add_site_links(page, [("../index.html", "docs & more"), ("REPRODUCTION.html", "reproduction")])
        text = page.read_text()
        assert text.count('<nav class="site">') == 1
        assert '<body>\n<nav class="site"><a href="../index.html">docs &amp; more</a>' in text
        assert "../index.html" in _links(text) and "REPRODUCTION.html" in _links(text)


def _html_rows(fragment: str) -> list[list[str]]:
    """The body rows of every table in an HTML fragment, as text cells."""
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, flags=re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
            rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)])
    return rows


def _links(page: str) -> list[str]:
    class Links(HTMLParser):
        found: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.found += [value for name, value in attrs if name in ("href", "src")]

    parser = Links()
    parser.found = []
    parser.feed(page)
    return parser.found


def _markdown_rows(text: str, header: str) -> list[list[str]]:
    """The body rows of the Markdown table whose first header cell is ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} "))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.split("|")[1:-1]])
    return rows


class TestPartialStores:
    @pytest.mark.parametrize("part", ["baselines only", "networks only", "empty"])
    def test_a_partial_store_renders_with_no_data_notes(self, tmp_path, part):
        outcomes = {"baselines only": baseline_outcomes(), "networks only": network_outcomes(), "empty": []}[part]
        with open_store(build_store(tmp_path / "part.sqlite", outcomes), create=False) as store:
            report = write_report(store, tmp_path / "out")
        page = report.index.read_text()
        assert all((report.out_dir / link).is_file() for link in _links(page) if not link.startswith("#"))
        sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', page, flags=re.S))
        no_data = {name for name, body in sections.items() if 'class="nodata"' in body}
        expected = {
            "baselines only": {"accuracy", "pairwise", "sparsity", "ranking", "heatmaps", "stability"},
            "networks only": set(),
            "empty": {"accuracy", "pairwise", "baselines", "costs", "sparsity", "ranking", "heatmaps", "coverage",
                      "stability", "selectors"},
        }[part]
        assert no_data == expected
        assert "paper" not in sections  # no reference folder given
        if part == "networks only":
            baselines = pd.read_csv(report.out_dir / "tables" / "baselines.csv")
            assert set(baselines.method) == {"SET-Attr"}  # the baselines' columns are all '–'
        assert (report.out_dir / "summary.md").is_file()

    def test_no_synthetic_data_says_so(self, tmp_path):
        outcomes = [o for o in network_outcomes() + baseline_outcomes() if o.cell.dataset != "synthetic-100"]
        with open_store(build_store(tmp_path / "s.sqlite", outcomes), create=False) as store:
            report = write_report(store, tmp_path / "out", reference_dir=REFERENCE)
        assert "the store holds no synthetic-&lt;m&gt; dataset" in report.index.read_text()
        assert not (report.out_dir / "figures" / "coverage.png").exists()


class TestMistakes:
    def test_unevaluated_k_or_window(self, store_path, tmp_path):
        with open_store(store_path, create=False) as store:
            with pytest.raises(StoreError, match="K=75 was not evaluated"):
                write_report(store, tmp_path / "out", k=75)
            with pytest.raises(StoreError, match="window 'last_iteration' was not evaluated"):
                write_report(store, tmp_path / "out", window="last_iteration")
        assert not (tmp_path / "out").exists()  # nothing written before the check

    def test_bad_reference_folder(self, store_path, tmp_path):
        (tmp_path / "ref").mkdir()
        with open_store(store_path, create=False) as store:
            with pytest.raises(ReportError, match="reference folder .* does not exist"):
                write_report(store, tmp_path / "out", reference_dir=tmp_path / "nowhere")
            with pytest.raises(ReportError, match="cannot read the paper's table .*paper_svm_accuracy_k100.csv"):
                write_report(store, tmp_path / "out", reference_dir=tmp_path / "ref")


WEIRD = "=HYPERLINK(x)|*bold* _u_ <b>x</b> [l](y)"


def weird_outcomes():
    """A dataset whose name (a user's file name can be anything) is full of markup."""
    rng = np.random.RandomState(0)
    outcomes = []
    for training, sparsity in (("dense", 0.0), ("set", 0.5)):
        for seed in (0, 1):
            cell = Cell(WEIRD, training, {"sparsity": sparsity, "l2": 1e-4}, seed, METRICS)
            accuracies = [(m, w, k, 0.7) for m in METRICS for w in WINDOWS for k in KS]
            record = {"val_loss": 0.5, "n_parameters": 1000 if training == "set" else 2000, "training_flops": 10**9,
                      "fit_seconds": 1.0}
            importances = {m: {w: rng.rand(10) for w in WINDOWS} for m in METRICS}
            outcomes.append(CellOutcome(cell, "done", record, importances, accuracies))
    return outcomes + [baseline(WEIRD, "lasso", {"C": 1.0}, 0, 0.3, 0.75)]


@pytest.fixture(scope="module")
def weird_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weird")
    with open_store(build_store(folder / "weird.sqlite", weird_outcomes()), read_only=True) as store:
        return write_report(store, folder / "out")


class TestOutputHygiene:
    def test_names_are_escaped_in_markdown(self, weird_report):
        escaped = markdown_text(WEIRD)
        assert escaped == r"=HYPERLINK(x)\|\*bold\* \_u\_ \<b\>x\</b\> \[l\](y)"
        for path in (weird_report.out_dir / "tables" / "accuracy.md", weird_report.summary):
            text = path.read_text()
            assert WEIRD not in text and "<b>" not in text and escaped in text, path.name
        table = (weird_report.out_dir / "tables" / "accuracy.md").read_text().splitlines()
        rows = [line for line in table if line.startswith("|")]
        cells = {len(re.split(r"(?<!\\)\|", line)) for line in rows}
        assert len(cells) == 1  # the name's '|' does not add a column

    def test_names_are_escaped_in_the_page(self, weird_report):
        page = weird_report.index.read_text()
        assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page

    def test_csv_cells_cannot_run_as_formulas(self, weird_report):
        for name in ("accuracy", "baselines"):
            table = pd.read_csv(weird_report.out_dir / "tables" / f"{name}.csv")
            assert set(table.dataset) == {"'" + WEIRD}, name


class TestReportFolder:
    def test_a_folder_of_other_files_is_refused_and_left_alone(self, store_path, tmp_path):
        out = tmp_path / "mine"
        out.mkdir()
        (out / "index.html").write_text("<html>my own page</html>")
        (out / "notes.txt").write_text("mine")
        with open_store(store_path, read_only=True) as store:
            with pytest.raises(ReportError, match=r"mine already holds other files \(index.html, notes.txt\) and no earlier "
                                                  r"sparsefs report; .*--force"):
                write_report(store, out)
            assert sorted(p.name for p in out.iterdir()) == ["index.html", "notes.txt"]
            assert (out / "index.html").read_text() == "<html>my own page</html>"
            report = write_report(store, out, overwrite=True)  # asked for: written
        assert "sparsefs report" in report.index.read_text() and (out / "notes.txt").read_text() == "mine"

    def test_an_earlier_report_is_replaced(self, store_path, tmp_path):
        out = tmp_path / "report"
        with open_store(store_path, read_only=True) as store:
            write_report(store, out)
            (out / "REPRODUCTION.md").write_text("notes beside the report")
            write_report(store, out)  # a report folder (with notes of its own) may be rewritten
            legacy = tmp_path / "legacy"  # a page written before pages carried the generator tag
            legacy.mkdir()
            (legacy / "index.html").write_text("<!DOCTYPE html>\n<html><head><title>sparsefs report</title></head></html>")
            (legacy / "summary.md").write_text("# Report summary")
            write_report(store, legacy)
        assert (out / "REPRODUCTION.md").read_text() == "notes beside the report"
