"""Linear layers with a sparse, changing set of active weights: the protocol and the masked backend.

Every layer backend implements the same small protocol, which the topology updates
(:mod:`sparsefs.network.topology`), the importance metrics and the cost accounting use:

- ``in_features``, ``out_features``, ``n_active``, ``device``, ``weight`` (the parameter that
  holds the trainable weight values) and ``bias``;
- ``forward(x)``;
- ``active_positions()`` / ``active_magnitudes()``: the active weights as sorted flat
  row-major positions in the ``out_features x in_features`` matrix, and their magnitudes;
- ``rewire(active, removed, grown, optimizer)``: given the current ``active_positions()``,
  deactivate ``active[removed]``, activate the positions ``grown`` at zero, and make
  ``optimizer`` forget the statistics of both;
- ``capture_gradient(flag)`` then ``topk_inactive_gradient(n, active)``: RigL's choice of the
  ``n`` inactive positions with the largest loss gradient, recorded during the next backward;
- ``backprop_columns(grad_t, out=None)``: ``W^T @ grad_t`` for output gradients stacked as
  the columns of an ``(out, k)`` matrix (into ``out`` if given), and ``gradient_block_size``:
  the ``k`` it handles efficiently;
- ``input_gradient_l1(grad_t)``: ``sum_c |(W^T grad_t)[j, c]|`` for every input ``j`` (the
  attribution's last step), and ``gradient_block_columns(max_elements, total)``: how many of
  the ``total`` columns of ``grad_t`` to pass at once (no temporary above ``max_elements``);
- ``forward`` accepts a torch CSR batch as well as a dense one (sparse input);
- ``abs_column_sums()``: ``sum_i |W[i, j]|`` for every input ``j``;
- ``dense_weight()``: the full matrix, for tests and inspection only.

Both backends start from the same weights for the same generator (:func:`initial_weights`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .topology import sample_distinct, top_n


def initial_weights(in_features: int, out_features: int, n_active: int, generator: torch.Generator):
    """Sorted active positions, their values and the bias, drawn on the CPU from ``generator``.

    Values follow ``torch.nn.Linear``'s default, ``U(-1/sqrt(in), 1/sqrt(in))``; only the
    active weights are drawn, so a sparse layer never needs its dense matrix.
    """
    total = in_features * out_features
    positions = torch.arange(total) if n_active >= total else sample_distinct(total, n_active, generator)
    bound = 1.0 / math.sqrt(in_features)
    values = torch.empty(positions.numel()).uniform_(-bound, bound, generator=generator)
    bias = torch.empty(out_features).uniform_(-bound, bound, generator=generator)
    return positions, values, bias


def forget_optimizer_state(optimizer, param: torch.Tensor, index: torch.Tensor) -> None:
    """Zero the optimiser's running statistics of ``param`` at the flat ``index``."""
    state = optimizer.state.get(param) if optimizer is not None else None
    if not state or index.numel() == 0:
        return
    for value in state.values():
        if torch.is_tensor(value) and value.shape == param.shape:
            value.view(-1)[index] = 0


class MaskedLinear(nn.Module):
    """Reference backend: a dense weight matrix multiplied by a binary mask.

    Inactive weights are kept at exactly zero: they start at zero, their gradient is masked in
    the forward pass, and their optimiser state is cleared whenever they are (de)activated.
    ``mask is None`` means a fully dense layer.
    """

    gradient_block_size = 1 << 30  # dense matrix products only get better with more columns

    def __init__(self, in_features: int, out_features: int, n_active: int, generator: torch.Generator):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        positions, values, bias = initial_weights(in_features, out_features, n_active, generator)
        weight = torch.zeros(out_features * in_features)
        weight[positions] = values
        mask = None
        if positions.numel() < weight.numel():
            mask = torch.zeros(weight.numel(), dtype=torch.bool)
            mask[positions] = True
            mask = mask.view(out_features, in_features)
        self.weight = nn.Parameter(weight.view(out_features, in_features))
        self.bias = nn.Parameter(bias)
        self.register_buffer("mask", mask)
        self._capture = False
        self._effective_weight: torch.Tensor | None = None
        self._workspace: torch.Tensor | None = None

    def __getstate__(self):
        # The last forward's masked product (a node of its autograd graph, which cannot be
        # deep-copied) and the workspace are rebuilt when needed: copies and pickles leave them out.
        return {**super().__getstate__(), "_effective_weight": None, "_workspace": None}

    @property
    def device(self) -> torch.device:
        return self.weight.device

    @property
    def n_active(self) -> int:
        return self.weight.numel() if self.mask is None else int(self.mask.sum())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            # kept detached: assigning the Parameter itself would register it a second time
            self._effective_weight = self.weight.detach()
            return F.linear(x, self.weight, self.bias)
        weight = self.weight * self.mask
        if self._capture:
            # RigL needs dL/dW at inactive positions too: keep the gradient of the masked product.
            weight.retain_grad()
        self._effective_weight = weight
        return F.linear(x, weight, self.bias)

    def active_positions(self) -> torch.Tensor:
        if self.mask is None:
            return torch.arange(self.weight.numel(), device=self.device)
        return self.mask.view(-1).nonzero().flatten()

    def active_magnitudes(self) -> torch.Tensor:
        return self.weight.detach().view(-1)[self.active_positions()].abs()

    @torch.no_grad()
    def rewire(self, active: torch.Tensor, removed: torch.Tensor, grown: torch.Tensor, optimizer=None) -> None:
        if self.mask is None:
            raise RuntimeError("a dense layer has no inactive positions to rewire")
        mask, weight = self.mask.view(-1), self.weight.view(-1)
        removed = active[removed]
        mask[removed] = False
        mask[grown] = True
        changed = torch.cat([removed, grown])
        weight[changed] = 0.0
        forget_optimizer_state(optimizer, self.weight, changed)

    def capture_gradient(self, flag: bool) -> None:
        self._capture = flag

    def topk_inactive_gradient(self, n: int, active: torch.Tensor | None = None) -> torch.Tensor:
        captured = self._effective_weight
        if captured is None or captured.grad is None:
            raise RuntimeError("no gradient captured: call capture_gradient(True) before the backward pass")
        score = captured.grad.detach().abs().view(-1).clone()
        if self.mask is not None:
            score[self.mask.view(-1)] = -1.0
        return top_n(score, None, n)  # flat indices are the positions: ties already in order

    def backprop_columns(self, grad_t: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        return torch.mm(self._effective_weight.detach().t(), grad_t, out=out)

    def gradient_block_columns(self, max_elements: int, total: int | None = None) -> int:
        return min(self.gradient_block_size, max_elements // self.in_features)

    def input_gradient_l1(self, grad_t: torch.Tensor) -> torch.Tensor:
        inputs_grad = self.backprop_columns(grad_t, out=self._workspace_for(grad_t))
        # sum of absolute values in one fused pass, without an |.| temporary
        return torch.linalg.vector_norm(inputs_grad, ord=1, dim=1)

    def _workspace_for(self, grad_t: torch.Tensor) -> torch.Tensor:
        # Reused from step to step: a fresh multi-megabyte block per step costs as much in page
        # faults as the product itself.
        columns, workspace = grad_t.shape[1], self._workspace
        if workspace is None or workspace.shape[1] < columns or workspace.dtype != grad_t.dtype \
                or workspace.device != grad_t.device:
            workspace = self._workspace = torch.empty(self.in_features, columns, dtype=grad_t.dtype, device=grad_t.device)
        return workspace if workspace.shape[1] == columns else torch.empty_like(workspace[:, :columns])

    def abs_column_sums(self) -> torch.Tensor:
        return self.weight.detach().abs().sum(dim=0)

    def dense_weight(self) -> torch.Tensor:
        return self.weight.detach().clone()

    def extra_repr(self) -> str:
        density = self.n_active / (self.in_features * self.out_features)
        return f"in_features={self.in_features}, out_features={self.out_features}, density={density:.4f}"
