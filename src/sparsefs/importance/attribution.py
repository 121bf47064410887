"""Neuron attribution (Attr), the paper's metric, computed with batched products.

``S(x_j) = sum_c (1/m) sum_k |d softmax_c(x_k) / d x_j|`` for classification; the task decides
the outputs summed over (:meth:`sparsefs.tasks.Task.output_jacobian`: the linear outputs for
regression, the reconstruction for unsupervised selection). Instead of a per-sample Jacobian,
the ``C`` output gradients of every sample are back-propagated together, as the columns of
one matrix ``G^T`` (a column per sample and output), through the layers (``W^T G^T``, times
the hidden activation's derivative) down to the first layer, whose
``input_gradient_l1`` sums the absolute input gradients per input without ever holding an
``n_features x (C m)`` block on the sparse backend: only inputs with active weights are
touched, so the cost follows the first layer's active weights, not the number of features.

The computation is written against a given Jacobian of the outputs with respect to the logits
(:func:`attribution_from_jacobian`; softmax here) and the network's own activation derivative.
"""

from __future__ import annotations

import torch

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
    >>> step = TrainingStep(network, inputs, logits.detach(),
    ...                     [z.detach() for z in pre_activations])
    >>> scores = NeuronAttribution().score(step)
    >>> scores.shape, bool((scores >= 0).all())
    (torch.Size([5]), True)
    """

    name = "attribution"
    label = "Attr"
    style = {"linestyle": "-"}

    def __init__(self, max_block_elements: int = 1 << 24):
        # Bounds the (n_features x columns) block of input gradients a dense (masked) first
        # layer holds at once; the sparse backend never holds one.
        self.max_block_elements = max_block_elements

    def output_jacobian(self, step: TrainingStep) -> torch.Tensor:
        """``(m, O, C)``: derivative of each of the ``O`` outputs with respect to the ``C`` logits:
        the task's (:meth:`sparsefs.tasks.Task.output_jacobian`), else the softmax's."""
        return (step.output_jacobian or softmax_jacobian)(step.logits)

    def score(self, step: TrainingStep) -> torch.Tensor:
        jacobian = self.output_jacobian(step)
        return attribution_from_jacobian(step.network, jacobian, step.pre_activations, self.max_block_elements)

    def flops(self, network, batch_size: int, n_outputs: int | None = None) -> int:
        # one column per sample and output summed over: the classes, or the outputs the task
        # names (a sampled subset of the autoencoder's, sparsefs.tasks.Unsupervised.max_outputs)
        n_classes = network.layers[-1].out_features if n_outputs is None else n_outputs
        products = 2 * batch_size * n_classes * sum(network.n_active_weights())
        abs_and_sum = 2 * batch_size * n_classes * network.first_layer.in_features
        return products + abs_and_sum


def attribution_from_jacobian(network, jacobian: torch.Tensor, pre_activations, max_block_elements: int = 1 << 24):
    """``sum_o (1/m) sum_k |d y_o(x_k) / d x_j|`` for every input ``j``, given ``d y / d logits``.

    ``jacobian`` has shape ``(m, O, C)``: ``[k, o, c] = d y_o(x_k) / d z_c`` for the network's
    ``C`` logits ``z`` (a softmax's Jacobian for class probabilities, the identity for a linear
    output). ``pre_activations`` are the hidden layers' pre-activations on the same ``m``
    samples; the hidden activation's derivative is ``network.activation_derivative``.

    Examples
    --------
    With an identity Jacobian the attribution is the mean absolute gradient of the logits:

    >>> import torch
    >>> from sparsefs.importance.attribution import attribution_from_jacobian
    >>> from sparsefs.network import SparseMLP
    >>> network = SparseMLP(4, (6,), 2, generator=torch.Generator().manual_seed(0))
    >>> x = torch.randn(3, 4)
    >>> logits, pre = network(x)
    >>> scores = attribution_from_jacobian(network, torch.eye(2).expand(3, 2, 2), pre)
    >>> rows = [torch.autograd.functional.jacobian(lambda v: network(v)[0], x[k:k + 1]).abs() for k in range(3)]
    >>> torch.allclose(scores, sum(r.sum(dim=(0, 1, 2)) for r in rows) / 3)
    True
    """
    layers = network.layers
    first = layers[0]
    m, n_outputs, n_logits = jacobian.shape
    columns = max(1, first.gradient_block_columns(max_block_elements, m * n_outputs))
    n_blocks = -(-m // max(1, columns // n_outputs))
    samples = -(-m // n_blocks)  # equal blocks, so they share one workspace
    total = torch.zeros(first.in_features, dtype=jacobian.dtype, device=jacobian.device)
    for start in range(0, m, samples):
        block = slice(start, min(start + samples, m))
        width = block.stop - block.start
        grad_t = jacobian[block].permute(2, 0, 1).reshape(n_logits, width * n_outputs)
        for layer, z in zip(reversed(layers[1:]), reversed(pre_activations)):
            grad_t = layer.backprop_columns(grad_t).view(-1, width, n_outputs)
            derivative = network.activation_derivative(z[block])
            grad_t = (grad_t * derivative.t().unsqueeze(2)).view(-1, width * n_outputs)
        total += first.input_gradient_l1(grad_t)
    return total / m


def softmax_jacobian(logits: torch.Tensor) -> torch.Tensor:
    """``d softmax(z)_c / d z_i = p_c (delta_ci - p_i)`` for every sample, shape ``(m, C, C)``.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.importance.attribution import softmax_jacobian
    >>> softmax_jacobian(torch.zeros(1, 2))
    tensor([[[ 0.2500, -0.2500],
             [-0.2500,  0.2500]]])
    """
    probs = torch.softmax(logits, dim=1)
    return torch.diag_embed(probs) - probs.unsqueeze(2) * probs.unsqueeze(1)
