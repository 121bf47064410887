"""Neuron attribution (Attr), the paper's metric, computed with batched products.

``S(x_j) = sum_c (1/m) sum_k |d softmax_c(x_k) / d x_j|`` for classification; the task decides
the outputs summed over (:meth:`sparsefs.tasks.Task.output_jacobian`: the linear outputs for
regression, the reconstruction for unsupervised selection). Instead of a per-sample Jacobian,
the ``C`` output gradients of every sample are back-propagated together, as the columns of
one matrix ``G^T`` (a column per sample and class), through the layers (``W^T G^T``, masked by
the ReLU derivatives) down to the input. Samples go through in blocks sized for the first
layer's product, so memory stays bounded and sparse products stay in cache.
"""

from __future__ import annotations

import torch

from ..tasks import softmax_jacobian
from .base import ImportanceMetric, TrainingStep


class NeuronAttribution(ImportanceMetric):
    """Mean absolute input gradient of the softmax outputs, summed over classes.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.importance import NeuronAttribution, TrainingStep
    >>> from sparsefs.network import SparseMLP
    >>> network = SparseMLP(5, (8,), 3, generator=torch.Generator().manual_seed(0))
    >>> inputs = torch.randn(4, 5)
    >>> logits, pre_activations = network(inputs)
    >>> step = TrainingStep(network, inputs, logits.detach(), [z.detach() for z in pre_activations])
    >>> scores = NeuronAttribution().score(step)
    >>> scores.shape, bool((scores >= 0).all())
    (torch.Size([5]), True)
    """

    name = "attribution"
    label = "Attr"
    style = {"linestyle": "-"}

    def __init__(self, max_block_elements: int = 1 << 24):
        # Bounds the (n_features x columns) block of input gradients held at once.
        self.max_block_elements = max_block_elements
        # Reused for that block from step to step: a fresh multi-megabyte tensor per block
        # costs as much in page faults as the sparse product itself.
        self._workspace: torch.Tensor | None = None

    def score(self, step: TrainingStep) -> torch.Tensor:
        layers = step.network.layers
        first = layers[0]
        m, n_logits = step.logits.shape
        # (m, O, C): [k, o, i] = d out_o(x_k) / d z_i; the softmax's unless the task says otherwise
        jacobian = (step.output_jacobian or softmax_jacobian)(step.logits)
        n_outputs = jacobian.shape[1]
        columns = min(first.gradient_block_size, self.max_block_elements // first.in_features)
        n_blocks = -(-m // max(1, columns // n_outputs))
        samples = -(-m // n_blocks)  # equal blocks, so they share one workspace
        total = torch.zeros(first.in_features, dtype=jacobian.dtype, device=jacobian.device)
        for start in range(0, m, samples):
            block = slice(start, min(start + samples, m))
            width = block.stop - block.start
            grad_t = jacobian[block].permute(2, 0, 1).reshape(n_logits, width * n_outputs)
            for layer, z in zip(reversed(layers[1:]), reversed(step.pre_activations)):
                grad_t = layer.backprop_columns(grad_t).view(-1, width, n_outputs)
                grad_t = (grad_t * (z[block] > 0).t().unsqueeze(2)).view(-1, width * n_outputs)
            inputs_grad = first.backprop_columns(grad_t, out=self._block_output(first.in_features, grad_t))
            # sum of absolute values in one fused pass, without an |.| temporary
            total += torch.linalg.vector_norm(inputs_grad, ord=1, dim=1)
        return total / m

    def _block_output(self, n_features: int, grad_t: torch.Tensor) -> torch.Tensor:
        columns = grad_t.shape[1]
        workspace = self._workspace
        if workspace is None or workspace.shape[0] != n_features or workspace.shape[1] < columns \
                or workspace.dtype != grad_t.dtype or workspace.device != grad_t.device:
            workspace = self._workspace = torch.empty(n_features, columns, dtype=grad_t.dtype, device=grad_t.device)
        return workspace if workspace.shape[1] == columns else torch.empty_like(workspace[:, :columns])

    def flops(self, network, batch_size: int, n_outputs: int | None = None) -> int:
        # one column per sample and output summed over: the classes, or the outputs the task
        # names (a sampled subset of the autoencoder's, sparsefs.tasks.Unsupervised.max_outputs)
        n_classes = network.layers[-1].out_features if n_outputs is None else n_outputs
        products = 2 * batch_size * n_classes * sum(network.n_active_weights())
        abs_and_sum = 2 * batch_size * n_classes * network.first_layer.in_features
        return products + abs_and_sum

