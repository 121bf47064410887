"""The stability estimator (Nogueira, Sechidis and Brown, 2018) and repeated fits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.utils import check_random_state

from sparsefs import SparseFeatureSelector
from sparsefs.stability import combine_importances, nogueira_stability, selection_frequency, selection_matrix


class TestEstimator:
    def test_identical_selections_give_one(self):
        Z = selection_matrix([[0, 3, 5]] * 4, 10)
        result = nogueira_stability(Z)
        assert result.value == pytest.approx(1.0)
        assert result.lower == pytest.approx(1.0) and result.upper == pytest.approx(1.0)

    def test_independent_random_selections_give_about_zero(self):
        rng = np.random.RandomState(0)
        values = [
            nogueira_stability(selection_matrix([rng.choice(500, 50, replace=False) for _ in range(20)], 500)).value
            for _ in range(20)
        ]
        # The estimator is unbiased: 0 in expectation for independent selections.
        assert abs(np.mean(values)) < 0.01
        assert max(abs(v) for v in values) < 0.05

    def test_hand_computed_cases(self):
        # p = (1, 2/3, 1/3, 0), k = 2, d = 4: 1 - (3/2 * mean(0, 2/9, 2/9, 0)) / (1/2 * 1/2) = 1/3.
        assert nogueira_stability([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0]]).value == pytest.approx(1 / 3)
        # p = (1, 1/2, 1/2, 0): 1 - (2 * 1/8) / (1/4) = 0.
        assert nogueira_stability([[1, 1, 0, 0], [1, 0, 1, 0]]).value == pytest.approx(0.0)
        # Disjoint halves: p = 1/2 everywhere, k = 2, d = 4: 1 - 2 * (1/4) / (1/4) = -1.
        assert nogueira_stability([[1, 1, 0, 0], [0, 0, 1, 1]]).value == pytest.approx(-1.0)

    def test_equals_mean_pairwise_kuncheva_for_a_fixed_size(self):
        # The paper's Theorem: with every selection of size k, the estimator is the mean over pairs
        # of Kuncheva's index (|A n B| - k^2/d) / (k - k^2/d).
        rng = np.random.RandomState(1)
        d, k = 30, 6
        sets = [rng.choice(12, k, replace=False) for _ in range(7)]
        kuncheva = [(len(np.intersect1d(a, b)) - k * k / d) / (k - k * k / d) for a, b in itertools.combinations(sets, 2)]
        assert nogueira_stability(selection_matrix(sets, d)).value == pytest.approx(np.mean(kuncheva))

    def test_confidence_interval_hand_computed(self):
        # Z = [[1,1,0,0],[1,1,0,0],[1,0,1,0]]: value 1/3, every k_i = 2, k = 2, d = 4, spread 1/4, so
        # phi_i = 4 * (Z_i.p / 4 - 1/4 + (1/6) * (1/2 - 1/2 - 1/2 + 1)) = Z_i.p - 2/3 with Z_i.p = 5/3, 5/3, 4/3;
        # variance = 4 / M^2 * sum((phi_i - mean phi)^2).
        phi = np.array([1.0, 1.0, 2 / 3])
        variance = 4 / 9 * np.sum((phi - phi.mean()) ** 2)
        half = 1.959963984540054 * np.sqrt(variance)
        result = nogueira_stability([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0]])
        assert (result.lower, result.upper) == pytest.approx((1 / 3 - half, 1 / 3 + half))

    def test_frequency_and_combination(self):
        assert selection_frequency([[1, 0, 1], [1, 1, 0]]).tolist() == [1.0, 0.5, 0.5]
        np.testing.assert_allclose(combine_importances([[1.0, 3.0], [5.0, 5.0]]), [0.375, 0.625])

    @pytest.mark.parametrize("Z", [[[1, 0, 1]], [[0, 0], [0, 0]], [[1, 1], [1, 1]], [[2, 0], [1, 0]]])
    def test_bad_input(self, Z):
        with pytest.raises(ValueError):
            nogueira_stability(Z)


@pytest.fixture(scope="module")
def data():
    return make_classification(150, 30, n_informative=5, n_redundant=0, shuffle=False, random_state=0)


def repeated(**kwargs):
    params = dict(n_features_to_select=5, hidden_layer_sizes=(16,), max_epochs=4, n_repeats=3, random_state=0)
    return SparseFeatureSelector(**{**params, **kwargs})


class TestRepeats:
    def test_parallel_equals_serial(self, data):
        X, y = data
        serial = repeated(n_jobs=1).fit(X, y)
        parallel = repeated(n_jobs=2).fit(X, y)
        np.testing.assert_array_equal(serial.importances_per_repeat_, parallel.importances_per_repeat_)
        np.testing.assert_array_equal(serial.feature_importances_, parallel.feature_importances_)
        assert serial.stability_ == parallel.stability_

    def test_each_repeat_is_a_single_fit_with_its_seed(self, data):
        X, y = data
        fitted = repeated().fit(X, y)
        seeds = check_random_state(0).randint(np.iinfo(np.int32).max, size=3)
        singles = [repeated(n_repeats=1, random_state=int(seed)).fit(X, y).feature_importances_ for seed in seeds]
        np.testing.assert_array_equal(fitted.importances_per_repeat_, np.stack(singles))
        np.testing.assert_allclose(fitted.feature_importances_, combine_importances(singles))

    def test_frequency_and_stability(self, data):
        X, y = data
        fitted = repeated().fit(X, y)
        Z = selection_matrix([np.argsort(-row, kind="stable")[:5] for row in fitted.importances_per_repeat_], 30)
        np.testing.assert_array_equal(fitted.selection_frequency_, Z.mean(axis=0))
        assert fitted.selection_frequency_.sum() == pytest.approx(5)
        expected = nogueira_stability(Z)
        assert fitted.stability_ == expected.value
        assert fitted.stability_interval_ == (expected.lower, expected.upper)
        assert fitted.importances_per_repeat_.shape == (3, 30)
        assert not hasattr(repeated(n_repeats=1).fit(X, y), "stability_")

    def test_bootstrap_resamples_deterministically(self, data):
        X, y = data
        a = repeated(bootstrap=True).fit(X, y)
        b = repeated(bootstrap=True).fit(X, y)
        plain = repeated().fit(X, y)
        np.testing.assert_array_equal(a.feature_importances_, b.feature_importances_)
        assert not np.array_equal(a.feature_importances_, plain.feature_importances_)

    def test_flops_add_up_over_repeats(self, data):
        X, y = data
        fitted = repeated(n_repeats=2).fit(X, y)
        assert fitted.training_flops_ > repeated(n_repeats=1).fit(X, y).training_flops_

    @pytest.mark.parametrize(
        "params", [{"n_repeats": 0}, {"n_repeats": 2.0}, {"bootstrap": "yes"}, {"n_jobs": 1.5}, {"n_jobs": "all"}]
    )
    def test_bad_settings_are_refused(self, data, params):
        X, y = data
        with pytest.raises(ValueError):
            repeated(**params).fit(X, y)
