"""The multilayer perceptron: d -> hidden... -> C, ReLU between layers, logits out."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .layers import MaskedLinear
from .topology import active_counts, erk_densities

BACKENDS = {"masked": MaskedLinear}


class SparseMLP(nn.Module):
    """An MLP whose weight layers keep a fixed number of active weights.

    ``density`` is the global density of all weight layers together, spread over the layers
    by ERK; ``density=1`` gives an ordinary dense network.
    """

    def __init__(
        self,
        n_features: int,
        hidden_layer_sizes: Sequence[int],
        n_classes: int,
        density: float = 1.0,
        backend: str = "masked",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_classes]
        shapes = list(zip(sizes[:-1], sizes[1:]))
        self.densities = erk_densities(shapes, density)
        counts = active_counts(shapes, self.densities)
        generator = generator if generator is not None else torch.Generator()
        layer_cls = BACKENDS[backend]
        self.layers = nn.ModuleList(
            layer_cls(n_in, n_out, n_active, generator) for (n_in, n_out), n_active in zip(shapes, counts)
        )

    @property
    def first_layer(self):
        return self.layers[0]

    @property
    def sparse_layers(self):
        """Layers with inactive positions, i.e. the ones the topology updates touch."""
        return [layer for layer in self.layers if layer.n_active < layer.in_features * layer.out_features]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits and the (detached) pre-activations of the hidden layers."""
        pre_activations = []
        for layer in self.layers[:-1]:
            z = layer(x)
            pre_activations.append(z.detach())
            x = torch.relu(z)
        return self.layers[-1](x), pre_activations

    def capture_gradient(self, flag: bool) -> None:
        for layer in self.layers:
            layer.capture_gradient(flag)

    def n_active_weights(self) -> list[int]:
        return [layer.n_active for layer in self.layers]

    def n_parameters(self) -> int:
        """Stored parameters: active weights plus biases."""
        return sum(layer.n_active + layer.out_features for layer in self.layers)
