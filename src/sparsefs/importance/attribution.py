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

    ``columns``: how many of a step's ``m x C`` (sample, output) gradient columns are
    back-propagated; ``None`` (the default) takes them all, the exact sum. With fewer, the sum
    is estimated from that many columns drawn with replacement, each with probability
    proportional to the L1 norm of its row of the output Jacobian and weighted by the inverse
    of that probability: an unbiased estimate (columns of outputs whose probability is
    saturated at 0 or 1 carry no gradient and are never drawn), at ``columns / (m C)`` of the
    exact cost. The training configuration sets it (``attribution_columns``).

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

    def __init__(self, max_block_elements: int = 1 << 24, columns: int | None = None):
        # Bounds the (n_features x columns) block of input gradients a dense (masked) first
        # layer holds at once; the sparse backend never holds one.
        self.max_block_elements = max_block_elements
        self.columns = columns
        self._generator: torch.Generator | None = None

    def configure(self, config) -> None:
        self.columns = config.attribution_columns

    def start(self, n_features, generator, device):
        self._generator = generator

    def output_jacobian(self, step: TrainingStep) -> torch.Tensor:
        """``(m, O, C)``: derivative of each of the ``O`` outputs with respect to the ``C`` logits:
        the task's (:meth:`sparsefs.tasks.Task.output_jacobian`), else the softmax's."""
        return (step.output_jacobian or softmax_jacobian)(step.logits)

    def score(self, step: TrainingStep) -> torch.Tensor:
        jacobian = self.output_jacobian(step)
        return attribution_from_jacobian(step.network, jacobian, step.pre_activations, self.max_block_elements,
                                         columns=self.columns, generator=self._generator)

    def flops(self, network, batch_size: int, n_outputs: int | None = None) -> int:
        # one column per sample and output summed over: the classes, or the outputs the task
        # names (a sampled subset of the autoencoder's, sparsefs.tasks.Unsupervised.max_outputs),
        # or the sampled columns
        n_classes = network.layers[-1].out_features if n_outputs is None else n_outputs
        columns = batch_size * n_classes if self.columns is None else min(self.columns, batch_size * n_classes)
        products = 2 * columns * sum(network.n_active_weights())
        abs_and_sum = 2 * columns * network.first_layer.in_features
        return products + abs_and_sum


def attribution_from_jacobian(network, jacobian: torch.Tensor, pre_activations, max_block_elements: int = 1 << 24,
                              columns: int | None = None, generator: torch.Generator | None = None):
    """``sum_o (1/m) sum_k |d y_o(x_k) / d x_j|`` for every input ``j``, given ``d y / d logits``.

    ``jacobian`` has shape ``(m, O, C)``: ``[k, o, c] = d y_o(x_k) / d z_c`` for the network's
    ``C`` logits ``z`` (a softmax's Jacobian for class probabilities, the identity for a linear
    output). ``pre_activations`` are the hidden layers' pre-activations on the same ``m``
    samples; the hidden activation's derivative is ``network.activation_derivative``.
    ``columns``: estimate the sum from that many sampled (sample, output) columns
    (:class:`NeuronAttribution`); ``None`` or at least ``m O``: exact.

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
    m, n_outputs, n_logits = jacobian.shape
    if columns is not None and columns < m * n_outputs:
        grad, samples = _sampled_columns(jacobian, columns, generator)
        per_sample = 1  # a column's sample is looked up column by column
    else:
        # every column, sample-major: column k * O + o; blocks hold whole samples
        grad, samples, per_sample = jacobian.permute(2, 0, 1).reshape(n_logits, m * n_outputs), None, n_outputs
    return _input_gradient_l1(network, grad, samples, per_sample, pre_activations, max_block_elements) / m


def _sampled_columns(jacobian: torch.Tensor, n: int, generator: torch.Generator | None):
    """``n`` columns drawn with replacement, with probability proportional to the L1 norm of
    their Jacobian row, each scaled by ``1 / (n p)``: ``sum_c |W^T column_c|`` is then unbiased
    for the exact sum, whatever the network (``|s v| = s |v|`` for ``s > 0``)."""
    m, n_outputs, n_logits = jacobian.shape
    rows = jacobian.reshape(m * n_outputs, n_logits)
    weight = rows.abs().sum(dim=1)
    total = weight.sum()
    if not total > 0:  # every output saturated: no gradient anywhere
        return rows.new_zeros(n_logits, 0), torch.zeros(0, dtype=torch.long, device=rows.device)
    # drawn on the CPU from the metric's own generator: the same columns on every device
    picked = torch.multinomial(weight.cpu().double(), n, replacement=True, generator=generator).to(rows.device)
    scale = total / (n * weight[picked])
    return (rows[picked] * scale.unsqueeze(1)).t().contiguous(), picked // n_outputs


def _input_gradient_l1(network, grad: torch.Tensor, samples, per_sample: int, pre_activations, max_block_elements):
    """``sum_c |d_c(x) / d x_j|`` over the columns ``c`` of ``grad`` (logit gradients, one column
    per (sample, output)), back-propagated through the network in blocks of columns.

    ``samples`` names each column's sample; ``None``: columns come sample by sample, ``per_sample``
    of each, and blocks hold whole samples."""
    layers = network.layers
    first = layers[0]
    total = torch.zeros(first.in_features, dtype=grad.dtype, device=grad.device)
    n_columns = grad.shape[1]
    if n_columns == 0:
        return total
    units = n_columns // per_sample
    width = max(1, first.gradient_block_columns(max_block_elements, n_columns) // per_sample)
    n_blocks = -(-units // width)
    width = -(-units // n_blocks)  # equal blocks, so they share one workspace
    for start in range(0, units, width):
        block = slice(start, min(start + width, units))
        grad_t = grad[:, block.start * per_sample : block.stop * per_sample]
        for layer, z in zip(reversed(layers[1:]), reversed(pre_activations)):
            grad_t = layer.backprop_columns(grad_t)
            if samples is None:  # the block's samples, each derivative shared by its outputs
                derivative = network.activation_derivative(z[block]).t().unsqueeze(2)
                grad_t = (grad_t.view(-1, block.stop - block.start, per_sample) * derivative).view(grad_t.shape)
            else:
                grad_t = grad_t * network.activation_derivative(z[samples[block]]).t()
        total += first.input_gradient_l1(grad_t)
    return total


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
