"""Neuron attribution (Attr), the paper's metric, computed with batched products.

``S(x_j) = sum_c (1/m) sum_k |d softmax_c(x_k) / d x_j|``. Instead of a per-sample Jacobian,
the ``C`` output gradients of every sample are back-propagated together as a
``(m, C, n)`` stack through the layers above the first, masked by the ReLU derivatives, and
multiplied with ``W1`` once: ``J = G @ W1``, where ``G`` is ``(m * C, hidden)``.
"""

from __future__ import annotations

import torch

from .base import ImportanceMetric, TrainingStep


class NeuronAttribution(ImportanceMetric):
    """Mean absolute input gradient of the softmax outputs, summed over classes."""

    name = "attribution"

    def __init__(self, max_block_elements: int = 1 << 24):
        # Bounds the (rows x n_features) block of the first-layer product held at once.
        self.max_block_elements = max_block_elements

    def score(self, step: TrainingStep) -> torch.Tensor:
        layers = step.network.layers
        grad = softmax_jacobian(step.logits)  # (m, C, C): row c is d p_c / d logits
        for layer, z in zip(reversed(layers[1:]), reversed(step.pre_activations)):
            grad = layer.backprop_input(grad) * (z > 0).unsqueeze(1)
        m, n_classes, hidden = grad.shape
        rows = grad.reshape(m * n_classes, hidden)
        first = layers[0]
        block = max(1, min(self.max_block_elements // first.in_features, first.input_block_rows))
        total = torch.zeros(first.in_features, dtype=grad.dtype, device=grad.device)
        for start in range(0, rows.shape[0], block):
            # sum of absolute values in one fused pass, without an |.| temporary
            total += torch.linalg.vector_norm(first.backprop_input(rows[start : start + block]), ord=1, dim=0)
        return total / m

    def flops(self, network, batch_size: int) -> int:
        n_classes = network.layers[-1].out_features
        products = 2 * batch_size * n_classes * sum(network.n_active_weights())
        abs_and_sum = 2 * batch_size * n_classes * network.first_layer.in_features
        return products + abs_and_sum


def softmax_jacobian(logits: torch.Tensor) -> torch.Tensor:
    """``d softmax(z)_c / d z_i = p_c (delta_ci - p_i)`` for every sample, shape ``(m, C, C)``."""
    probs = torch.softmax(logits, dim=1)
    return torch.diag_embed(probs) - probs.unsqueeze(2) * probs.unsqueeze(1)
