"""The multilayer perceptron: d -> hidden... -> C, ReLU between layers, logits out."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .layers import MaskedLinear
from .sparse import SparseLinear
from .topology import active_counts, budget_density, erk_densities, exact_budget

BACKENDS = ("auto", "sparse", "masked")

#: Measured crossovers on a 2-core CPU (``benchmarks/sparse_vs_dense.py --sections crossover``):
#: ``(minimum positions, maximum density)``, largest layers first. A layer with at least that
#: many positions trains faster as CSR up to that density (784x1000 and larger: 1.3x faster at
#: 0.3, slower at 0.5; 1000x100: faster only from 0.05 down); smaller layers never gained.
#: The second was 0.05 for a step's training work alone; with the attribution's batch x C
#: gradient columns at every step (the default metric) a 1000x100 layer at 7.6% density is
#: 1.3x faster per step as CSR (d = 784, 1024, 5966; C = 2-15), at 39% 5% slower.
SPARSE_CROSSOVERS = ((500_000, 0.3), (100_000, 0.1))


def choose_layer_backend(n_in: int, n_out: int, density: float, backend: str, device: torch.device) -> type[nn.Module]:
    """The layer class for one layer: ``"auto"`` goes sparse where that was measured faster."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if density >= 1.0 or backend == "masked":
        return MaskedLinear
    if backend == "sparse":
        return SparseLinear
    # No CUDA crossover has been measured: "auto" keeps CUDA layers masked (dense kernels).
    if torch.device(device).type != "cpu":
        return MaskedLinear
    for min_positions, max_density in SPARSE_CROSSOVERS:
        if n_in * n_out >= min_positions:
            return SparseLinear if density <= max_density else MaskedLinear
    return MaskedLinear


class SparseMLP(nn.Module):
    """An MLP whose weight layers keep a fixed number of active weights.

    ``density`` is the global density of all weight layers together, spread over the layers
    by ERK; ``density=1`` gives an ordinary dense network. ``n_weights``, if given, states the
    size instead: that many active weights in all (ERK-shaped, exactly), e.g. about a million
    at a million features, where a density of 0.001 would be an awkward way to say it. ``backend`` picks the layer
    implementation: ``"masked"`` (dense weights times a mask), ``"sparse"`` (only active
    weights stored; dense layers stay dense) or ``"auto"`` (per layer, the faster one).

    Examples
    --------
    >>> import torch
    >>> from sparsefs.network import SparseMLP
    >>> network = SparseMLP(100, (50, 10), 3, density=0.2, backend="sparse",
    ...                     generator=torch.Generator().manual_seed(0))
    >>> [round(d, 3) for d in network.densities]
    [0.154, 0.615, 1.0]
    >>> logits, pre_activations = network(torch.randn(8, 100))
    >>> logits.shape, network.n_parameters()
    (torch.Size([8, 3]), 1169)
    >>> wide = SparseMLP(10**6, (1000, 100), 2, n_weights=10**6, backend="sparse")
    >>> sum(wide.n_active_weights())
    1000000
    """

    def __init__(
        self,
        n_features: int,
        hidden_layer_sizes: Sequence[int],
        n_classes: int,
        density: float = 1.0,
        backend: str = "masked",
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        n_weights: int | None = None,
    ):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_classes]
        shapes = list(zip(sizes[:-1], sizes[1:]))
        if n_weights is not None:
            density = budget_density(shapes, n_weights)
        self.densities = erk_densities(shapes, density)
        counts = active_counts(shapes, self.densities)
        if n_weights is not None:
            counts = exact_budget(shapes, counts, n_weights)
            self.densities = [count / (n_in * n_out) for (n_in, n_out), count in zip(shapes, counts)]
        generator = generator if generator is not None else torch.Generator()
        self.layers = nn.ModuleList(
            choose_layer_backend(n_in, n_out, layer_density, backend, device)(n_in, n_out, n_active, generator)
            for (n_in, n_out), layer_density, n_active in zip(shapes, self.densities, counts)
        )

    @property
    def first_layer(self):
        return self.layers[0]

    @property
    def sparse_layers(self):
        """Layers with inactive positions, i.e. the ones the topology updates touch."""
        return [layer for layer in self.layers if layer.n_active < layer.in_features * layer.out_features]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits and the (detached) pre-activations of the hidden layers.

        ``x`` is a dense ``(batch, n_features)`` tensor or a torch CSR one (sparse input: the
        first layer reads its non-zeros only).
        """
        pre_activations = []
        for layer in self.layers[:-1]:
            z = layer(x)
            pre_activations.append(z.detach())
            x = self.activation(z)
        return self.layers[-1](x), pre_activations

    @staticmethod
    def activation(z: torch.Tensor) -> torch.Tensor:
        """The hidden activation (ReLU)."""
        return torch.relu(z)

    @staticmethod
    def activation_derivative(z: torch.Tensor) -> torch.Tensor:
        """Derivative of :meth:`activation` at the pre-activations ``z`` (1 where ``z > 0``, else 0)."""
        return (z > 0).to(z.dtype)

    def capture_gradient(self, flag: bool) -> None:
        for layer in self.layers:
            layer.capture_gradient(flag)

    def n_active_weights(self) -> list[int]:
        return [layer.n_active for layer in self.layers]

    def n_parameters(self) -> int:
        """Stored parameters: active weights plus biases."""
        return sum(layer.n_active + layer.out_features for layer in self.layers)
