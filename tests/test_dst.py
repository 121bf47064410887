"""Training methods as strategy objects: the registry, what SET and RigL share, and a toy method."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sparsefs import costs
from sparsefs.batches import BatchSource, standardization
from sparsefs.network.dst import SET, Dense, RigL, TrainingMethod, get_training_method
from sparsefs.network.layers import MaskedLinear
from sparsefs.network.sparse import SparseLinear
from sparsefs.network.dst import get_training_method
from sparsefs.network.topology import cosine_prune_fraction
from sparsefs.registry import TRAINING_METHODS
from sparsefs.training import Trainer, TrainingConfig, train_network

CPU = torch.device("cpu")


def test_built_in_methods_are_registered_with_labels_and_styles():
    assert TRAINING_METHODS.names()[:3] == ("dense", "set", "rigl")
    for method in TRAINING_METHODS.values():
        assert isinstance(method, TrainingMethod)
        assert {"color", "marker"} <= set(method.style)
    assert [TRAINING_METHODS[name].sparse for name in ("dense", "set", "rigl")] == [False, True, True]


def test_names_and_aliases_resolve_and_unknown_names_are_refused():
    assert type(get_training_method("set")) is SET and type(get_training_method("random")) is SET
    assert type(get_training_method("rigl")) is RigL and type(get_training_method("gradient")) is RigL
    method = Dense()
    assert get_training_method(method) is method
    with pytest.raises(KeyError, match="unknown training method 'magic'; choose from: dense, set, rigl"):
        get_training_method("magic")


def test_set_and_rigl_share_drop_score_and_schedule_and_differ_in_growth():
    set_, rigl = SET(), RigL()
    layer = SparseLinear(30, 8, 40, torch.Generator().manual_seed(0))
    torch.testing.assert_close(set_.drop_scores(layer), rigl.drop_scores(layer))
    for step in (0, 10, 57, 100):
        assert set_.moved_fraction(0.3, step, 100) == rigl.moved_fraction(0.3, step, 100) \
            == cosine_prune_fraction(0.3, step, 100)
    assert set_.extra_flops([(30, 8)], 10) == 0
    assert rigl.extra_flops([(30, 8)], 10) == costs.gradient_growth_flops([(30, 8)], 10)
    assert not set_.needs_gradient and rigl.needs_gradient


class _PruneOnly(TrainingMethod):
    """Drops the weights with the *largest* magnitude and grows none: the count shrinks."""

    name, label = "prune-only-test", "Prune only"
    style = {"color": "k", "marker": "x"}

    def drop_scores(self, layer):
        return -layer.active_magnitudes()

    def grow(self, layer, n, active, generator):
        return torch.empty(0, dtype=torch.long, device=active.device)


@pytest.mark.parametrize("cls", [MaskedLinear, SparseLinear])
def test_a_method_object_decides_which_weights_leave(cls):
    layer = cls(20, 10, 50, torch.Generator().manual_seed(0))
    magnitudes = layer.dense_weight().abs().view(-1)
    before = layer.active_positions()
    _PruneOnly().update_topology(layer, 0.2, torch.Generator())
    after = layer.active_positions()
    removed = before[~torch.isin(before, after)]
    assert layer.n_active == 40 and removed.numel() == 10
    assert magnitudes[removed].min() >= magnitudes[after].max()  # the largest left


def test_the_flop_count_follows_a_changing_number_of_active_weights():
    rng = np.random.RandomState(0)
    X, y = rng.randn(64, 20), rng.randint(0, 2, 64)
    mean, scale = standardization(X)
    train = BatchSource(X, y, mean, scale, CPU)
    config = TrainingConfig(training="prune-only-test", sparsity=0.5, hidden_layer_sizes=(16,), max_epochs=2,
                            batch_size=16, update_interval=1, prune_fraction=0.2)
    TRAINING_METHODS.register(_PruneOnly())
    try:
        trainer = Trainer(20, 2, config, ["random"], seed=0, device=CPU, steps_per_epoch=4)
        expected, counts = 0, []
        for inputs, targets in train.batches(16, trainer.generator):
            weights = trainer.network.n_active_weights()
            counts.append(sum(weights))
            trainer.step(inputs, targets)
            expected += costs.training_step_flops(weights, len(targets))
        assert counts[-1] < counts[0]  # the toy method really shrank the network
        assert trainer.flops.total == expected
        result = train_network(train, None, 2, config, ["strength"], seed=0, device=CPU)
        assert result.n_parameters < TrainingConfig(sparsity=0.5).density * (20 * 16 + 16 * 2) + 18
    finally:
        TRAINING_METHODS.unregister("prune-only-test")


def test_dense_method_trains_every_weight_without_updates():
    config = TrainingConfig(training="dense", sparsity=0.9, hidden_layer_sizes=(8,))
    assert config.density == 1.0 and config.method.label == "Dense"
