"""Comparing selectors: the statistics (sparsefs.study.ranks), the report's section, and
``sparsefs compare`` end to end on a generated CSV and a small real dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.io
from scipy import stats

from sparsefs.cli import main
from sparsefs.compare import compare_selectors
from sparsefs.study import open_store, parse_config, run_study
from sparsefs.study.ranks import (
    critical_difference,
    friedman_test,
    long_summary,
    mean_ranks,
    nemenyi_groups,
    selector_scores,
    summarise,
    wins_ties_losses,
)

from ._helpers import SHARED_DATASETS, needs_data

TINY = {"hidden_layer_sizes": [8], "max_epochs": 3}


def summary_of(means: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": f"d{i}", "selector": name, "mean": float(value)}
                         for name, values in means.items() for i, value in enumerate(values)])


class TestStatistics:
    def test_ranks_average_ties_and_skip_datasets_a_selector_lacks(self):
        summary = summary_of({"a": [90, 80, 70], "b": [90, 85, 75], "c": [60, 85, 80]})
        summary = summary[~((summary.selector == "c") & (summary.dataset == "d0"))]
        ranks = mean_ranks(summary)  # d0 lacks c: only d1 and d2 count
        assert ranks.to_dict() == {"c": 1.25, "b": 1.75, "a": 3.0}

    def test_friedman_is_scipys_and_iman_davenport_its_f_form(self):
        rng = np.random.RandomState(0)
        means = {name: list(rng.rand(8) + shift) for name, shift in (("a", 0.5), ("b", 0.2), ("c", 0), ("d", 0.1))}
        result = friedman_test(summary_of(means))
        expected = stats.friedmanchisquare(*means.values())
        assert result.statistic == pytest.approx(expected.statistic) and result.p_value == pytest.approx(expected.pvalue)
        n, k = 8, 4
        f = (n - 1) * result.statistic / (n * (k - 1) - result.statistic)
        assert result.iman_davenport == pytest.approx(f)
        assert result.iman_davenport_p == pytest.approx(stats.f.sf(f, k - 1, (k - 1) * (n - 1)))

    def test_critical_difference_is_demsars_table(self):
        # Demšar (2006), Table 5(a): q_0.05 for k = 2..10
        for k, q in zip(range(2, 11), (1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164)):
            assert critical_difference(k, 12) == pytest.approx(q * np.sqrt(k * (k + 1) / 72), abs=2e-3)

    def test_groups_join_selectors_within_the_critical_difference(self):
        ranks = pd.Series({"a": 1.2, "b": 2.0, "c": 3.5, "d": 3.9})
        assert nemenyi_groups(ranks, 1.0) == [("a", "b"), ("c", "d")]
        assert nemenyi_groups(ranks, 0.1) == []

    def test_wins_ties_losses_and_wilcoxon(self):
        summary = summary_of({"recommended": [90, 80, 70, 60, 50, 40], "lasso": [85, 80, 75, 50, 45, 30]})
        row = wins_ties_losses(summary).iloc[0]
        assert (row.selector, row.wins, row.ties, row.losses, row.datasets) == ("lasso", 4, 1, 1, 6)
        assert row.wilcoxon_p == pytest.approx(stats.wilcoxon([5, -5, 10, 5, 10]).pvalue)


@pytest.fixture(scope="module")
def both_presets(tmp_path_factory):
    """A store with both presets (two studies writing into one store) and three baselines."""
    folder = tmp_path_factory.mktemp("ranks")
    files = []
    for seed in (0, 1):  # two benchmark datasets (a report keeps synthetic-<m> for its coverage section)
        rng = np.random.RandomState(seed)
        X = rng.randn(80, 30)
        files.append(str(folder / f"data{seed}.csv"))
        pd.DataFrame(X).add_prefix("f").assign(label=(X[:, seed] - X[:, 5] > 0).astype(int)).to_csv(files[-1], index=False)
    store = str(folder / "quality.sqlite")
    study = {"store": store, "datasets": files, "seeds": 2, "k": [10], "windows": ["best_epoch", "all_epochs"]}
    targets = {name: {"target": "label"} for name in files}
    network = {"training": ["set"], "importance": ["attribution"], "sparsity": [0.9], **TINY}
    run_study(parse_config({"study": study, "datasets": targets, "network": {**network, "preset": "recommended"},
                            "baselines": {"anova": {}, "mrmr": {}, "lasso": {"grid": {"C": [0.01, 1.0]}}}}))
    run_study(parse_config({"study": study, "datasets": targets, "network": {**network, "preset": "paper"}}))
    return store


def test_each_preset_is_its_own_selector_at_its_own_window(both_presets):
    with open_store(both_presets, read_only=True) as store:
        scores = selector_scores(store, k=10)
        accuracies = store.query("SELECT c.params, a.importance_window, a.accuracy, c.seed, c.dataset FROM cells c "
                                 "JOIN accuracies a USING (cell_id) WHERE c.method = 'set' AND a.k = 10")
    assert sorted(set(scores.selector)) == ["anova", "lasso", "mrmr", "paper", "recommended"]
    assert (scores.groupby(["dataset", "selector"]).seed.nunique() == 2).all()
    for preset, window in (("recommended", "best_epoch"), ("paper", "all_epochs")):
        mine = accuracies[accuracies.params.str.contains(f'"preset":"{preset}"') & (accuracies.importance_window == window)]
        got = scores[scores.selector == preset].sort_values(["dataset", "seed"]).score.to_numpy()
        np.testing.assert_allclose(got, 100 * mine.sort_values(["dataset", "seed"]).accuracy.to_numpy())
    assert scores[scores.selector == "lasso"].params.nunique() <= 2  # one C per dataset


def test_summary_csv_is_long_form(both_presets, tmp_path):
    with open_store(both_presets, read_only=True) as store:
        summary = summarise(selector_scores(store, k=10))
    table = long_summary(summary)
    assert list(table.columns) == ["dataset", "k", "selector", "mean", "std", "seeds"]
    assert len(table) == 2 * 5 and set(table.seeds) == {2} and set(table.k) == {10}


def test_the_report_has_the_selector_section_and_diagram(both_presets, tmp_path):
    from sparsefs.report import write_report

    with open_store(both_presets, read_only=True) as store:
        report = write_report(store, tmp_path / "report", k=10)
    page = report.index.read_text()
    assert "Selectors compared" in page and "critical_difference.png" in page
    assert (tmp_path / "report" / "figures" / "critical_difference.png").stat().st_size > 1000
    written = pd.read_csv(tmp_path / "report" / "tables" / "selector_summary.csv")
    assert set(written.selector) == {"anova", "lasso", "mrmr", "paper", "recommended"}


def test_the_selector_section_shows_coverage_where_the_truth_is_known(tmp_path):
    """On synthetic-<m> each selector's coverage of the informative features (the chosen
    configuration, at the selector's view) is tabled per m, equal to a direct count."""
    from sparsefs.datasets import load
    from sparsefs.evaluation import coverage
    from sparsefs.report import write_report

    store = str(tmp_path / "synthetic.sqlite")
    run_study(parse_config({"study": {"store": store, "datasets": ["synthetic-100", "synthetic-500"], "seeds": 2,
                                      "k": [100]},
                            "baselines": {"anova": {}, "mrmr": {}, "lasso": {"grid": {"C": [0.01, 1.0]}}}}))
    with open_store(store, read_only=True) as opened:
        write_report(opened, tmp_path / "report", k=100)
        chosen = selector_scores(opened, k=100)
        cells = opened.query("SELECT cell_id, dataset, method, params, seed FROM cells")
        expected = {}
        for cell in cells.itertuples():
            if not ((chosen.dataset == cell.dataset) & (chosen.selector == cell.method)
                    & (chosen.params == cell.params)).any():
                continue  # the C that was not chosen
            (vector,) = [windows["final"] for windows in opened.importances(cell.cell_id).values()]
            found = coverage(np.argsort(-vector, kind="stable"), load(cell.dataset).informative, 100)
            expected.setdefault((cell.method, int(cell.dataset.split("-")[1])), []).append(found)
    written = pd.read_csv(tmp_path / "report" / "tables" / "selector_coverage.csv")
    assert len(written) == 3 * 2 and set(written.seeds) == {2}
    for row in written.itertuples():
        assert row.mean == pytest.approx(np.mean(expected[(row.selector, row.m)]))
    page = (tmp_path / "report" / "index.html").read_text()
    assert "Coverage of the informative features among the first 100" in page
    assert "m = 500: the most informative features" in page


# --- sparsefs compare ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    rng = np.random.RandomState(0)
    X = rng.randn(90, 20)
    label = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    path = tmp_path_factory.mktemp("compare") / "cells.csv"
    pd.DataFrame(X, columns=[f"g{i}" for i in range(20)]).assign(outcome=label).to_csv(path, index=False)
    return path


def test_compare_command_prints_the_table_and_ranks(small_csv, tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert main(["compare", str(small_csv), "--target", "outcome", "-k", "2", "--repeats", "2", "--quiet",
                 "--selectors", "anova,mrmr,lasso,relieff", "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cells: 90 x 20, classification; top 2 features, 2 stratified splits" in printed
    assert "SVM test accuracy (%)" in printed and "mean rank over splits" in printed
    table = pd.read_csv(out)
    assert sorted(table.selector) == ["anova", "lasso", "mrmr", "relieff"] and set(table.seeds) == {2}
    assert table.loc[table.selector == "anova", "mean"].item() >= 90  # the two features carry the label


@needs_data("colon.mat")
def test_compare_runs_the_recommended_preset_beside_the_others_on_real_data(tmp_path):
    data = scipy.io.loadmat(SHARED_DATASETS / "colon.mat")
    path = tmp_path / "colon_small.mat"
    scipy.io.savemat(path, {"X": data["X"][:, :200], "Y": data["Y"]})
    result = compare_selectors(str(path), k=10, repeats=2, selectors=["recommended", "anova", "randomforest"],
                               network_params=TINY, store=str(tmp_path / "colon.sqlite"))
    assert (result.n_samples, result.n_features, result.task) == (62, 200, "classification")
    assert sorted(result.summary.selector) == ["anova", "randomforest", "recommended"] and not result.failures
    assert result.summary["rank"].min() == 1 and (result.summary.fit_seconds > 0).all()
    again = compare_selectors(str(path), k=10, repeats=2, selectors=["recommended", "anova", "randomforest"],
                              network_params=TINY, store=str(tmp_path / "colon.sqlite"))  # resumed from the store
    pd.testing.assert_frame_equal(result.summary, again.summary)


def test_compare_leaves_out_default_selectors_that_do_not_do_the_task(small_csv, tmp_path):
    frame = pd.read_csv(small_csv).drop(columns="outcome")
    frame["price"] = frame.g3 * 2.5 + 0.1
    frame.to_csv(tmp_path / "prices.csv", index=False)
    result = compare_selectors(str(tmp_path / "prices.csv"), target="price", k=2, repeats=2,
                               selectors=["anova", "mrmr"])
    assert result.task == "regression" and result.summary.iloc[0]["mean"] > 50
    with pytest.raises(ValueError, match="relieff selects for classification, not regression"):
        compare_selectors(str(tmp_path / "prices.csv"), target="price", selectors=["relieff"])


@pytest.mark.parametrize("arguments, message", [
    (["missing.csv", "--target", "y"], "does not exist"),
    (["{csv}"], "non-numeric feature column"),
    (["{csv}", "--target", "nope"], "has no column 'nope'"),
    (["{csv}", "--target", "outcome", "-k", "20"], "-k 20: choose between 1 and 19"),
    (["{csv}", "--target", "outcome", "--selectors", "forest"], "unknown selector 'forest'"),
    (["{csv}", "--target", "outcome", "--selectors", "variance"], "variance selects for unsupervised"),
    (["{csv}", "--target", "outcome", "--repeats", "0"], "--repeats: expected a positive integer"),
])
def test_compare_bad_input_is_one_clear_message(small_csv, capsys, arguments, message):
    try:
        code = main(["compare", *[a.replace("{csv}", str(small_csv)) for a in arguments], "--quiet"])
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    error = capsys.readouterr().err
    assert code == 2 and message in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1
