"""SparseFeatureSelector: determinism, inputs, selection quality, scikit-learn integration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from sparsefs import SparseFeatureSelector
from sparsefs.evaluation import coverage
from sparsefs.importance import WINDOWS


def small(**kwargs):
    params = dict(n_features_to_select=5, hidden_layer_sizes=(32, 8), max_epochs=8, random_state=0)
    return SparseFeatureSelector(**{**params, **kwargs})


@pytest.fixture(scope="module")
def data():
    return make_classification(160, 40, n_informative=6, n_redundant=0, n_classes=3, shuffle=False, random_state=1)


class TestDeterminism:
    @pytest.mark.parametrize("training", ["set", "rigl", "dense"])
    def test_same_random_state_same_ranking(self, data, training):
        X, y = data
        a = small(training=training, random_state=7).fit(X, y)
        b = small(training=training, random_state=7).fit(X, y)
        np.testing.assert_array_equal(a.ranking_, b.ranking_)
        np.testing.assert_array_equal(a.feature_importances_, b.feature_importances_)
        assert a.history_ == b.history_

    def test_other_random_state_other_run(self, data):
        X, y = data
        a = small(random_state=1).fit(X, y)
        b = small(random_state=2).fit(X, y)
        assert not np.array_equal(a.feature_importances_, b.feature_importances_)


class TestSelectionQuality:
    def test_set_attribution_finds_the_informative_features(self):
        # make_classification with shuffle=False puts the 10 informative features first.
        X, y = make_classification(600, 50, n_informative=10, n_redundant=0, shuffle=False, random_state=0)
        params = dict(hidden_layer_sizes=(100, 20), sparsity=0.8, max_epochs=100, patience=20, random_state=0)
        found = SparseFeatureSelector(10, training="set", importance="attribution", **params).fit(X, y)
        chance = SparseFeatureSelector(10, training="set", importance="random", **params).fit(X, y)
        # A random top-10 of 50 holds 2 informative features on average; P(>= 6) < 1e-3.
        assert coverage(found.ranked_features_, range(10), 10) >= 0.6
        assert coverage(chance.ranked_features_, range(10), 10) < 0.6

    @pytest.mark.parametrize("training", ["dense", "set"])
    def test_constant_features_rank_last_with_zero_importance(self, data, training):
        X, y = data
        X = X.copy()
        X[:, [3, 17]] = 5.0
        selector = small(training=training, importance="attribution").fit(X, y)
        assert np.all(selector.feature_importances_[[3, 17]] == 0)
        positions = selector.ranking_ - 1
        n_positive = int((selector.feature_importances_ > 0).sum())
        assert positions[3] >= n_positive and positions[17] >= n_positive
        if training == "dense":  # every other input is connected, so they come last
            assert set(selector.ranked_features_[-2:]) == {3, 17}


class TestInputs:
    def test_dataframe_keeps_feature_names(self, data):
        X, y = data
        frame = pd.DataFrame(X, columns=[f"gene_{i}" for i in range(X.shape[1])])
        selector = small().fit(frame, y)
        np.testing.assert_array_equal(selector.feature_names_in_, frame.columns)
        expected = frame.columns[np.sort(selector.ranked_features_[:5])]
        np.testing.assert_array_equal(selector.get_feature_names_out(), expected)
        out = selector.set_output(transform="pandas").transform(frame)
        assert list(out.columns) == list(expected)

    def test_sparse_input_matches_dense_input(self, data):
        X, y = data
        X = np.where(np.abs(X) > 1, X, 0.0)
        # sparse input is scaled, never centred: the same input to the network needs a dense X
        # scaled the same way (here: both unscaled)
        dense = small(standardize=False).fit(X, y)
        sparse = small(standardize=False).fit(sp.csr_matrix(X), y)
        np.testing.assert_allclose(sparse.feature_importances_, dense.feature_importances_, rtol=1e-4)
        np.testing.assert_array_equal(sparse.ranking_[:5], dense.ranking_[:5])
        assert sp.issparse(sparse.transform(sp.csr_matrix(X)))

    def test_sparse_input_is_never_densified(self, monkeypatch):
        X = sp.random(9000, 4000, density=0.002, format="csr", random_state=0)
        y = np.arange(9000) % 2
        seen_rows = []
        original = sp.csr_matrix.toarray

        def spy(self, *args, **kwargs):
            seen_rows.append(self.shape)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
        monkeypatch.setattr(sp.csr_matrix, "todense", spy)
        selector = small(batch_size=50, max_epochs=1).fit(X, y)
        # only (1, n_features) vectors (column statistics); no batch and not the whole matrix
        assert [shape for shape in seen_rows if shape[0] > 1] == []
        assert selector.feature_importances_.shape == (4000,)

    def test_string_labels(self, data):
        X, y = data
        names = np.array(["setosa", "versicolor", "virginica"])[y]
        selector = small().fit(X, names)
        np.testing.assert_array_equal(selector.classes_, ["setosa", "versicolor", "virginica"])
        reference = small().fit(X, y)
        np.testing.assert_array_equal(selector.ranking_, reference.ranking_)

    def test_several_metrics_in_one_run(self, data):
        X, y = data
        both = small(importance=["strength", "attribution"], accumulate="best_epoch").fit(X, y)
        assert set(both.importances_) == {"strength", "attribution"}
        assert all(set(windows) == set(WINDOWS) for windows in both.importances_.values())
        np.testing.assert_array_equal(both.feature_importances_, both.importances_["strength"]["best_epoch"])
        alone = small(importance="attribution").fit(X, y)
        np.testing.assert_array_equal(alone.feature_importances_, both.importances_["attribution"]["all_epochs"])


class TestTrainingControls:
    def test_fitted_attributes(self, data):
        X, y = data
        selector = small(training="set", sparsity=0.8, max_epochs=5).fit(X, y)
        assert selector.n_features_in_ == 40
        assert selector.n_epochs_ == 5 == len(selector.history_["val_loss"])
        assert 1 <= selector.best_epoch_ <= 5
        assert selector.get_support().sum() == 5
        assert selector.transform(X).shape == (160, 5)
        dense = small(training="dense", max_epochs=5).fit(X, y)
        assert selector.n_parameters_ < dense.n_parameters_
        assert selector.training_flops_ < dense.training_flops_

    def test_l2_reaches_the_optimiser(self, data):
        X, y = data
        weak = small(training="dense", l2=1e-5).fit(X, y)
        strong = small(training="dense", l2=1e-1).fit(X, y)
        assert weak.history_["train_loss"] != strong.history_["train_loss"]

    def test_early_stopping_with_patience(self, data):
        X, y = data
        selector = small(training="dense", max_epochs=300, patience=3, learning_rate=0.02).fit(X, y)
        assert selector.n_epochs_ == selector.best_epoch_ + 3 < 300

    def test_no_validation_trains_every_epoch(self, data):
        X, y = data
        selector = small(validation_fraction=0.0, max_epochs=4).fit(X, y)
        assert selector.best_epoch_ == selector.n_epochs_ == 4

    def test_batch_size_auto_follows_the_paper(self, data):
        def batch_size(selector, n_samples):
            return selector._training_config(selector._settings(), n_samples).batch_size

        assert batch_size(small(), 199) == 32
        assert batch_size(small(), 200) == 100
        assert batch_size(small(batch_size=7), 1000) == 7

    def test_verbose_prints_each_epoch_and_callback_sees_it(self, data, capsys):
        X, y = data
        seen = []
        small(verbose=1, max_epochs=3).fit(X, y, on_epoch_end=seen.append)
        assert capsys.readouterr().out.count("epoch ") == 3
        assert [record["epoch"] for record in seen] == [1, 2, 3]

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
    def test_cuda_gives_a_ranking(self, data):
        X, y = data
        assert small(device="cuda").fit(X, y).ranking_.shape == (40,)


class TestBadInput:
    @pytest.mark.parametrize(
        "change, message",
        [
            (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y), "NaN"),
            (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), y), "infinity"),
            (lambda X, y: (X, np.zeros_like(y)), "at least 2 classes"),
            (lambda X, y: (X, np.r_[y[:-1], 9]), "class 9 has only 1 sample.*at least 2"),
            (lambda X, y: (X[:-3], y), r"X has \d+ rows but y has \d+"),
            (lambda X, y: (X[:, 0], y), "Expected 2D array"),
        ],
        ids=["nan", "inf", "one-class", "singleton-class", "length-mismatch", "1d-X"],
    )
    def test_data_errors_name_the_problem(self, data, change, message):
        X, y = change(*data)
        with pytest.raises(ValueError, match=message):
            small().fit(X, y)

    @pytest.mark.parametrize(
        "params, message",
        [
            (dict(n_features_to_select=0), "n_features_to_select"),
            (dict(n_features_to_select=41), "n_features_to_select=41 is larger than the 40 features"),
            (dict(sparsity=1.0), "sparsity"),
            (dict(sparsity=-0.1), "sparsity"),
            (dict(training="lottery"), "training"),
            (dict(importance="shap"), "importance"),
            (dict(importance=["strength", "shap"]), "importance must name"),
            (dict(hidden_layer_sizes=(10, 0)), "hidden_layer_sizes"),
            (dict(hidden_layer_sizes=(True,)), "hidden_layer_sizes must be positive integers"),  # not a size of 1
            (dict(device="cuda:7" if not torch.cuda.is_available() else "nonsense"), "device"),
        ],
    )
    def test_parameter_errors_name_the_parameter(self, data, params, message):
        X, y = data
        with pytest.raises(ValueError, match=message):
            small(**params).fit(X, y)

    def test_non_numeric_dataframe_columns(self, data):
        X, y = data
        frame = pd.DataFrame(X).assign(tissue="liver", batch="b1")
        with pytest.raises(ValueError, match="2 non-numeric column.*tissue, batch"):
            small().fit(frame, y)


class TestScikitLearnIntegration:
    def test_pipeline_with_svc(self, data):
        X, y = data
        pipe = Pipeline([("select", small(n_features_to_select=6)), ("svm", SVC())]).fit(X, y)
        assert pipe.named_steps["svm"].n_features_in_ == 6
        assert pipe.score(X, y) > 0.5

    def test_grid_search_over_sparsity(self, data):
        X, y = data
        pipe = Pipeline([("select", small(max_epochs=3)), ("svm", SVC())])
        search = GridSearchCV(pipe, {"select__sparsity": [0.5, 0.9]}, cv=2).fit(X, y)
        assert search.best_params_["select__sparsity"] in (0.5, 0.9)

    def test_clone_keeps_parameters_not_fit(self, data):
        X, y = data
        fitted = small(sparsity=0.7).fit(X, y)
        copy = clone(fitted)
        assert copy.get_params() == fitted.get_params()
        assert not hasattr(copy, "ranking_")


class TestRefit:
    def test_a_refit_forgets_every_attribute_it_does_not_set(self, data):
        # issue 23, item 3: leaving repeats, "auto" or keep_network must leave nothing of them behind
        X, y = data
        selector = small(n_repeats=2, keep_network=True, n_features_to_select="auto", cv=2, max_epochs=2).fit(X, y)
        earlier = ("selection_frequency_", "stability_", "stability_interval_", "k_scores_", "network_")
        assert all(hasattr(selector, name) for name in earlier)
        selector.set_params(n_repeats=1, keep_network=False, n_features_to_select=3).fit(X, y)
        assert [name for name in earlier if hasattr(selector, name)] == []
        assert selector.n_features_to_select_ == 3 and selector.importances_per_repeat_.shape == (1, X.shape[1])

    def test_a_baseline_refit_forgets_its_earlier_fit(self, data):
        from sparsefs.baselines import LassoSelector

        X, y = data
        selector = LassoSelector("auto", cv=2, random_state=0).fit(X, y)
        assert hasattr(selector, "k_scores_") and hasattr(selector, "classes_")
        selector.set_params(n_features_to_select=4, task="regression").fit(X, y.astype(float) + X[:, 0])
        assert not hasattr(selector, "k_scores_") and not hasattr(selector, "classes_")
        assert selector.task_ == "regression" and selector.get_support().sum() == 4
