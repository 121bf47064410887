"""Scale: sparse input end to end, attribution without an n_features x (C m) block, bad sparse input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from sparsefs import SparseFeatureSelector
from sparsefs.batches import BatchSource, check_sparse_input
from sparsefs.importance import NeuronAttribution, TrainingStep
from sparsefs.network import SparseMLP
from sparsefs.training import Trainer, TrainingConfig, train_network

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _sparse_problem(n=160, d=60, density=0.15, seed=0):
    rng = np.random.RandomState(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=rng, data_rvs=rng.randn)
    dense = X.toarray()
    y = ((dense[:, 0] + dense[:, 1] - dense[:, 2] * dense[:, 3]) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("training", ["set", "rigl"])
@pytest.mark.parametrize("backend", ["sparse", "masked"])
def test_sparse_and_dense_input_give_the_same_importances(training, backend):
    X, y = _sparse_problem()
    scale = np.sqrt(np.asarray(X.power(2).mean(axis=0))).ravel() + 0.5
    mean = np.zeros(X.shape[1])
    config = TrainingConfig(training=training, sparsity=0.85, hidden_layer_sizes=(24, 12), max_epochs=4,
                            batch_size=16, update_interval=3, backend=backend)
    results = []
    for data in (X, X.toarray()):
        train = BatchSource(data[:120], y[:120], mean, scale, CPU)
        validation = BatchSource(data[120:], y[120:], mean, scale, CPU)
        assert train.is_sparse == sp.issparse(data)
        results.append(train_network(train, validation, 2, config, ["attribution", "strength"], seed=2, device=CPU))
    sparse, dense = results
    np.testing.assert_allclose(sparse.history["val_loss"], dense.history["val_loss"], rtol=1e-9)
    for metric in ("attribution", "strength"):
        for window, values in dense.importances[metric].items():
            np.testing.assert_allclose(sparse.importances[metric][window], values, rtol=1e-9, atol=1e-12)
    assert sparse.training_flops == dense.training_flops


class _ShapeRecorder(TorchDispatchMode):
    """Records the shape of every dense tensor an operation returns (forward and backward)."""

    def __init__(self):
        super().__init__()
        self.shapes: set[tuple[int, ...]] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(tensor, torch.Tensor) and tensor.layout == torch.strided:
                self.shapes.add(tuple(tensor.shape))
        return out


@pytest.mark.parametrize("training", ["set", "rigl"])
def test_no_n_features_by_anything_tensor_in_a_sparse_input_step(training):
    d = 20_011  # a prime: no other dimension of the problem equals it by chance
    rng = np.random.RandomState(0)
    X = sp.random(40, d, density=0.002, format="csr", random_state=rng, data_rvs=rng.randn)
    y = np.arange(40) % 3
    source = BatchSource(X, y, np.zeros(d), np.ones(d), CPU)
    config = TrainingConfig(training=training, sparsity=0.999, hidden_layer_sizes=(50, 10), batch_size=20,
                            update_interval=1, backend="sparse")
    trainer = Trainer(d, 3, config, ["attribution", "strength"], seed=0, device=CPU, steps_per_epoch=2)
    for inputs, targets in source.batches(20, torch.Generator().manual_seed(0)):
        assert inputs.layout == torch.sparse_csr
        recorder = _ShapeRecorder()
        with recorder:
            trainer.step(inputs, targets)  # forward, backward, attribution, Adam, a topology update
        wide = [shape for shape in recorder.shapes if d in shape and np.prod(shape) > d + 1]
        assert wide == [], wide
        assert (d,) in recorder.shapes  # the per-feature scores: the one n_features-sized result


def _jacrev_attribution(network, dense_inputs):
    """The paper's definition, per sample, with torch.func on the network's dense weights:
    sum_c mean_k |d softmax_c(x_k) / d x|."""
    weights = [(layer.dense_weight(), layer.bias.detach()) for layer in network.layers]

    def probabilities(sample):
        hidden = sample
        for weight, bias in weights[:-1]:
            hidden = torch.relu(weight @ hidden + bias)
        weight, bias = weights[-1]
        return torch.softmax(weight @ hidden + bias, dim=0)

    jacobians = torch.func.vmap(torch.func.jacrev(probabilities))(dense_inputs)  # (m, C, d)
    return jacobians.abs().sum(dim=1).mean(dim=0)


@pytest.mark.parametrize("backend", ["sparse", "masked"])
@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("density", [0.02, 0.2, 1.0])
def test_attribution_equals_the_jacrev_oracle(backend, sparse_input, density):
    d = 300
    network = SparseMLP(d, (40, 12), 4, density=density, backend=backend, generator=torch.Generator().manual_seed(3))
    dense = torch.randn(25, d, generator=torch.Generator().manual_seed(4))
    dense[torch.rand(25, d, generator=torch.Generator().manual_seed(5)) < 0.9] = 0
    inputs = dense.to_sparse_csr() if sparse_input else dense
    with torch.no_grad():
        logits, pre_activations = network(inputs)
    scores = NeuronAttribution().score(TrainingStep(network, inputs, logits, pre_activations))
    expected = _jacrev_attribution(network, dense)
    torch.testing.assert_close(scores, expected, rtol=1e-9, atol=1e-12)
    if density == 0.02:  # inputs with no, one and several weights: every path of the sparse backend
        degree = (network.first_layer.dense_weight() != 0).sum(dim=0)
        assert {0, 1, 2} <= set(degree.clamp(max=2).tolist())
        assert (scores[degree == 0] == 0).all()


def test_attribution_in_blocks_equals_one_block(monkeypatch):
    from sparsefs.network.sparse import SparseLinear

    network = SparseMLP(500, (60,), 3, density=0.05, backend="sparse", generator=torch.Generator().manual_seed(0))
    inputs = torch.randn(30, 500, generator=torch.Generator().manual_seed(1))
    logits, pre = network(inputs)
    step = TrainingStep(network, inputs, logits.detach(), pre)
    whole = NeuronAttribution().score(step)
    monkeypatch.setattr(SparseLinear, "attribution_block_elements", 7 * 90)  # blocks of 7 inputs
    torch.testing.assert_close(NeuronAttribution().score(step), whole, rtol=1e-12, atol=0)


def _valid():
    return sp.random(40, 10, density=0.3, format="csr", random_state=0)


def _with_nan():
    X = _valid()
    X.data[2] = np.nan
    return X


def _with_inf():
    X = _valid()
    X.data[0] = -np.inf
    return X


def _negative_index():
    X = _valid()
    X.indices[3] = -1
    return X


def _index_beyond_shape():
    X = _valid()
    return sp.csr_matrix((X.data, X.indices, X.indptr), shape=(40, 5))  # scipy builds it unchecked


@pytest.mark.parametrize("make,message", [
    (_with_nan, "NaN"),
    (_with_inf, "infinity|infinite"),
    (_negative_index, r"X is not a valid sparse matrix of shape \(40, 10\): .*>= 0"),
    (_index_beyond_shape, r"X is not a valid sparse matrix of shape \(40, 5\): .*< 5"),
])
def test_bad_sparse_input_is_refused_with_one_clear_message(make, message):
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match=message):
        SparseFeatureSelector(3, hidden_layer_sizes=(4,), max_epochs=1).fit(make(), y)


def test_malformed_row_pointers_are_refused():
    # scipy checks the row pointers only when it builds a matrix: arrays changed afterwards (or
    # a torch tensor built without checks) reach sparsefs, which must refuse them in one line.
    y = np.arange(40) % 2
    X = _valid()
    X.indptr = X.indptr[:-5]
    crow, columns, values = (torch.from_numpy(a) for a in (_valid().indptr[:-5], _valid().indices, _valid().data))
    tensor = torch.sparse_csr_tensor(crow, columns, values, size=(40, 10), check_invariants=False)
    for bad in (X, tensor):
        with pytest.raises(ValueError, match=r"^X is not a valid sparse matrix of shape \(40, 10\): "):
            SparseFeatureSelector(3, hidden_layer_sizes=(4,), max_epochs=1).fit(bad, y)


def test_torch_sparse_input_is_accepted_and_checked():
    X, y = _sparse_problem(n=60, d=20)
    params = dict(n_features_to_select=3, hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
    reference = SparseFeatureSelector(**params).fit(X, y)
    coo = torch.sparse_coo_tensor(np.vstack(X.nonzero()), X.data, X.shape, check_invariants=True)
    for tensor in (coo, coo.to_sparse_csr()):
        np.testing.assert_array_equal(SparseFeatureSelector(**params).fit(tensor, y).ranking_, reference.ranking_)
    bad = torch.sparse_coo_tensor(torch.tensor([[0, 1], [0, -1]]), torch.tensor([1.0, 2.0]), (2, 3),
                                  check_invariants=False)
    with pytest.raises(ValueError, match="negative indices"):
        check_sparse_input(bad)


def test_sparse_batches_are_scaled_not_centred():
    X, y = _sparse_problem(n=30, d=12)
    scale = np.linspace(1, 3, 12)
    with pytest.raises(ValueError, match="never centred"):
        BatchSource(X, y, np.ones(12), scale, CPU)
    batch, _ = next(BatchSource(X, y, np.zeros(12), scale, CPU).batches(30))
    np.testing.assert_allclose(batch.to_dense().numpy(), X.toarray() / scale)
    assert batch.values().numel() == X.nnz


@pytest.mark.parametrize("backend", ["sparse", "masked"])
def test_a_weight_budget_gives_exactly_that_many_weights_in_erk_shape(backend):
    network = SparseMLP(5000, (200, 50), 3, backend=backend, n_weights=40_000)
    assert sum(network.n_active_weights()) == 40_000
    shapes = [(5000, 200), (200, 50), (50, 3)]
    erk = [(a + b) / (a * b) for a, b in shapes]
    ratios = [density / share for density, share in zip(network.densities, erk) if density < 1]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-3)  # ERK: density proportional to (in+out)/(in*out)


def test_the_selector_takes_a_weight_budget():
    X, y = _sparse_problem(n=80, d=40)
    selector = SparseFeatureSelector(5, n_weights=500, hidden_layer_sizes=(16, 8), max_epochs=2, random_state=0).fit(X, y)
    assert selector.n_parameters_ == 500 + 16 + 8 + 2
    with pytest.raises(ValueError, match="n_weights must be between 1 and the 784 possible weights"):
        SparseFeatureSelector(5, n_weights=10**6, hidden_layer_sizes=(16, 8), max_epochs=1).fit(X, y)
