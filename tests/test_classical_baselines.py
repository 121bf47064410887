"""The classical selectors (ExtraTrees, random forest, ANOVA F, mutual information, ReliefF,
mRMR): what they select, that they score on every fit row, their seeding, the vectorised
ReliefF and mRMR against straightforward implementations (and against skrebate and
mrmr-selection where those are installed), and their use in studies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.feature_selection import f_classif

from sparsefs.baselines import BASELINES, ANOVASelector, MRMRSelector, ReliefFSelector, ScoreSelector
from sparsefs.baselines._mrmr import FLOOR, mrmr_order
from sparsefs.baselines._relieff import relieff_weights
from sparsefs.registry import METRICS, TASKS, TRAINING_METHODS
from sparsefs.study import ConfigError, parse_config
from sparsefs.study.cells import expand_cells
from sparsefs.study.execution import build_estimator

from ._helpers import load_mat

CLASSICAL = ["extratrees", "randomforest", "anova", "mutualinfo", "relieff", "mrmr"]
FAST = {"extratrees": {"n_estimators": 50}, "randomforest": {"n_estimators": 50}}


def fast(name: str, k: int = 5, **kwargs):
    return clone(BASELINES[name]).set_params(n_features_to_select=k, **{"random_state": 0, **FAST.get(name, {}), **kwargs})


@pytest.fixture(scope="module")
def informative_first():
    # The label is the sign of the sum of the first 5 of 30 features: each of them matters.
    X = np.random.RandomState(3).randn(200, 30)
    return X, (X[:, :5].sum(axis=1) > 0).astype(int)


def test_registered_under_names_no_other_registry_uses():
    for name in CLASSICAL:
        assert isinstance(BASELINES[name], ScoreSelector)
        assert name not in TRAINING_METHODS and name not in METRICS and name not in TASKS
    assert len({BASELINES[name].label for name in CLASSICAL}) == len(CLASSICAL)


@pytest.mark.parametrize("name", CLASSICAL)
class TestEveryClassicalSelector:
    def test_ranks_the_informative_features_first(self, name, informative_first):
        X, y = informative_first
        selector = fast(name).fit(X, y)
        assert sorted(selector.ranked_features_[:5]) == [0, 1, 2, 3, 4], selector.ranked_features_[:10]
        assert sorted(np.flatnonzero(selector.get_support())) == sorted(selector.ranked_features_[:5])

    def test_no_validation_loss_but_costs(self, name, informative_first):
        X, y = informative_first
        selector = fast(name).fit(X, y)
        assert np.isnan(selector.val_loss_)
        assert selector.n_parameters_ >= X.shape[1] and selector.training_flops_ > 0 and selector.n_iter_ >= 1
        assert np.isfinite(selector.feature_importances_).all()

    def test_same_seed_same_ranking_and_global_generator_untouched(self, name, informative_first):
        X, y = informative_first
        state = np.random.get_state()[1].copy()
        a = fast(name, random_state=4).fit(X, y)
        assert np.array_equal(np.random.get_state()[1], state)
        b = clone(a).fit(X, y)
        np.testing.assert_array_equal(a.feature_importances_, b.feature_importances_)

    def test_bad_input_gets_the_selectors_clear_messages(self, name, informative_first):
        X, y = informative_first
        with pytest.raises(ValueError, match="n_features_to_select"):
            clone(BASELINES[name]).set_params(n_features_to_select=0).fit(X, y)
        with pytest.raises(ValueError, match="1 non-numeric column"):
            fast(name, 3).fit(pd.DataFrame(X).assign(tissue="liver"), y)
        with pytest.raises(ValueError, match="at least 2 classes"):
            fast(name, 3).fit(X, np.zeros(len(y)))


def test_scores_use_every_fit_row_not_only_the_training_part():
    # No configuration is chosen on the validation rows, so the scores use them too (as the
    # recommended preset does): ANOVA's F statistics are those of all rows given to fit.
    X, y = load_mat("colon.mat")
    selector = ANOVASelector(10, random_state=0).fit(X, y)
    np.testing.assert_allclose(selector.feature_importances_, np.nan_to_num(f_classif(X, y)[0]), rtol=1e-4)


def test_an_infinite_f_statistic_ranks_first_and_a_constant_feature_last():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 20)
    X = np.c_[rng.randn(40), y * 3.0, np.ones(40), rng.randn(40) + y]
    for name in ("anova", "mrmr"):
        selector = clone(BASELINES[name]).set_params(n_features_to_select=2, random_state=0).fit(X, y)
        assert selector.ranked_features_[0] == 1 and selector.ranked_features_[-1] == 2, name
        assert np.isfinite(selector.feature_importances_).all()


@pytest.mark.parametrize("name", ["extratrees", "randomforest", "anova", "mutualinfo", "mrmr"])
def test_regression_finds_the_features_of_a_continuous_target(name):
    rng = np.random.RandomState(0)
    X = rng.randn(300, 15)
    y = 2 * X[:, 3] - 1.5 * X[:, 7] + 0.1 * rng.randn(300)
    selector = fast(name, 2).fit(X, y)
    assert sorted(selector.ranked_features_[:2]) == [3, 7]


def test_relieff_refuses_regression_naming_what_it_does():
    X = np.random.RandomState(0).randn(50, 4)
    with pytest.raises(ValueError, match="ReliefF selects features for classification, not regression"):
        ReliefFSelector(2).fit(X, X[:, 0] * 1.5)


def test_forests_find_a_feature_acting_only_through_an_interaction():
    # y = sign(x0 * x1): no univariate filter sees x0 or x1, a forest does.
    rng = np.random.RandomState(1)
    X = rng.randn(400, 10)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    assert sorted(fast("randomforest", 2, n_estimators=200).fit(X, y).ranked_features_[:2]) == [0, 1]
    assert not set(fast("anova", 2).fit(X, y).ranked_features_[:2]) >= {0, 1}


# --- mRMR ----------------------------------------------------------------------------------


def reference_mrmr(X, y, K):
    """mRMR (FCQ) written as mrmr-selection's loop: relevance F, redundancy the mean of
    max(|corr|, FLOOR) with the chosen, a mean of exactly 1 dividing by infinity."""
    relevance = pd.Series(np.nan_to_num(f_classif(X, y)[0]))
    frame = pd.DataFrame(X)
    features = [j for j in range(X.shape[1]) if relevance[j] > 0]
    chosen, redundancy = [], pd.DataFrame(FLOOR, index=features, columns=features)
    for step in range(min(K, len(features))):
        left = [j for j in features if j not in chosen]
        if step == 0:
            score = relevance[left]
        else:
            last = chosen[-1]
            redundancy.loc[left, last] = frame[left].corrwith(frame[last]).fillna(FLOOR).abs().clip(FLOOR)
            score = relevance[left] / redundancy.loc[left, chosen].mean(axis=1).replace(1.0, np.inf)
        chosen.append(int(score.index[np.argmax(score.to_numpy())]))
    return chosen


@pytest.mark.parametrize("dataset", ["lymphoma.mat", "GLIOMA.mat"])
def test_mrmr_order_is_the_reference_loops(dataset):
    X, y = load_mat(dataset)
    X = X[:, :150]
    assert mrmr_order(X, f_classif(X, y)[0], 30).tolist() == reference_mrmr(X, y, 30)


def test_mrmr_matches_mrmr_selection_where_installed():
    mrmr = pytest.importorskip("mrmr")  # GPL-3.0: not a dependency, checked where it is installed
    X, y = load_mat("lymphoma.mat")
    X = X[:, :200]
    expected = mrmr.mrmr_classif(pd.DataFrame(X), pd.Series(y), K=40, n_jobs=1, show_progress=False)
    assert mrmr_order(X, f_classif(X, y)[0], 40).tolist() == expected


def test_mrmr_prefix_is_the_shorter_run_and_the_rest_follows_by_relevance():
    X, y = load_mat("lymphoma.mat")
    X = X[:, :120]
    full = MRMRSelector(10, random_state=0).fit(X, y)
    short = MRMRSelector(10, n_ranked=15, random_state=0).fit(X, y)
    np.testing.assert_array_equal(full.ranked_features_[:15], short.ranked_features_[:15])
    rest = short.feature_importances_[short.ranked_features_[15:]]
    assert (rest <= 1).all() and (np.diff(rest) <= 0).all()


# --- ReliefF -------------------------------------------------------------------------------


def reference_relieff(X, y, k):
    """ReliefF written row by row (skrebate's weighting, on numeric features)."""
    Z = (X - X.min(0)) / np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1)
    classes = np.unique(y)
    weights = np.zeros(X.shape[1])
    for i in range(len(X)):
        distance = np.abs(Z - Z[i]).sum(axis=1)
        distance[i] = np.inf
        order = np.argsort(distance, kind="stable")
        hits = [j for j in order if y[j] == y[i] and j != i][:k]
        misses = {c: [j for j in order if y[j] == c][:k] for c in classes if c != y[i]}
        n_miss = sum(len(m) for m in misses.values())
        update = -np.abs(Z[hits] - Z[i]).mean(axis=0)
        for members in misses.values():
            update += np.abs(Z[members] - Z[i]).sum(axis=0) * len(members) * len(misses) / n_miss**2
        weights += update
    return weights / len(X)


@pytest.mark.parametrize("dataset", ["ALLAML.mat", "GLIOMA.mat"])
def test_relieff_weights_are_the_row_by_row_reference(dataset):
    X, y = load_mat(dataset)
    X = X[:, :100]
    weights, _, _ = relieff_weights(X, y, np.arange(len(X)), 5)
    np.testing.assert_allclose(weights, reference_relieff(X, y, 5), atol=1e-12)


def test_relieff_matches_skrebate_where_installed():
    skrebate = pytest.importorskip("skrebate")
    X, y = load_mat("GLIOMA.mat")
    X = X[:, :200]
    X = X[:, [len(np.unique(column)) > 10 for column in X.T]]  # skrebate: <= 10 values is categorical
    expected = skrebate.ReliefF(n_neighbors=5, label_type="multiclass").fit(X, y).feature_importances_
    weights, _, _ = relieff_weights(X, y, np.arange(len(X)), 5)
    np.testing.assert_allclose(weights, expected, atol=1e-12)


def test_relieff_samples_at_most_max_samples_rows_reproducibly():
    X, y = load_mat("lymphoma.mat")
    capped = ReliefFSelector(10, max_samples=40, random_state=2).fit(X, y)
    again = ReliefFSelector(10, max_samples=40, random_state=2).fit(X, y)
    np.testing.assert_array_equal(capped.feature_importances_, again.feature_importances_)
    everything = ReliefFSelector(10, max_samples=None, random_state=2).fit(X, y)
    assert not np.array_equal(capped.feature_importances_, everything.feature_importances_)
    assert capped.training_flops_ < everything.training_flops_
    euclidean = ReliefFSelector(10, distance="euclidean", random_state=2).fit(X, y)
    assert len(np.intersect1d(euclidean.ranked_features_[:50], everything.ranked_features_[:50])) >= 25


# --- in studies ----------------------------------------------------------------------------


def test_a_study_gives_n_jobs_its_threads_without_changing_the_cell():
    config = parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
                           "baselines": {"randomforest": {}, "anova": {}}})
    forest, anova = expand_cells(config)
    assert build_estimator(forest, threads=3).n_jobs == 3 and "n_jobs" not in forest.params
    assert "n_jobs" not in build_estimator(anova, threads=3).get_params()


def test_a_study_refuses_a_grid_for_a_selector_without_validation_loss():
    with pytest.raises(ConfigError, match=r"\[baselines.extratrees.grid\].*no validation loss"):
        parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
                      "baselines": {"extratrees": {"grid": {"n_estimators": [100, 500]}}}})
    parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
                  "baselines": {"extratrees": {"grid": {"n_estimators": [100]}}}})
