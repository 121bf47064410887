"""Theoretical costs of a run (the method page §6): stored parameters and training FLOPs.

A linear layer's forward pass costs 2 FLOPs per active weight per sample (one multiply, one
add); a training step (forward + backward) costs three forward passes. Bias additions and
activations are left out, as in the paper.
"""

from __future__ import annotations

from collections.abc import Sequence


def forward_flops(n_active_weights: Sequence[int], n_samples: int) -> int:
    """FLOPs of one forward pass of ``n_samples`` through layers with these active weights."""
    return 2 * sum(n_active_weights) * n_samples


def training_step_flops(n_active_weights: Sequence[int], batch_size: int) -> int:
    """FLOPs of one optimiser step (forward and backward) on a batch."""
    return 3 * forward_flops(n_active_weights, batch_size)


def gradient_growth_flops(layer_shapes: Sequence[tuple[int, int]], batch_size: int) -> int:
    """FLOPs of RigL's dense weight gradient ``delta^T x`` over the given (sparse) layers."""
    return sum(2 * n_in * n_out * batch_size for n_in, n_out in layer_shapes)
