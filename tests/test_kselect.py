"""Choosing K: counts, fractions, None, thresholds and "auto", against scikit-learn's semantics."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.feature_selection import RFE, SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from sparsefs import SparseFeatureSelector
from sparsefs.selector._kselect import choose_k_auto, k_grid, resolve_k, threshold_mask, threshold_value


def small(k=5, **kwargs):
    params = dict(hidden_layer_sizes=(16,), max_epochs=3, random_state=0)
    return SparseFeatureSelector(k, **{**params, **kwargs})


@pytest.fixture(scope="module")
def data():
    return make_classification(150, 40, n_informative=5, n_redundant=0, n_classes=3, shuffle=False, random_state=2)


class _Fixed(BaseEstimator):
    """An 'estimator' whose importances are given: scikit-learn's selectors then only count."""

    def __init__(self, importances=None):
        self.importances = importances

    def fit(self, X, y):
        # RFE refits on fewer columns: the given importances of the columns it kept.
        given = np.arange(X.shape[1], dtype=float) if self.importances is None else np.asarray(self.importances)
        self.feature_importances_ = given[: X.shape[1]]
        self.coef_ = self.feature_importances_[None, :]
        return self


@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.25, 1 / 3, 0.5, 0.77, 0.999, 1.0])
@pytest.mark.parametrize("n_features", [7, 40, 101])
def test_fractions_round_as_rfe(fraction, n_features):
    X = np.random.RandomState(0).randn(10, n_features)
    rfe = RFE(_Fixed(), n_features_to_select=fraction).fit(X, np.arange(10) % 2)
    # RFE keeps int(fraction * n); sparsefs does too, but never fewer than one feature.
    assert resolve_k(fraction, n_features) == max(1, rfe.n_features_)


@pytest.mark.parametrize("n_features", [2, 7, 40])
def test_none_is_half_as_rfe(n_features):
    X = np.random.RandomState(0).randn(10, n_features)
    rfe = RFE(_Fixed(), n_features_to_select=None).fit(X, np.arange(10) % 2)
    assert resolve_k(None, n_features) == rfe.n_features_


def test_fraction_and_none_on_the_estimator(data):
    X, y = data
    for setting, expected in [(0.25, 10), (1.0, 40), (None, 20), (7, 7)]:
        selector = small(setting).fit(X, y)
        assert selector.n_features_to_select_ == expected
        assert selector.transform(X).shape == (150, expected)
        top = np.argsort(-selector.feature_importances_, kind="stable")[:expected]
        assert set(np.flatnonzero(selector.get_support())) == set(top)


@pytest.mark.parametrize("threshold", ["mean", "median", "1.5*mean", "0.5*median", " 2 * mean", 0.01, -1.0, 1e9])
@pytest.mark.parametrize("cap", [None, 3])
def test_threshold_matches_select_from_model(threshold, cap):
    importances = np.random.RandomState(3).exponential(size=30)
    importances[5:8] = importances[4]  # ties
    X = np.zeros((4, 30))
    reference = SelectFromModel(_Fixed(importances), threshold=threshold, max_features=cap).fit(X, [0, 1, 0, 1])
    np.testing.assert_array_equal(threshold_mask(importances, threshold, cap), reference.get_support())


def test_threshold_on_the_estimator(data):
    X, y = data
    selector = small(None, threshold="mean").fit(X, y)
    expected = selector.feature_importances_ >= selector.feature_importances_.mean()
    np.testing.assert_array_equal(selector.get_support(), expected)
    assert selector.n_features_to_select_ == expected.sum()
    capped = small(2, threshold="mean").fit(X, y)
    assert capped.n_features_to_select_ == min(2, expected.sum())
    # With a threshold an int is a cap, so it may exceed the number of features.
    assert small(100, threshold="median").fit(X, y).n_features_to_select_ == 20


def test_threshold_values():
    values = np.array([1.0, 2.0, 3.0, 10.0])
    assert threshold_value("mean", values) == 4.0
    assert threshold_value("median", values) == 2.5
    assert threshold_value("1.5*median", values) == 3.75
    assert threshold_value(0.5, values) == 0.5


def test_k_grid():
    assert k_grid(1) == [1]
    assert k_grid(5) == [1, 2, 5]
    assert k_grid(6) == [1, 2, 5, 6]
    assert k_grid(100) == [1, 2, 5, 10, 20, 50, 100]
    assert k_grid(5966)[-3:] == [2000, 5000, 5966]


def _expected_choice(scores: dict, tol: float) -> tuple[int, int]:
    """The rule, replayed over the scores: (the choice, how many K it tried)."""
    tried, best, misses = list(scores), None, 0
    for position, k in enumerate(tried):
        if best is None or scores[k] - scores[best] >= tol:
            best, misses = k, 0
        else:
            misses += 1
            if misses == 2:
                return best, position + 1
    return best, len(tried)


def test_auto_follows_the_stopping_rule(data):
    X, y = data
    selector = small("auto", tol=0.01, cv=3).fit(X, y)
    k, scores = selector.n_features_to_select_, selector.k_scores_
    assert list(scores) == k_grid(40)[: len(scores)]
    assert _expected_choice(scores, 0.01) == (k, len(scores))
    assert selector.transform(X).shape == (150, k)


def test_auto_scores_are_the_estimators_cross_validated_scores(data):
    X, y = data
    estimator = LogisticRegression(max_iter=500)
    selector = small("auto", estimator=estimator, tol=0.0, cv=3).fit(X, y)
    order = np.argsort(-selector.feature_importances_, kind="stable")
    for k, score in selector.k_scores_.items():
        assert score == pytest.approx(cross_val_score(estimator, X[:, order[:k]], y, cv=3).mean())


def test_auto_stops_early_with_a_large_tolerance():
    X, y = make_classification(200, 30, n_informative=3, n_redundant=0, shuffle=False, random_state=0)
    importances = np.r_[np.ones(3), np.zeros(27)]
    k, scores = choose_k_auto(X, y, importances, LogisticRegression(), tol=1.0, cv=3)
    assert (k, list(scores)) == (1, [1, 2, 5])  # no gain of 1.0 in two grid steps


@pytest.mark.parametrize(
    "params",
    [
        {"n_features_to_select": 0},
        {"n_features_to_select": -3},
        {"n_features_to_select": 0.0},
        {"n_features_to_select": 1.5},
        {"n_features_to_select": "half"},
        {"threshold": "max"},
        {"threshold": "x*mean"},
        {"threshold": "1.5*max"},
        {"threshold": [1.0]},
        {"threshold": "mean", "n_features_to_select": "auto"},
        {"estimator": object()},
        {"tol": -0.1},
        {"cv": "five"},
    ],
)
def test_bad_k_settings_are_refused(data, params):
    X, y = data
    with pytest.raises(ValueError):
        small(**{"k": params.pop("n_features_to_select", 5), **params}).fit(X, y)


def test_bad_threshold_is_refused_before_training():
    with pytest.raises(ValueError, match="threshold='x\\*mean'"):
        small(threshold="x*mean")._check_settings()


def test_an_int_above_the_features_is_still_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="larger than the 40 features"):
        small(41).fit(X, y)


def test_auto_for_regression_scores_an_svr():
    from sklearn.datasets import make_regression
    from sklearn.svm import SVR

    X, y = make_regression(150, 20, n_informative=3, noise=1.0, random_state=0)
    selector = small("auto", task="regression", cv=3).fit(X, y)
    order = np.argsort(-selector.feature_importances_, kind="stable")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    first = next(iter(selector.k_scores_))
    # R² does not change when y is standardised, so the scores are those of SVR on y itself.
    expected = cross_val_score(make_pipeline(StandardScaler(), SVR()), X[:, order[:first]], y, cv=3).mean()
    assert selector.k_scores_[first] == pytest.approx(expected)


def test_auto_needs_a_supervised_task():
    X = np.random.RandomState(0).randn(40, 6)
    with pytest.raises(ValueError, match="needs a supervised task"):
        small("auto").fit(X)
