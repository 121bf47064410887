"""ERK densities, exact active counts, and SET/RigL topology updates."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from sparsefs.network import SparseMLP
from sparsefs.network.dst import get_training_method
from sparsefs.network.layers import MaskedLinear
from sparsefs.network.sparse import SparseLinear
from sparsefs.network.topology import (
    active_counts,
    cosine_prune_fraction,
    erk_densities,
    sample_distinct,
    sample_inactive_positions,
    top_n,
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


LAYERS = [MaskedLinear, SparseLinear]


def _layer(n_in=40, n_out=30, n_active=240, seed=0, cls=MaskedLinear):
    layer = cls(n_in, n_out, n_active, torch.Generator().manual_seed(seed))
    with torch.no_grad():  # give every active weight a distinct magnitude
        layer.weight.mul_(1 + torch.rand(layer.weight.shape, generator=torch.Generator().manual_seed(seed + 1)))
    return layer


def _mask(layer) -> torch.Tensor:
    mask = torch.zeros(layer.in_features * layer.out_features, dtype=torch.bool)
    mask[layer.active_positions()] = True
    return mask


def _set_dense(layer, dense: torch.Tensor) -> None:
    """Write a full weight matrix into either backend (inactive entries must be zero)."""
    with torch.no_grad():
        if isinstance(layer, SparseLinear):
            layer.weight.copy_(dense.view(-1)[layer.active_positions()])
        else:
            layer.weight.copy_(dense.view(layer.weight.shape))


@pytest.mark.parametrize("cls", LAYERS)
class TestSET:
    def test_layer_starts_with_exact_count_and_zero_inactive_weights(self, cls):
        layer = _layer(cls=cls)
        assert layer.n_active == 240
        assert torch.all(layer.dense_weight().view(-1)[~_mask(layer)] == 0)

    @pytest.mark.parametrize("n_updates", [1, 7, 50])
    def test_updates_keep_exact_count_and_grow_only_on_inactive_positions(self, cls, n_updates):
        layer = _layer(cls=cls)
        gen = torch.Generator().manual_seed(3)
        for _ in range(n_updates):
            before = _mask(layer)
            magnitudes = layer.dense_weight().abs().view(-1)
            moved = get_training_method("random").update_topology(layer, 0.3, gen)
            after = _mask(layer)
            grown = (~before & after).nonzero().flatten()
            removed = (before & ~after).nonzero().flatten()
            assert layer.n_active == 240
            assert len(grown) == len(removed) == moved == int(0.3 * 240)
            assert torch.all(layer.dense_weight().view(-1)[grown] == 0)
            # the removed weights are exactly the smallest-magnitude active ones
            kept = before & after
            assert magnitudes[removed].max() <= magnitudes[kept].min()
            dense = layer.dense_weight().view(-1)
            dense[grown] = torch.rand(len(grown), generator=gen) * 0.01  # as if training moved them
            _set_dense(layer, dense)

    def test_move_is_capped_by_free_positions_in_a_nearly_full_layer(self, cls):
        layer = _layer(10, 10, 95, cls=cls)
        assert get_training_method("random").update_topology(layer, 0.3, torch.Generator().manual_seed(0)) == 5
        assert layer.n_active == 95

    def test_random_growth_is_uniform_over_inactive_positions(self, cls):
        layer = _layer(20, 10, 100, cls=cls)
        inactive = (~_mask(layer)).nonzero().flatten()
        gen = torch.Generator().manual_seed(0)
        hits = torch.zeros(200)
        for _ in range(2000):
            hits[sample_inactive_positions(layer, 10, gen)] += 1
        assert hits[_mask(layer)].sum() == 0
        expected = 2000 * 10 / len(inactive)
        assert hits[inactive].min() > 0.6 * expected and hits[inactive].max() < 1.4 * expected

    @pytest.mark.parametrize("n_in,n_out,n_active,n", [(100, 100, 500, 300), (10, 10, 90, 8), (10, 10, 50, 50)])
    def test_sampled_positions_are_distinct_inactive_and_exactly_n(self, cls, n_in, n_out, n_active, n):
        layer = _layer(n_in, n_out, n_active, cls=cls)
        grown = sample_inactive_positions(layer, n, torch.Generator().manual_seed(1))
        assert grown.numel() == n == grown.unique().numel()
        assert not _mask(layer)[grown].any()

    def test_optimizer_state_of_moved_weights_is_cleared_and_the_rest_kept(self, cls):
        layer = _layer(cls=cls)
        optimizer = torch.optim.Adam(layer.parameters(), lr=1e-2)
        layer(torch.randn(4, 40)).sum().backward()
        optimizer.step()
        before = _mask(layer)

        def dense_state(key):
            state = optimizer.state[layer.weight][key]
            if cls is MaskedLinear:
                return state.view(-1).clone()
            full = torch.zeros(1200)
            full[layer.active_positions()] = state
            return full

        exp_avg = dense_state("exp_avg")
        get_training_method("random").update_topology(layer, 0.3, torch.Generator().manual_seed(0), optimizer)
        moved = before ^ _mask(layer)
        assert moved.sum() == 2 * int(0.3 * 240)
        assert torch.all(dense_state("exp_avg")[moved] == 0)
        assert torch.all(dense_state("exp_avg_sq")[moved] == 0)
        kept = before & _mask(layer)
        torch.testing.assert_close(dense_state("exp_avg")[kept], exp_avg[kept])
        assert exp_avg[kept].abs().sum() > 0


@pytest.mark.parametrize("cls", LAYERS)
class TestRigL:
    def test_grows_where_the_hand_computed_gradient_is_largest(self, cls):
        torch.manual_seed(0)
        layer = _layer(12, 8, 30, cls=cls)
        x = torch.randn(5, 12)
        target = torch.randn(5, 8)
        layer.capture_gradient(True)
        out = layer(x)
        F.mse_loss(out, target, reduction="sum").backward()
        # dL/dW = delta^T x with delta = dL/dout = 2 (out - target)
        delta = 2 * (out.detach() - target)
        hand = (delta.T @ x).abs().view(-1)
        n = 9
        expected = set(torch.topk(torch.where(~_mask(layer), hand, -1.0), n).indices.tolist())
        assert set(layer.topk_inactive_gradient(n).tolist()) == expected
        before = _mask(layer)
        get_training_method("gradient").update_topology(layer, n / 30 + 1e-9, torch.Generator())
        grown = (~before & _mask(layer)).nonzero().flatten()
        assert set(grown.tolist()) == expected
        assert layer.n_active == 30

    def test_gradient_growth_without_captured_gradient_is_an_error(self, cls):
        layer = _layer(cls=cls)
        with pytest.raises(RuntimeError, match="capture_gradient"):
            layer.topk_inactive_gradient(3)


def test_sparse_gradient_search_in_column_blocks_matches_one_block(monkeypatch):
    import sparsefs.network.sparse as sparse_module

    layer = _layer(300, 20, 600, cls=SparseLinear)
    layer.capture_gradient(True)
    layer(torch.randn(6, 300)).pow(2).sum().backward()
    whole = layer.topk_inactive_gradient(50)
    monkeypatch.setattr(sparse_module, "_GRADIENT_BLOCK_ELEMENTS", 20 * 7)  # blocks of 7 columns
    assert torch.equal(layer.topk_inactive_gradient(50).sort().values, whole.sort().values)


def test_top_n_breaks_ties_by_position():
    scores = torch.tensor([1.0, 3.0, 2.0, 3.0, 2.0, 2.0])
    positions = torch.tensor([50, 40, 30, 20, 10, 60])
    chosen = top_n(scores, positions, 3)
    assert sorted(positions[chosen].tolist()) == [10, 20, 40]  # both 3s, then the 2 at position 10


def test_sample_distinct_is_exact_sorted_and_seeded():
    drawn = sample_distinct(1000, 300, torch.Generator().manual_seed(0))
    assert drawn.numel() == 300 == drawn.unique().numel()
    assert torch.equal(drawn, drawn.sort().values)
    assert torch.equal(drawn, sample_distinct(1000, 300, torch.Generator().manual_seed(0)))
    assert sample_distinct(10, 9, torch.Generator().manual_seed(0)).numel() == 9


def test_mlp_layers_have_erk_counts_and_parameter_total():
    net = SparseMLP(300, (100, 20), 4, density=0.1, generator=torch.Generator().manual_seed(0))
    shapes = [(300, 100), (100, 20), (20, 4)]
    assert net.n_active_weights() == active_counts(shapes, erk_densities(shapes, 0.1))
    assert net.n_parameters() == sum(net.n_active_weights()) + 100 + 20 + 4
    dense = SparseMLP(300, (100, 20), 4, density=1.0)
    assert dense.n_parameters() == 300 * 100 + 100 * 20 + 20 * 4 + 124
    assert dense.sparse_layers == []
    assert math.isclose(sum(net.densities[i] * a * b for i, (a, b) in enumerate(shapes)), 0.1 * sum(a * b for a, b in shapes))
