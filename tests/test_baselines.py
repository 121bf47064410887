"""The Lasso, LassoNet and STG baselines (classification): what they select, their costs, their seeding, the shims."""

from __future__ import annotations

import collections
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from sparsefs import SparseFeatureSelector
from sparsefs.baselines import BASELINES, BaselineUnavailable, LassoSelector
from sparsefs.splitting import stratified_split, validation_split

from ._helpers import load_mat

FAST = {
    "lasso": {},
    "lassonet": {"hidden_dims": (8,), "lambda_start": 1.0, "path_multiplier": 1.3, "n_iters": (200, 20), "patience": (20, 5),
                 "learning_rate": (1e-2, 1e-3)},
    "stg": {"hidden_dims": (16,), "max_epochs": 60, "learning_rate": 1e-2, "lam": 0.5},
    "extratrees": {"n_estimators": 20},
    "randomforest": {"n_estimators": 20},
}


def fast(name: str, **kwargs):
    return make(name, 5, **{"random_state": 0, **FAST[name], **kwargs})


def make(name: str, k: int, **params):
    """A fresh copy of the registered baseline ``name`` selecting ``k`` features."""
    return clone(BASELINES[name]).set_params(n_features_to_select=k, **params)


@pytest.fixture(scope="module")
def informative_first():
    # The label is the sign of the sum of the first 5 of 30 features: each of them matters.
    X = np.random.RandomState(3).randn(200, 30)
    return X, (X[:, :5].sum(axis=1) > 0).astype(int)


@pytest.mark.parametrize("name", [name for name, baseline in BASELINES.items() if baseline.in_paper])
class TestEveryBaseline:
    def test_ranks_the_informative_features_first(self, name, informative_first):
        X, y = informative_first
        selector = fast(name).fit(X, y)
        found = np.intersect1d(selector.ranked_features_[:5], np.arange(5)).size
        assert found == 5, selector.ranked_features_[:10]
        assert sorted(np.flatnonzero(selector.get_support())) == sorted(selector.ranked_features_[:5])

    def test_reports_validation_loss_and_costs(self, name, informative_first):
        X, y = informative_first
        selector = fast(name).fit(X, y)
        assert np.isfinite(selector.val_loss_) and selector.val_loss_ >= 0
        assert selector.n_parameters_ > X.shape[1]
        assert selector.training_flops_ > 0 and selector.n_iter_ > 0

    def test_same_seed_same_ranking_and_global_generators_untouched(self, name, informative_first):
        X, y = informative_first
        torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
        a = fast(name).fit(X, y)
        assert torch.equal(torch.get_rng_state(), torch_state)
        assert np.array_equal(np.random.get_state()[1], numpy_state[1])
        b = clone(a).fit(X, y)
        np.testing.assert_array_equal(a.feature_importances_, b.feature_importances_)
        assert a.val_loss_ == b.val_loss_

    def test_validation_rows_are_the_network_selectors(self, name, informative_first, monkeypatch):
        # A study compares baselines with networks fitted on the same rows: one split (RankingSelector's).
        X, y = informative_first
        seen = []
        from sparsefs.selector import _ranking

        def spy(n_samples, fraction, random_state, strata=None):
            seen.append(validation_split(n_samples, fraction, random_state, strata=strata))
            return seen[-1]

        monkeypatch.setattr(_ranking, "validation_split", spy)
        fast(name, random_state=11).fit(X, y)
        SparseFeatureSelector(5, hidden_layer_sizes=(4,), max_epochs=1, random_state=11).fit(X, y)
        (baseline_train, baseline_val), (network_train, network_val) = seen
        np.testing.assert_array_equal(baseline_train, network_train)
        np.testing.assert_array_equal(baseline_val, network_val)
        expected_train, expected_val = stratified_split(y, 0.2, 11)
        np.testing.assert_array_equal(baseline_train, expected_train)
        np.testing.assert_array_equal(baseline_val, expected_val)

    def test_bad_parameters_are_named(self, name, informative_first):
        X, y = informative_first
        with pytest.raises(ValueError, match="n_features_to_select"):
            make(name, 0).fit(X, y)

    def test_bad_input_gets_the_selectors_clear_messages(self, name, informative_first):
        X, y = informative_first
        with pytest.raises(ValueError, match="1 non-numeric column"):
            make(name, 3).fit(pd.DataFrame(X).assign(tissue="liver"), y)
        with pytest.raises(ValueError, match="at least 2 classes"):
            make(name, 3).fit(X, np.zeros(len(y)))


class TestLasso:
    def test_flops_count_one_training_step_per_solver_iteration(self, informative_first):
        X, y = informative_first
        selector = LassoSelector(5, random_state=0).fit(X, y)
        n_train = len(stratified_split(y, 0.2, 0)[0])
        assert selector.training_flops_ == selector.n_iter_ * 3 * 2 * n_train * X.shape[1]

    def test_multiclass_sums_the_one_vs_rest_coefficients(self):
        X, y = load_mat("lymphoma.mat")
        selector = LassoSelector(20, C=0.1, random_state=0).fit(X, y)
        n_classes = len(np.unique(y))
        assert selector.n_parameters_ == n_classes * (X.shape[1] + 1)
        nonzero = np.count_nonzero(selector.feature_importances_)
        assert 0 < nonzero < X.shape[1]  # L1 zeroes most genes
        assert np.all(selector.feature_importances_[selector.ranked_features_[nonzero:]] == 0)

    def test_reproducible_in_threads_of_one_process(self):
        # liblinear's coordinate order comes from the C library's process-wide rand(): fits in
        # threads (joblib's threading backend) must not draw from each other's sequences.
        import joblib

        X, y = load_mat("colon.mat")
        fit = lambda seed: LassoSelector(10, random_state=seed).fit(X, y).feature_importances_  # noqa: E731
        alone = [fit(seed) for seed in range(4)]
        for _ in range(3):
            together = joblib.Parallel(n_jobs=4, backend="threading")(joblib.delayed(fit)(seed) for seed in range(4))
            for a, b in zip(alone, together):
                np.testing.assert_array_equal(a, b)


class TestLassoNet:
    def test_features_are_ordered_by_the_lambda_at_which_they_leave(self, informative_first):
        X, y = informative_first
        selector = fast("lassonet").fit(X, y)
        leave = selector.feature_importances_
        assert np.all(np.diff(leave[selector.ranked_features_]) <= 0)
        assert np.isfinite(leave).all() and (leave > 0).all()  # the path ran until no feature was left

    def test_flops_follow_the_documented_formula(self, informative_first, monkeypatch):
        X, y = informative_first
        captured = {}
        from lassonet import LassoNetClassifier

        original = LassoNetClassifier.path

        def recording_path(model, *args, **kwargs):
            captured["path"] = original(model, *args, **kwargs)
            return captured["path"]

        monkeypatch.setattr(LassoNetClassifier, "path", recording_path)
        selector = fast("lassonet").fit(X, y)
        n_train = len(stratified_split(y, 0.2, 0)[0])
        n_val = len(y) - n_train
        weights = X.shape[1] * 8 + 8 * 2 + X.shape[1] * 2  # hidden layer, output layer, skip layer
        per_epoch = 3 * 2 * weights * n_train + 2 * weights * n_val
        expected = sum(item.n_iters * per_epoch + 2 * weights * n_val for item in captured["path"])
        assert selector.training_flops_ == expected
        assert selector.val_loss_ == min(item.val_loss for item in captured["path"])


class TestSTG:
    def test_the_shim_leaves_the_standard_collections_alone(self, informative_first):
        X, y = informative_first
        fast("stg").fit(X, y)  # fails on Python >= 3.10 without the shim
        import stg.utils

        assert not hasattr(collections, "Sequence")
        assert stg.utils.collections.Sequence is collections.abc.Sequence

    def test_gate_means_are_the_importances(self, informative_first):
        X, y = informative_first
        selector = fast("stg").fit(X, y)
        assert selector.feature_importances_.shape == (X.shape[1],)
        # Gates of informative features stay open (mu + 0.5 > 0), the penalty closes the rest.
        assert selector.feature_importances_[:5].mean() > selector.feature_importances_[5:].mean()


@pytest.mark.parametrize("name, module", [("lassonet", "lassonet"), ("stg", "stg")])
def test_a_missing_package_is_a_clear_error(name, module, informative_first, monkeypatch):
    X, y = informative_first
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(BaselineUnavailable, match=rf"needs the '{module}' package.*sparsefs\[baselines\]"):
        fast(name).fit(X, y)


def test_every_baseline_selects_by_fraction_threshold_and_auto(informative_first):
    # The ranking selector's K choices, shared by every baseline (RankingSelector).
    from sparsefs.baselines import RandomSelector, VarianceSelector

    X, y = informative_first
    assert LassoSelector(0.1, random_state=0).fit(X, y).get_support().sum() == 3  # 10% of 30 features
    assert LassoSelector(None, random_state=0).fit(X, y).n_features_to_select_ == 15  # half, as RFE
    capped = LassoSelector(2, threshold="mean", random_state=0).fit(X, y)
    above = LassoSelector(None, threshold="mean", random_state=0).fit(X, y)
    importances = above.feature_importances_
    assert above.n_features_to_select_ == int((importances >= importances.mean()).sum()) > capped.n_features_to_select_ == 2
    auto = RandomSelector("auto", cv=3, random_state=0).fit(X, y)
    assert auto.n_features_to_select_ in auto.k_scores_ and auto.get_support().sum() == auto.n_features_to_select_
    assert VarianceSelector(0.5, random_state=0).fit(X).get_support().sum() == 15
    with pytest.raises(ValueError, match="'auto' .* needs a supervised task"):
        VarianceSelector("auto").fit(X)
    with pytest.raises(ValueError, match="threshold='max'"):
        LassoSelector(3, threshold="max").fit(X, y)


@pytest.mark.parametrize("name", [name for name, baseline in BASELINES.items() if "classification" in baseline.tasks])
def test_each_classification_baseline_takes_a_fraction_a_threshold_and_auto(name, informative_first):
    # Every baseline has the K interface of RankingSelector: threshold, estimator and cv are
    # its parameters (clone and set_params refuse a parameter __init__ lacks), and fit uses them.
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    X, y = informative_first
    fresh = clone(BASELINES[name]).set_params(random_state=0, **FAST.get(name, {}))
    fraction = clone(fresh).set_params(n_features_to_select=0.2).fit(X, y)
    assert fraction.n_features_to_select_ == fraction.get_support().sum() == 6  # 20% of 30 features
    above = clone(fresh).set_params(n_features_to_select=None, threshold="mean").fit(X, y)
    importances = above.feature_importances_
    assert (above.get_support() == (importances >= importances.mean())).all()
    assert 0 < above.n_features_to_select_ < X.shape[1]
    auto = clone(fresh).set_params(n_features_to_select="auto", estimator=LogisticRegression(), cv=3).fit(X, y)
    assert auto.n_features_to_select_ in auto.k_scores_ and auto.get_support().sum() == auto.n_features_to_select_
    # the score of K = 1 is that of the given estimator on the given folds
    top = X.astype(np.float32)[:, auto.ranked_features_[:1]]
    assert auto.k_scores_[1] == pytest.approx(cross_val_score(LogisticRegression(), top, y, cv=3).mean())
