"""ERK densities, exact active counts, and SET/RigL topology updates."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from sparsefs.network import SparseMLP
from sparsefs.network.layers import MaskedLinear
from sparsefs.network.topology import (
    active_counts,
    cosine_prune_fraction,
    erk_densities,
    reset_optimizer_state,
    sample_inactive_positions,
    update_layer_topology,
)

SHAPES = [
    [(784, 1000), (1000, 100), (100, 10)],
    [(20000, 1000), (1000, 100), (100, 2)],
    [(50, 30), (30, 20), (20, 3)],
]


class TestERK:
    @pytest.mark.parametrize("shapes", SHAPES)
    @pytest.mark.parametrize("density", [0.02, 0.05, 0.1, 0.2, 0.5, 0.75, 1.0])
    def test_weights_add_up_to_global_density(self, shapes, density):
        densities = erk_densities(shapes, density)
        sizes = [a * b for a, b in shapes]
        assert sum(d * s for d, s in zip(densities, sizes)) == pytest.approx(density * sum(sizes), rel=1e-9)
        assert all(0 < d <= 1 for d in densities)
        counts = active_counts(shapes, densities)
        assert abs(sum(counts) - density * sum(sizes)) <= len(shapes)

    def test_density_proportional_to_erdos_renyi_share(self):
        shapes = [(784, 1000), (1000, 100), (100, 10)]
        densities = erk_densities(shapes, 0.05)
        raw = [(a + b) / (a * b) for a, b in shapes]
        sparse = [i for i, d in enumerate(densities) if d < 1]
        ratios = {densities[i] / raw[i] for i in sparse}
        assert max(ratios) == pytest.approx(min(ratios))

    def test_layer_whose_share_exceeds_one_is_dense(self):
        shapes = [(20000, 1000), (1000, 100), (100, 2)]
        sizes = [a * b for a, b in shapes]
        raw = [(a + b) / (a * b) for a, b in shapes]
        naive_scale = 0.1 * sum(sizes) / sum(r * s for r, s in zip(raw, sizes))
        assert naive_scale * raw[2] > 1  # uncapped, the output layer would need >100% density
        densities = erk_densities(shapes, 0.1)
        assert densities[2] == 1.0
        assert densities[0] < 0.1  # the wide input layer pays for the dense ones

    def test_rejects_density_outside_unit_interval(self):
        with pytest.raises(ValueError, match="density"):
            erk_densities([(10, 10)], 0.0)


def test_cosine_prune_fraction_decays_from_initial_to_zero():
    assert cosine_prune_fraction(0.3, 0, 1000) == pytest.approx(0.3)
    assert cosine_prune_fraction(0.3, 500, 1000) == pytest.approx(0.15)
    assert cosine_prune_fraction(0.3, 1000, 1000) == pytest.approx(0.0, abs=1e-12)
    values = [cosine_prune_fraction(0.3, t, 100) for t in range(101)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def _layer(n_in=40, n_out=30, n_active=240, seed=0):
    layer = MaskedLinear(n_in, n_out, n_active, torch.Generator().manual_seed(seed))
    with torch.no_grad():  # give every active weight a distinct magnitude
        layer.weight.mul_(1 + torch.rand(layer.weight.shape, generator=torch.Generator().manual_seed(seed + 1)))
    return layer


class TestSET:
    def test_masked_layer_starts_with_exact_count_and_zero_inactive_weights(self):
        layer = _layer()
        assert layer.n_active == 240
        assert torch.all(layer.weight[~layer.mask] == 0)

    @pytest.mark.parametrize("n_updates", [1, 7, 50])
    def test_updates_keep_exact_count_and_grow_only_on_inactive_positions(self, n_updates):
        layer = _layer()
        gen = torch.Generator().manual_seed(3)
        for _ in range(n_updates):
            before = layer.mask.clone().view(-1)
            magnitudes = layer.weight.detach().abs().view(-1).clone()
            changed = update_layer_topology(layer, 0.3, "random", gen)
            after = layer.mask.view(-1)
            grown = (~before & after).nonzero().flatten()
            removed = (before & ~after).nonzero().flatten()
            assert layer.n_active == 240
            assert len(grown) == len(removed) == int(0.3 * 240)
            assert torch.all(~before[grown])
            assert torch.all(layer.weight.view(-1)[grown] == 0)
            # the removed weights are exactly the smallest-magnitude active ones
            kept = before & after
            assert magnitudes[removed].max() <= magnitudes[kept].min()
            assert set(changed.tolist()) == set(grown.tolist()) | set(removed.tolist())
            with torch.no_grad():  # simulate training moving the new weights
                layer.weight.view(-1)[grown] = torch.rand(len(grown), generator=gen) * 0.01

    def test_move_is_capped_by_free_positions_in_a_nearly_full_layer(self):
        layer = _layer(10, 10, 95)
        update_layer_topology(layer, 0.3, "random", torch.Generator().manual_seed(0))
        assert layer.n_active == 95

    def test_random_growth_is_uniform_over_inactive_positions(self):
        layer = _layer(20, 10, 100)
        inactive = (~layer.mask).view(-1).nonzero().flatten()
        gen = torch.Generator().manual_seed(0)
        hits = torch.zeros(200)
        for _ in range(2000):
            hits[sample_inactive_positions(layer, 10, gen)] += 1
        assert hits[layer.mask.view(-1)].sum() == 0
        expected = 2000 * 10 / len(inactive)
        assert hits[inactive].min() > 0.6 * expected and hits[inactive].max() < 1.4 * expected

    @pytest.mark.parametrize("n_in,n_out,n_active,n", [(100, 100, 500, 300), (10, 10, 90, 8), (10, 10, 50, 50)])
    def test_sampled_positions_are_distinct_inactive_and_exactly_n(self, n_in, n_out, n_active, n):
        layer = _layer(n_in, n_out, n_active)
        grown = sample_inactive_positions(layer, n, torch.Generator().manual_seed(1))
        assert grown.numel() == n == grown.unique().numel()
        assert not layer.is_active(grown).any()


class TestRigL:
    def test_grows_where_the_hand_computed_gradient_is_largest(self):
        torch.manual_seed(0)
        layer = _layer(12, 8, 30)
        x = torch.randn(5, 12)
        target = torch.randn(5, 8)
        layer.capture_gradient(True)
        out = layer(x)
        loss = F.mse_loss(out, target, reduction="sum")
        loss.backward()
        # dL/dW = delta^T x with delta = dL/dout = 2 (out - target)
        delta = 2 * (out.detach() - target)
        hand = (delta.T @ x).abs().view(-1)
        inactive = (~layer.mask).view(-1)
        n = 9
        expected = set(torch.topk(torch.where(inactive, hand, -1.0), n).indices.tolist())
        assert set(layer.topk_inactive_gradient(n).tolist()) == expected
        before = layer.mask.clone().view(-1)
        update_layer_topology(layer, n / 30 + 1e-9, "gradient", torch.Generator())
        grown = (~before & layer.mask.view(-1)).nonzero().flatten()
        assert set(grown.tolist()) == expected
        assert layer.n_active == 30

    def test_gradient_growth_without_captured_gradient_is_an_error(self):
        layer = _layer()
        with pytest.raises(RuntimeError, match="capture_gradient"):
            layer.topk_inactive_gradient(3)


def test_optimizer_state_is_cleared_for_moved_weights():
    layer = _layer()
    optimizer = torch.optim.Adam(layer.parameters(), lr=1e-2)
    layer(torch.randn(4, 40)).sum().backward()
    optimizer.step()
    state = optimizer.state[layer.weight]
    changed = update_layer_topology(layer, 0.3, "random", torch.Generator().manual_seed(0))
    reset_optimizer_state(optimizer, layer.weight, changed)
    assert torch.all(state["exp_avg"].view(-1)[changed] == 0)
    assert torch.all(state["exp_avg_sq"].view(-1)[changed] == 0)
    assert state["exp_avg"].abs().sum() > 0


def test_mlp_layers_have_erk_counts_and_parameter_total():
    net = SparseMLP(300, (100, 20), 4, density=0.1, generator=torch.Generator().manual_seed(0))
    shapes = [(300, 100), (100, 20), (20, 4)]
    assert net.n_active_weights() == active_counts(shapes, erk_densities(shapes, 0.1))
    assert net.n_parameters() == sum(net.n_active_weights()) + 100 + 20 + 4
    dense = SparseMLP(300, (100, 20), 4, density=1.0)
    assert dense.n_parameters() == 300 * 100 + 100 * 20 + 20 * 4 + 124
    assert dense.sparse_layers == []
    assert math.isclose(sum(net.densities[i] * a * b for i, (a, b) in enumerate(shapes)), 0.1 * sum(a * b for a, b in shapes))
