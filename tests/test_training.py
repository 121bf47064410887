"""The training loop: early stopping, exact sparsity through training, FLOPs accounting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sparsefs.batches import BatchSource, standardization
from sparsefs.importance import NeuronAttribution
from sparsefs.network import SparseMLP
from sparsefs.training import TrainingConfig, train_network

CPU = torch.device("cpu")


def _sources(n=120, d=30, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int) * (n_classes - 2)
    mean, scale = standardization(X[:90])
    return BatchSource(X[:90], y[:90], mean, scale, CPU), BatchSource(X[90:], y[90:], mean, scale, CPU), n_classes


def _config(**kwargs):
    base = dict(hidden_layer_sizes=(32, 16), max_epochs=6, patience=50, batch_size=16, update_interval=2)
    return TrainingConfig(**{**base, **kwargs})


@pytest.mark.parametrize("training", ["set", "rigl"])
def test_sparse_training_keeps_exact_counts_and_zero_inactive_weights(training):
    train, val, n_classes = _sources()
    config = _config(training=training, sparsity=0.8, max_epochs=10)
    result = train_network(train, val, n_classes, config, ["strength"], seed=1, device=CPU)
    initial = SparseMLP(30, (32, 16), n_classes, 0.2, generator=torch.Generator().manual_seed(1))
    assert result.n_active_weights == initial.n_active_weights()
    moved = False
    for layer, start in zip(result.network.layers, initial.layers):
        if layer.mask is None:
            continue
        assert int(layer.mask.sum()) == int(start.mask.sum())
        assert torch.all(layer.weight[~layer.mask] == 0)
        moved |= bool((layer.mask != start.mask).any())
    assert moved, "no topology update happened"
    assert result.n_steps == 10 * 6  # 90 rows in batches of 16


def test_dense_training_has_no_masks():
    train, val, n_classes = _sources()
    result = train_network(train, val, n_classes, _config(training="dense"), ["strength"], seed=0, device=CPU)
    assert all(layer.mask is None for layer in result.network.layers)
    assert result.n_parameters == 30 * 32 + 32 * 16 + 16 * n_classes + 32 + 16 + n_classes


def test_early_stopping_stops_patience_epochs_after_the_best():
    train, val, n_classes = _sources(n=120, d=60)
    config = _config(training="dense", max_epochs=200, patience=3, learning_rate=0.05)
    result = train_network(train, val, n_classes, config, ["strength"], seed=0, device=CPU)
    assert result.n_epochs < 200
    assert result.n_epochs == result.best_epoch + 3
    losses = result.history["val_loss"]
    assert losses[result.best_epoch - 1] == min(losses)
    assert len(losses) == result.n_epochs == len(result.history["train_accuracy"])


def test_no_epoch_before_min_best_epoch_is_best():
    # The authors' rule (the method page §10): the first epochs replace the best one whatever
    # their validation loss, so the importance sums at least that many epochs.
    train, val, n_classes = _sources(n=120, d=60)
    config = _config(training="dense", max_epochs=200, patience=3, learning_rate=0.05)
    early = train_network(train, val, n_classes, config, ["strength"], seed=0, device=CPU)
    assert early.best_epoch < 5  # this fit overfits at once: the rule has something to change
    ruled = train_network(train, val, n_classes, _config(**{**config.__dict__, "min_best_epoch": 5}),
                          ["strength"], seed=0, device=CPU)
    assert ruled.best_epoch >= 5
    losses = ruled.history["val_loss"]
    # from the fifth epoch on, the usual rule: the lowest loss, and patience counted from it
    assert losses[ruled.best_epoch - 1] == min(losses[4:])
    assert ruled.n_epochs == ruled.best_epoch + 3
    # the first four epochs are the same run: the rule only changes which epoch is kept
    assert ruled.history["val_loss"][:4] == early.history["val_loss"][:4]
    accumulated = ruled.importances["strength"]
    assert not np.allclose(accumulated["all_epochs"], early.importances["strength"]["all_epochs"])


def test_without_validation_the_last_epoch_counts():
    train, _, n_classes = _sources()
    result = train_network(train, None, n_classes, _config(max_epochs=4), ["strength"], seed=0, device=CPU)
    assert result.best_epoch == result.n_epochs == 4
    assert np.isnan(result.history["val_loss"]).all()


def test_training_flops_match_the_hand_count():
    train, val, n_classes = _sources()
    config = _config(training="dense", max_epochs=3)
    result = train_network(train, val, n_classes, config, ["attribution"], seed=0, device=CPU)
    weights = 30 * 32 + 32 * 16 + 16 * n_classes
    per_sample_step = 3 * 2 * weights  # forward + backward
    per_sample_attr = 2 * n_classes * weights + 2 * n_classes * 30
    batch_sizes = [16] * 5 + [10]
    attr = sum(NeuronAttribution().flops(result.network, m) for m in batch_sizes)
    assert attr == sum(m * per_sample_attr for m in batch_sizes)
    expected = 3 * (90 * per_sample_step + attr + 2 * weights * 30)  # + validation forward passes
    assert result.training_flops == expected


def test_rigl_counts_the_dense_growth_gradient():
    train, val, n_classes = _sources()
    set_run = train_network(train, val, n_classes, _config(training="set", sparsity=0.8), ["strength"], seed=0, device=CPU)
    rigl_run = train_network(train, val, n_classes, _config(training="rigl", sparsity=0.8), ["strength"], seed=0, device=CPU)
    assert rigl_run.training_flops > set_run.training_flops


def test_metrics_observe_without_changing_training():
    train, val, n_classes = _sources()
    config = _config(training="set", sparsity=0.7)
    alone = train_network(train, val, n_classes, config, ["strength"], seed=3, device=CPU)
    together = train_network(train, val, n_classes, config, ["attribution", "strength", "random"], seed=3, device=CPU)
    assert alone.history == together.history
    for window, values in alone.importances["strength"].items():
        np.testing.assert_array_equal(values, together.importances["strength"][window])
    assert set(together.importances) == {"attribution", "strength", "random"}


def test_divergence_is_reported_not_hidden():
    train, val, n_classes = _sources()
    with pytest.raises(FloatingPointError, match="diverged"):
        train_network(train, val, n_classes, _config(training="dense", learning_rate=1e30, max_epochs=2), ["strength"], seed=0, device=CPU)


def test_nan_losses_without_validation_are_reported():
    # Without a validation split every epoch counts as the best: the loss itself must be checked.
    train, _, n_classes = _sources()
    with pytest.raises(FloatingPointError, match=r"training diverged in epoch 1: the train loss is nan"):
        train_network(train, None, n_classes, _config(training="dense", learning_rate=1e30, max_epochs=3), ["strength"],
                      seed=0, device=CPU)


@pytest.mark.parametrize("validation", [True, False])
def test_an_absurd_kept_loss_is_divergence(validation):
    # lr = 1e6: the losses stay finite but reach ~1e16, far above the untrained network's ~1.
    train, val, n_classes = _sources()
    config = _config(training="dense", learning_rate=1e6, max_epochs=3)
    kept = "val loss" if validation else "train loss"
    with pytest.raises(FloatingPointError, match=rf"training diverged: the {kept} of the kept epoch, .* is over 100 times "
                                                 r"the untrained network's loss"):
        train_network(train, val if validation else None, n_classes, config, ["strength"], seed=0, device=CPU)


@pytest.mark.parametrize("validation_fraction", [0.0, 0.2])
def test_a_diverged_fit_gives_no_ranking(validation_fraction):
    from sparsefs import SparseFeatureSelector

    rng = np.random.RandomState(0)
    X = rng.randn(120, 12)
    y = (X[:, 0] > 0).astype(int)
    selector = SparseFeatureSelector(3, training="dense", learning_rate=1e30, max_epochs=3, hidden_layer_sizes=(16,),
                                     validation_fraction=validation_fraction, random_state=0)
    with pytest.raises(FloatingPointError, match="diverged"):
        selector.fit(X, y)
    assert not hasattr(selector, "ranking_")


def test_a_moderately_high_learning_rate_still_trains():
    # The divergence checks must not refuse an ordinary, if noisy, run.
    train, val, n_classes = _sources()
    result = train_network(train, val, n_classes, _config(training="dense", learning_rate=0.05, max_epochs=5),
                           ["strength"], seed=0, device=CPU)
    assert result.best_epoch >= 1
