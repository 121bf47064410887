"""Control of a fit: stopping callbacks, max_time, and the kept network."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from sparsefs import SparseFeatureSelector
from sparsefs.splitting import stratified_split


@pytest.fixture(scope="module")
def data():
    return make_classification(200, 20, n_informative=5, n_redundant=0, n_classes=3, shuffle=False, random_state=0)


def small(**kwargs):
    params = dict(n_features_to_select=5, hidden_layer_sizes=(16,), max_epochs=30, patience=30, random_state=0)
    return SparseFeatureSelector(**{**params, **kwargs})


def test_a_callback_returning_true_stops_the_fit_and_keeps_the_best_epoch(data):
    X, y = data
    seen = []

    def stop_at_six(record):
        seen.append(record["epoch"])
        return record["epoch"] >= 6

    # Dense training: the regrowth schedule of SET/RigL depends on max_epochs, dense training does not.
    stopped = small(training="dense").fit(X, y, on_epoch_end=stop_at_six)
    assert seen == [1, 2, 3, 4, 5, 6]
    assert stopped.n_epochs_ == 6 and stopped.stop_reason_ == "callback"
    assert stopped.best_epoch_ == int(np.argmin(stopped.history_["val_loss"])) + 1
    # The result is that of a fit run for exactly those six epochs.
    six = small(training="dense", max_epochs=6).fit(X, y)
    np.testing.assert_array_equal(stopped.feature_importances_, six.feature_importances_)
    assert six.stop_reason_ == "max_epochs"
    assert stopped.transform(X).shape == (200, 5)


def test_a_callback_returning_none_does_not_stop(data):
    X, y = data
    assert small(max_epochs=4).fit(X, y, on_epoch_end=lambda record: None).n_epochs_ == 4


def test_max_time_stops_after_the_epoch_that_passes_it(data):
    X, y = data
    fitted = small(max_time=1e-9).fit(X, y)
    assert fitted.n_epochs_ == 1 and fitted.stop_reason_ == "max_time"
    assert np.isfinite(fitted.feature_importances_).all()


def test_patience_is_reported(data):
    X, y = data
    fitted = small(patience=1, max_epochs=200).fit(X, y)
    assert fitted.stop_reason_ == "patience" or fitted.n_epochs_ == 200


class TestKeptNetwork:
    def test_predictions_equal_a_forward_pass(self, data):
        X, y = data
        fitted = small(keep_network=True, max_epochs=10).fit(X, y)
        kept = fitted.network_
        inputs = torch.as_tensor((X - kept.mean_) / kept.scale_, dtype=torch.float32)
        with torch.no_grad():
            logits, _ = kept.network(inputs)
        np.testing.assert_allclose(kept.predict_proba(X), torch.softmax(logits, dim=1).numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(kept.predict(X), fitted.classes_[logits.argmax(dim=1).numpy()])

    def test_it_is_the_best_epochs_network(self, data):
        X, y = data
        fitted = small(keep_network=True, max_epochs=15).fit(X, y)
        _, val_rows = stratified_split(y, 0.2, 0)
        # Its accuracy on the validation rows is the best epoch's recorded validation accuracy.
        assert fitted.network_.score(X[val_rows], y[val_rows]) == pytest.approx(
            fitted.history_["val_accuracy"][fitted.best_epoch_ - 1]
        )

    def test_string_labels_and_pickle(self, data):
        X, y = data
        labels = np.array(["a", "b", "c"])[y]
        fitted = small(keep_network=True, max_epochs=3).fit(X, labels)
        assert set(fitted.network_.predict(X)) <= {"a", "b", "c"}
        again = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(again.network_.predict_proba(X), fitted.network_.predict_proba(X))

    def test_not_kept_by_default(self, data):
        X, y = data
        plain = small(max_epochs=3, hidden_layer_sizes=(256,)).fit(X, y)
        kept = small(max_epochs=3, hidden_layer_sizes=(256,), keep_network=True).fit(X, y)
        assert not hasattr(plain, "network_")
        assert len(pickle.dumps(plain)) < len(pickle.dumps(kept)) / 2

    def test_wrong_width_is_refused(self, data):
        X, y = data
        fitted = small(keep_network=True, max_epochs=2).fit(X, y)
        with pytest.raises(ValueError, match="X has 19 features"):
            fitted.network_.predict(X[:, :19])


@pytest.mark.parametrize("params", [{"max_time": 0}, {"max_time": -1.0}, {"max_time": "1h"}, {"keep_network": "yes"}])
def test_bad_settings_are_refused(data, params):
    X, y = data
    with pytest.raises(ValueError):
        small(**params).fit(X, y)


def test_keep_network_is_for_classification_so_far():
    X = np.random.RandomState(0).randn(40, 6)
    with pytest.raises(ValueError, match="keep_network=True keeps a classifier"):
        small(keep_network=True).fit(X, X[:, 0])
