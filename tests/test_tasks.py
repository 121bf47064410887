"""Regression and unsupervised selection: the selector, the attribution of each task against a
jacrev oracle, bad targets, the CLI, and a study of each task end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits, make_friedman1

from sparsefs import SparseFeatureSelector
from sparsefs.cli import main
from sparsefs.importance import NeuronAttribution, TrainingStep
from sparsefs.network import SparseMLP
from sparsefs.registry import TASKS
from sparsefs.study import open_store, parse_config, results_table, run_study
from sparsefs.tasks import resolve_task


def small(k=5, **params):
    return SparseFeatureSelector(k, **{"sparsity": 0.8, "hidden_layer_sizes": (64,), "max_epochs": 40,
                                       "random_state": 0, **params})


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=600, n_features=40, noise=0.5, random_state=0)
    return X, y


class TestRegression:
    def test_finds_the_informative_features(self, friedman):
        X, y = friedman
        selector = small().fit(X, y)
        assert selector.task_ == "regression" and not hasattr(selector, "classes_")
        assert len(set(selector.ranked_features_[:5]) & set(range(5))) >= 4, selector.ranked_features_[:10]
        assert selector.history_["val_r2"][selector.best_epoch_ - 1] > 0.5
        assert "val_accuracy" not in selector.history_

    def test_several_outputs(self, friedman):
        X, y = friedman
        selector = small(max_epochs=5).fit(X, np.c_[y, -2 * y + 1])
        assert selector.task_ == "regression" and selector.feature_importances_.shape == (40,)

    def test_same_seed_same_ranking(self, friedman):
        X, y = friedman
        a, b = small(max_epochs=3).fit(X, y), small(max_epochs=3).fit(X, y)
        np.testing.assert_array_equal(a.ranking_, b.ranking_)

    @pytest.mark.parametrize("y_change, message", [
        (lambda y: np.where(np.arange(len(y)) == 7, np.nan, y), r"1 row\(s\) with NaN or infinite targets, row\(s\) 8"),
        (lambda y: np.where(np.arange(len(y)) == 3, np.inf, y), "NaN or infinite"),
        (lambda y: np.c_[y, np.full(len(y), 2.0)], r"target column\(s\) 1 of y are constant"),
    ], ids=["nan", "inf", "constant-column"])
    def test_bad_targets_are_named(self, friedman, y_change, message):
        X, y = friedman
        with pytest.raises(ValueError, match=message):
            small(task="regression", max_epochs=1).fit(X, y_change(y))

    def test_a_supervised_task_needs_y(self, friedman):
        with pytest.raises(ValueError, match="task='regression' needs y"):
            small(task="regression").fit(friedman[0])

    def test_continuous_y_forced_to_classification_is_refused(self, friedman):
        X, y = friedman
        with pytest.raises(ValueError, match="classification needs one column of class labels; y is 'continuous'"):
            small(task="classification").fit(X, y)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


class TestUnsupervised:
    def test_fit_without_y(self, digits):
        X, _ = digits
        selector = small(max_epochs=3, importance=["attribution", "strength"]).fit(X)
        assert selector.task_ == "unsupervised"
        assert np.isfinite(selector.history_["val_r2"]).all()
        constant = np.ptp(X, axis=0) == 0
        assert np.all(selector.feature_importances_[constant] == 0) and selector.feature_importances_.max() > 0

    def test_a_given_y_is_ignored_when_unsupervised(self, digits):
        X, y = digits
        without = small(max_epochs=2, task="unsupervised").fit(X)
        with_y = small(max_epochs=2, task="unsupervised").fit(X, y)
        np.testing.assert_array_equal(without.feature_importances_, with_y.feature_importances_)

    def test_in_a_pipeline(self, digits):
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import SVC

        X, y = digits
        pipe = make_pipeline(small(20, max_epochs=2, task="unsupervised"), SVC()).fit(X, y)
        assert pipe.score(X, y) > 0.5


@pytest.mark.parametrize("task_name, n_outputs", [("classification", 3), ("regression", 2), ("unsupervised", 6)])
def test_attribution_of_each_task_equals_the_jacrev_oracle(task_name, n_outputs):
    torch.manual_seed(0)
    n_features = 6
    network = SparseMLP(n_features, (9, 5), n_outputs, density=0.6, generator=torch.Generator().manual_seed(1))
    inputs = torch.randn(7, n_features)
    logits, pre = network(inputs)
    task = TASKS[task_name]
    step = TrainingStep(network, inputs, logits.detach(), pre, lambda z: task.output_jacobian(z))
    scores = NeuronAttribution().score(step)

    outputs = {"classification": lambda z: torch.softmax(z, dim=-1)}.get(task_name, lambda z: z)
    per_sample = torch.func.vmap(torch.func.jacrev(lambda x: outputs(network(x.unsqueeze(0))[0].squeeze(0))))(inputs)
    oracle = per_sample.abs().sum(dim=1).mean(dim=0)  # sum over outputs, mean over samples
    torch.testing.assert_close(scores, oracle, rtol=1e-5, atol=1e-6)


def test_unsupervised_attribution_samples_outputs_without_bias():
    # Beyond max_outputs, the autoencoder's attribution sums a random subset of outputs scaled to
    # all of them: its mean over draws is the full sum.
    task = TASKS["unsupervised"]
    logits = torch.randn(4, 80)
    generator = torch.Generator().manual_seed(0)
    draws = torch.stack([task.output_jacobian(logits, generator).abs().sum(dim=1) for _ in range(400)])
    assert task.output_jacobian(logits, generator).shape == (4, 32, 80)
    torch.testing.assert_close(draws.mean(dim=0), torch.ones(4, 80), rtol=0.1, atol=0.1)


def test_the_task_is_inferred_from_y():
    assert resolve_task("auto", np.array(["a", "b"])).name == "classification"
    assert resolve_task("auto", np.array([0.1, 2.5, 3.0])).name == "regression"
    assert resolve_task("auto", np.array([[0.1, 1.0], [2.5, 0.3]])).name == "regression"
    assert resolve_task("auto", None).name == "unsupervised"
    assert resolve_task("auto", np.array([1.0, np.nan, 0.0, 1.0])).name == "classification"  # labels with a gap
    with pytest.raises(ValueError, match="multilabel-indicator"):
        resolve_task("auto", np.array([[0, 1], [1, 1], [1, 0]]))


class TestCommandLine:
    def test_select_regresses_a_continuous_column_and_evaluates_it(self, tmp_path, capsys):
        X, y = make_friedman1(n_samples=300, n_features=12, noise=0.5, random_state=0)
        path = tmp_path / "friedman.csv"
        pd.DataFrame(X, columns=[f"x{j}" for j in range(12)]).assign(price=y).to_csv(path, index=False)
        out = tmp_path / "ranking.csv"
        assert main(["select", str(path), "--target", "price", "-k", "5", "--max-epochs", "5", "--out", str(out),
                     "--quiet"]) == 0
        printed = capsys.readouterr().out
        assert "a continuous target (regression)" in printed and "validation R²" in printed
        assert len(pd.read_csv(out)) == 12
        assert main(["evaluate", str(path), "--target", "price", "--ranking", str(out), "-k", "5"]) == 0
        assert "SVR (RBF) test R² and RMSE" in capsys.readouterr().out

    def test_select_without_target_is_unsupervised(self, tmp_path, capsys):
        path = tmp_path / "cells.csv"
        pd.DataFrame(np.random.RandomState(0).randn(80, 6), columns=list("abcdef")).to_csv(path, index=False)
        out = tmp_path / "ranking.csv"
        assert main(["select", str(path), "-k", "2", "--max-epochs", "2", "--out", str(out), "--quiet"]) == 0
        assert "no target: unsupervised selection" in capsys.readouterr().out
        assert sorted(pd.read_csv(out).feature) == list("abcdef")

    def test_an_unsupervised_selection_never_fits_on_the_rows_evaluate_tests(self, tmp_path, monkeypatch):
        # select --task unsupervised on labelled data, then evaluate by the labels: one split for both.
        from sparsefs import SparseFeatureSelector
        from sparsefs.splitting import paper_fit_rows

        rng = np.random.RandomState(0)
        X, y = rng.randn(200, 5), np.repeat([0, 1, 2, 3], 50)
        path = tmp_path / "labelled.csv"
        pd.DataFrame(X, columns=list("abcde")).assign(label=y).to_csv(path, index=False)
        fitted_on = []
        fit = SparseFeatureSelector.fit
        monkeypatch.setattr(SparseFeatureSelector, "fit",
                            lambda self, X, y=None, **kw: fitted_on.append(np.asarray(X)) or fit(self, X, y, **kw))
        assert main(["select", str(path), "--target", "label", "--task", "unsupervised", "-k", "2",
                     "--max-epochs", "1", "--hidden-layer-sizes", "8", "--out", str(tmp_path / "r.csv"),
                     "--quiet"]) == 0
        _, test_rows = paper_fit_rows(y, 0)  # what 'sparsefs evaluate' (classification) tests on, seed 0
        assert len(fitted_on) == 1 and len(fitted_on[0]) == 160
        fitted = {tuple(np.round(row, 6)) for row in fitted_on[0]}
        assert not fitted & {tuple(np.round(row, 6)) for row in X[test_rows]}

    def test_a_supervised_task_on_a_file_without_target_is_a_usage_error(self, tmp_path, capsys):
        path = tmp_path / "cells.csv"
        pd.DataFrame(np.random.RandomState(0).randn(20, 3), columns=list("abc")).to_csv(path, index=False)
        assert main(["select", str(path), "--task", "regression", "-k", "2", "--out", str(tmp_path / "r.csv")]) == 2
        assert "--task regression needs a target" in capsys.readouterr().err


NETWORK = {"training": ["set"], "importance": ["attribution", "strength"], "sparsity": [0.9],
           "hidden_layer_sizes": [32], "max_epochs": 4}


def test_a_regression_study_end_to_end(tmp_path):
    config = parse_config({
        "study": {"store": str(tmp_path / "reg.sqlite"), "datasets": ["friedman-200"], "seeds": 1, "k": [5]},
        "network": NETWORK, "baselines": {"lasso": {}, "random": {}},
    })
    summary = run_study(config)
    assert summary.failed == 0
    with open_store(tmp_path / "reg.sqlite", read_only=True) as store:
        table = results_table(store, k=5)
        measures = set(store.query("SELECT DISTINCT measure FROM scores").measure)
    assert set(table.method) == {"SET-QS", "SET-Attr", "Lasso", "Random"} and set(table.task) == {"regression"}
    assert measures == {"r2", "rmse"}
    assert table.set_index("method").loc["Lasso", "acc_mean"] > 50  # R² in percent: Lasso finds the linear part


def test_an_unsupervised_study_hides_the_labels_and_judges_by_them(tmp_path):
    config = parse_config({
        "study": {"store": str(tmp_path / "u.sqlite"), "datasets": ["synthetic-100"], "seeds": 1, "k": [10],
                  "task": "unsupervised"},
        "network": NETWORK, "baselines": {"variance": {}, "laplacian": {}, "random": {}},
    })
    assert run_study(config).failed == 0
    with open_store(tmp_path / "u.sqlite", read_only=True) as store:
        table = results_table(store, k=10)
        cells = store.query("SELECT configuration FROM cells")
        measures = set(store.query("SELECT DISTINCT measure FROM scores").measure)
    assert set(table.method) == {"SET-QS", "SET-Attr", "Variance", "Laplacian", "Random"}
    assert set(table.task) == {"unsupervised"} and measures == {"accuracy", "reconstruction_mse"}
    assert all(json.loads(c)["task"] == "unsupervised" for c in cells.configuration)


def test_a_baseline_that_cannot_do_the_task_is_a_configuration_error():
    from sparsefs.study import ConfigError

    with pytest.raises(ConfigError, match="Variance selects for unsupervised, not classification"):
        parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
                      "baselines": {"variance": {}}})
