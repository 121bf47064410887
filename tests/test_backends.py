"""The sparse backend against the masked reference: same network, same moves, same numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sparsefs import SparseFeatureSelector
from sparsefs.batches import BatchSource, standardization
from sparsefs.importance import NeuronAttribution, NeuronStrength, TrainingStep
from sparsefs.network import SparseMLP
from sparsefs.network.layers import MaskedLinear
from sparsefs.network.mlp import choose_layer_backend
from sparsefs.network.sparse import SparseLinear
from sparsefs.network.dst import get_training_method
from sparsefs.network.topology import cosine_prune_fraction
from sparsefs.training import TrainingConfig, train_network


@pytest.fixture
def float64():
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(torch.float32)


def _pair(density=0.25, seed=0):
    return [
        SparseMLP(60, (40, 20), 4, density, backend, torch.Generator().manual_seed(seed))
        for backend in ("masked", "sparse")
    ]


def _dense_grads(network):
    grads = []
    for layer in network.layers:
        if isinstance(layer, SparseLinear):
            full = torch.zeros(layer.out_features * layer.in_features)
            full[layer.active_positions()] = layer.weight.grad
            grads.append(full.view(layer.out_features, layer.in_features))
        else:
            grads.append(layer.weight.grad.clone())
    return grads


@pytest.mark.parametrize("growth", ["random", "gradient"])
def test_same_outputs_gradients_moves_and_importance_over_300_steps(float64, growth):
    masked, sparse = _pair()
    assert [type(layer) for layer in sparse.layers[:2]] == [SparseLinear, SparseLinear]
    rng = np.random.RandomState(0)
    X = torch.tensor(rng.randn(200, 60))
    y = torch.tensor(rng.randint(0, 4, 200))
    optimizers = [torch.optim.Adam(net.parameters(), lr=1e-2, weight_decay=1e-4) for net in (masked, sparse)]
    generators = [torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)]
    metrics = [NeuronAttribution(), NeuronStrength()]
    n_moves = 0
    for step in range(1, 301):
        rows = torch.tensor(rng.choice(200, 32, replace=False))
        update = step % 5 == 0
        observed = []
        for net, optimizer, generator in zip((masked, sparse), optimizers, generators):
            net.capture_gradient(update and growth == "gradient")
            logits, pre = net(X[rows])
            optimizer.zero_grad()
            F.cross_entropy(logits, y[rows]).backward()
            with torch.no_grad():
                scores = [metric.score(TrainingStep(net, X[rows], logits.detach(), pre)) for metric in metrics]
            observed.append((logits.detach(), _dense_grads(net), scores))
            optimizer.step()
            if update:
                fraction = cosine_prune_fraction(0.3, step, 300)
                n_moves += sum(get_training_method(growth).update_topology(layer, fraction, generator, optimizer) for layer in net.sparse_layers)
        (logits_m, grads_m, scores_m), (logits_s, grads_s, scores_s) = observed
        torch.testing.assert_close(logits_s, logits_m, rtol=1e-9, atol=1e-10)
        for g_s, g_m in zip(grads_s, grads_m):
            torch.testing.assert_close(g_s, g_m, rtol=1e-9, atol=1e-10)
        for s_s, s_m in zip(scores_s, scores_m):
            torch.testing.assert_close(s_s, s_m, rtol=1e-9, atol=1e-10)
        for layer_m, layer_s in zip(masked.layers, sparse.layers):
            assert torch.equal(layer_m.active_positions(), layer_s.active_positions())
    assert n_moves > 1000


@pytest.mark.parametrize("training", ["set", "rigl"])
def test_training_runs_agree_between_backends(float64, training):
    rng = np.random.RandomState(1)
    X, y = rng.randn(150, 80), rng.randint(0, 3, 150)
    mean, scale = standardization(X[:120])
    cpu = torch.device("cpu")
    results = []
    for backend in ("masked", "sparse"):
        train = BatchSource(X[:120], y[:120], mean, scale, cpu)
        val = BatchSource(X[120:], y[120:], mean, scale, cpu)
        config = TrainingConfig(training=training, sparsity=0.8, hidden_layer_sizes=(50, 20), max_epochs=15,
                                batch_size=16, update_interval=4, backend=backend)
        results.append(train_network(train, val, 3, config, ["attribution", "strength"], seed=0, device=cpu))
    masked, sparse = results
    np.testing.assert_allclose(sparse.history["val_loss"], masked.history["val_loss"], rtol=1e-9)
    for metric in ("attribution", "strength"):
        for window, values in masked.importances[metric].items():
            np.testing.assert_allclose(sparse.importances[metric][window], values, rtol=1e-8, atol=1e-12)
    assert sparse.training_flops == masked.training_flops
    assert sparse.n_parameters == masked.n_parameters


def test_sparse_layers_store_no_dense_matrix_and_adam_state_only_for_active_weights():
    network = SparseMLP(2000, (300, 50), 3, density=0.05, backend="sparse", generator=torch.Generator().manual_seed(0))
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    logits, _ = network(torch.randn(16, 2000))
    logits.sum().backward()
    optimizer.step()
    for layer in network.sparse_layers:
        assert isinstance(layer, SparseLinear)
        dense_size = layer.in_features * layer.out_features
        assert layer.weight.shape == (layer.n_active,) and layer.n_active < dense_size
        tensors = [*layer.parameters(), *layer.buffers(), *optimizer.state[layer.weight].values()]
        assert max(t.numel() for t in tensors) <= max(layer.n_active, layer.in_features + 1)
        assert all(t.shape == layer.weight.shape for t in optimizer.state[layer.weight].values() if t.dim())
        assert layer.col.dtype == torch.int32


@pytest.mark.parametrize("density", [1.0, 0.3])
@pytest.mark.parametrize("backend", ["masked", "sparse"])
def test_layers_expose_only_weight_and_bias_and_work_with_functional_call(density, backend):
    network = SparseMLP(20, (10,), 3, density, backend, torch.Generator().manual_seed(0))
    inputs = torch.randn(4, 20)
    expected, _ = network(inputs)
    names = [name for name, _ in network.named_parameters()]
    assert names == [f"layers.{i}.{p}" for i in range(2) for p in ("weight", "bias")]
    params = {name: p.detach() for name, p in network.named_parameters()}
    logits, _ = torch.func.functional_call(network, (params, dict(network.named_buffers())), (inputs,))
    torch.testing.assert_close(logits, expected)


def test_auto_backend_chooses_by_density_size_and_device():
    cpu = torch.device("cpu")
    assert choose_layer_backend(5000, 1000, 0.05, "auto", cpu) is SparseLinear
    assert choose_layer_backend(5000, 1000, 0.9, "auto", cpu) is MaskedLinear
    assert choose_layer_backend(784, 1000, 0.3, "auto", cpu) is SparseLinear
    assert choose_layer_backend(1000, 100, 0.2, "auto", cpu) is MaskedLinear  # mid-size: only when very sparse
    assert choose_layer_backend(1000, 100, 0.04, "auto", cpu) is SparseLinear
    assert choose_layer_backend(100, 10, 0.05, "auto", cpu) is MaskedLinear  # too small to gain
    assert choose_layer_backend(5000, 1000, 0.05, "auto", torch.device("cuda")) is MaskedLinear
    assert choose_layer_backend(5000, 1000, 1.0, "sparse", cpu) is MaskedLinear  # dense stays dense
    with pytest.raises(ValueError, match="backend"):
        choose_layer_backend(10, 10, 0.5, "csr", cpu)


def test_selector_backend_parameter(float64):
    rng = np.random.RandomState(0)
    X, y = rng.randn(120, 40), rng.randint(0, 2, 120)
    params = dict(n_features_to_select=5, hidden_layer_sizes=(30, 10), sparsity=0.8, max_epochs=4, random_state=0)
    masked = SparseFeatureSelector(backend="masked", **params).fit(X, y)
    sparse = SparseFeatureSelector(backend="sparse", **params).fit(X, y)
    np.testing.assert_allclose(sparse.feature_importances_, masked.feature_importances_, rtol=1e-8)
    with pytest.raises(ValueError, match="backend"):
        SparseFeatureSelector(backend="csr", **params).fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_sparse_backend_on_cuda_matches_cpu():
    cpu_net = SparseMLP(300, (100, 20), 3, 0.1, "sparse", torch.Generator().manual_seed(0))
    cuda_net = SparseMLP(300, (100, 20), 3, 0.1, "sparse", torch.Generator().manual_seed(0)).cuda()
    x = torch.randn(8, 300)
    torch.testing.assert_close(cuda_net(x.cuda())[0].cpu(), cpu_net(x)[0], rtol=1e-4, atol=1e-5)
