"""Linear layers with a sparse, changing set of active weights.

Every layer backend implements the same small protocol, which the topology updates
(:mod:`sparsefs.network.topology`), the importance metrics and the cost accounting use:

- ``in_features``, ``out_features``, ``n_active``, ``device``, ``weight`` (the parameter that
  holds the trainable weight values) and ``bias``;
- ``forward(x)``;
- ``active_positions()`` / ``active_magnitudes()`` / ``is_active(positions)``: the active
  weights, as flat row-major positions in the ``out_features x in_features`` matrix;
- ``rewire(removed, grown)``: deactivate and zero ``removed``, activate ``grown`` at zero, and
  return the indices into ``weight``'s flat storage whose optimiser state must be cleared;
- ``capture_gradient(flag)`` then ``topk_inactive_gradient(n)``: RigL's dense loss gradient,
  recorded during the next backward pass;
- ``backprop_input(grad)``: ``grad @ W``, the input gradient for a stack of output gradients;
- ``abs_column_sums()``: ``sum_i |W[i, j]|`` for every input ``j``;
- ``dense_weight()``: the full matrix, for tests and inspection only.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class MaskedLinear(nn.Module):
    """Reference backend: a dense weight matrix multiplied by a binary mask.

    Inactive weights are kept at exactly zero: they start at zero, their gradient is masked in
    the forward pass, and their optimiser state is cleared whenever they are (de)activated.
    ``mask is None`` means a fully dense layer.
    """

    def __init__(self, in_features: int, out_features: int, n_active: int, generator: torch.Generator):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        weight, bias = _linear_init(in_features, out_features, generator)
        total = in_features * out_features
        if n_active >= total:
            mask = None
        else:
            mask = torch.zeros(total, dtype=torch.bool)
            mask[torch.randperm(total, generator=generator)[:n_active]] = True
            mask = mask.view(out_features, in_features)
            weight = weight * mask
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(bias)
        self.register_buffer("mask", mask)
        self._capture = False
        self._effective_weight: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return self.weight.device

    @property
    def n_active(self) -> int:
        return self.weight.numel() if self.mask is None else int(self.mask.sum())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight if self.mask is None else self.weight * self.mask
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

    def is_active(self, positions: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            return torch.ones_like(positions, dtype=torch.bool)
        return self.mask.view(-1)[positions]

    @torch.no_grad()
    def rewire(self, removed: torch.Tensor, grown: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            raise RuntimeError("a dense layer has no inactive positions to rewire")
        mask, weight = self.mask.view(-1), self.weight.view(-1)
        mask[removed] = False
        mask[grown] = True
        changed = torch.cat([removed, grown])
        weight[changed] = 0.0
        return changed

    def capture_gradient(self, flag: bool) -> None:
        self._capture = flag

    def topk_inactive_gradient(self, n: int) -> torch.Tensor:
        captured = self._effective_weight
        if captured is None or captured.grad is None:
            raise RuntimeError("no gradient captured: call capture_gradient(True) before the backward pass")
        score = captured.grad.detach().abs().view(-1).clone()
        if self.mask is not None:
            score[self.mask.view(-1)] = -1.0
        return torch.topk(score, n, sorted=False).indices

    def backprop_input(self, grad: torch.Tensor) -> torch.Tensor:
        return grad @ self._effective_weight.detach()

    def abs_column_sums(self) -> torch.Tensor:
        return self.weight.detach().abs().sum(dim=0)

    def dense_weight(self) -> torch.Tensor:
        return self.weight.detach().clone()

    def extra_repr(self) -> str:
        density = self.n_active / (self.in_features * self.out_features)
        return f"in_features={self.in_features}, out_features={self.out_features}, density={density:.4f}"


def _linear_init(in_features: int, out_features: int, generator: torch.Generator):
    """``torch.nn.Linear``'s default initialisation, drawn from ``generator`` on the CPU."""
    bound = 1.0 / math.sqrt(in_features)
    weight = torch.empty(out_features, in_features).uniform_(-bound, bound, generator=generator)
    bias = torch.empty(out_features).uniform_(-bound, bound, generator=generator)
    return weight, bias
