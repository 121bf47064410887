"""Neuron strength, batched neuron attribution against a per-sample Jacobian, and windows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.func import jacrev, vmap

from sparsefs.importance import (
    METRICS,
    ImportanceAccumulator,
    ImportanceMetric,
    NeuronAttribution,
    NeuronStrength,
    RandomImportance,
    TrainingStep,
    get_metric,
)
from sparsefs.network import SparseMLP


def _network_and_step(n_features, n_classes, density, batch=7, seed=0):
    torch.set_default_dtype(torch.float64)
    try:
        net = SparseMLP(n_features, (16, 9), n_classes, density=density, generator=torch.Generator().manual_seed(seed))
    finally:
        torch.set_default_dtype(torch.float32)
    x = torch.randn(batch, n_features, dtype=torch.float64, generator=torch.Generator().manual_seed(seed + 1))
    logits, pre = net(x)
    return net, x, TrainingStep(net, x, logits.detach(), pre)


def _jacobian_oracle(net, x):
    """The authors' method: the full per-sample Jacobian of the softmax outputs."""
    weights = [layer.dense_weight() for layer in net.layers]
    biases = [layer.bias.detach() for layer in net.layers]

    def probabilities(sample):
        h = sample
        for w, b in zip(weights[:-1], biases[:-1]):
            h = torch.relu(w @ h + b)
        return torch.softmax(weights[-1] @ h + biases[-1], dim=0)

    jac = vmap(jacrev(probabilities))(x)  # (m, C, d)
    return jac.abs().mean(dim=0).sum(dim=0)


class TestAttribution:
    @pytest.mark.parametrize("n_classes", [2, 3, 7])
    @pytest.mark.parametrize("density", [1.0, 0.3])
    def test_equals_per_sample_jacobian(self, n_classes, density):
        net, x, step = _network_and_step(25, n_classes, density)
        batched = NeuronAttribution().score(step)
        torch.testing.assert_close(batched, _jacobian_oracle(net, x), rtol=1e-5, atol=1e-10)

    def test_blocked_first_layer_product_gives_the_same_result(self):
        net, x, step = _network_and_step(25, 4, 0.5)
        whole = NeuronAttribution().score(step)
        blocked = NeuronAttribution(max_block_elements=30).score(step)  # one row at a time
        torch.testing.assert_close(blocked, whole)

    def test_float32_training_precision_is_close_to_oracle(self):
        net = SparseMLP(30, (20, 10), 3, density=0.4, generator=torch.Generator().manual_seed(0))
        x = torch.randn(8, 30)
        logits, pre = net(x)
        score = NeuronAttribution().score(TrainingStep(net, x, logits.detach(), pre))
        torch.testing.assert_close(score, _jacobian_oracle(net, x), rtol=1e-5, atol=1e-7)

    def test_flops_count_products_for_every_class(self):
        net, _, _ = _network_and_step(25, 3, 1.0)
        n_weights = 25 * 16 + 16 * 9 + 9 * 3
        assert NeuronAttribution().flops(net, 10) == 2 * 10 * 3 * n_weights + 2 * 10 * 3 * 25


    @pytest.mark.parametrize("backend", ["masked", "sparse"])
    def test_sampled_columns_are_unbiased(self, backend):
        # The mean of many sampled estimates converges on the exact sum (and each estimate is
        # a non-negative vector of the right shape), on both backends.
        torch.set_default_dtype(torch.float64)
        try:
            net = SparseMLP(25, (16, 9), 7, density=0.4, backend=backend, generator=torch.Generator().manual_seed(0))
        finally:
            torch.set_default_dtype(torch.float32)
        x = torch.randn(12, 25, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        logits, pre = net(x)
        step = TrainingStep(net, x, logits.detach(), pre)
        exact = NeuronAttribution().score(step)
        metric = NeuronAttribution(columns=10)  # of 12 x 7 = 84
        metric.start(25, torch.Generator().manual_seed(2), torch.device("cpu"))
        draws = torch.stack([metric.score(step) for _ in range(4000)])
        assert bool((draws >= 0).all())
        mean, error = draws.mean(0), draws.std(0) / 4000**0.5
        assert bool((abs(mean - exact) < 5 * error + 1e-12).all()), (mean - exact) / error
        assert not torch.allclose(draws[0], exact)  # a single draw is an estimate, not the sum

    def test_enough_columns_is_the_exact_sum(self):
        net, x, step = _network_and_step(25, 3, 0.5)
        metric = NeuronAttribution(columns=21)  # 7 rows x 3 classes: all of them
        metric.start(25, torch.Generator().manual_seed(0), torch.device("cpu"))
        torch.testing.assert_close(metric.score(step), NeuronAttribution().score(step))

    def test_sampled_flops_count_the_sampled_columns(self):
        net, _, _ = _network_and_step(25, 3, 1.0)
        n_weights = 25 * 16 + 16 * 9 + 9 * 3
        assert NeuronAttribution(columns=4).flops(net, 10) == 2 * 4 * n_weights + 2 * 4 * 25


class TestStrength:
    @pytest.mark.parametrize("density", [1.0, 0.2])
    def test_equals_column_sums_of_absolute_first_layer(self, density):
        net, _, step = _network_and_step(25, 3, density)
        expected = net.layers[0].dense_weight().abs().sum(dim=0)
        torch.testing.assert_close(NeuronStrength().score(step), expected)
        if density < 1:  # inactive weights count as zero
            w = net.layers[0].dense_weight()
            assert torch.all(w[~net.layers[0].mask] == 0)


def test_random_importance_is_fixed_per_run_and_seeded():
    a, b = RandomImportance(), RandomImportance()
    a.start(50, torch.Generator().manual_seed(4), torch.device("cpu"))
    b.start(50, torch.Generator().manual_seed(4), torch.device("cpu"))
    _, _, step = _network_and_step(50, 2, 1.0)
    torch.testing.assert_close(a.score(step), b.score(step))
    torch.testing.assert_close(a.score(step), a.score(step))


class _Scripted(ImportanceMetric):
    """Returns a scripted sequence of scores, to check the windows by hand."""

    name = "scripted"

    def __init__(self, values):
        self.values = iter(values)

    def score(self, step):
        return torch.tensor(next(self.values), dtype=torch.float32)


def test_accumulation_windows_as_of_the_best_epoch():
    # epochs of two iterations each; epoch 2 is the best, epoch 3 is worse
    values = [[1, 0], [2, 0], [0, 4], [0, 8], [100, 100], [100, 100]]
    acc = ImportanceAccumulator(_Scripted(values), 2, torch.device("cpu"))
    for is_best in (True, True, False):
        acc.observe(None)
        acc.observe(None)
        acc.end_epoch(is_best)
    result = acc.result()
    np.testing.assert_array_equal(result["all_epochs"], [3, 12])
    np.testing.assert_array_equal(result["best_epoch"], [0, 12])
    np.testing.assert_array_equal(result["last_iteration"], [0, 8])


def test_accumulator_without_a_best_epoch_refuses_to_report():
    acc = ImportanceAccumulator(_Scripted([[1.0]]), 1, torch.device("cpu"))
    acc.observe(None)
    acc.end_epoch(False)
    with pytest.raises(RuntimeError, match="best"):
        acc.result()


def test_registry_names_every_metric():
    assert set(METRICS) == {"attribution", "strength", "random"}
    assert isinstance(get_metric("strength"), NeuronStrength)
    with pytest.raises(ValueError, match="unknown importance metric 'nope'"):
        get_metric("nope")
