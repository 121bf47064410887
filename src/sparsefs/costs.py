"""Theoretical costs of a run (the method page §6): stored parameters and training FLOPs.

A linear layer's forward pass costs 2 FLOPs per active weight per sample (one multiply, one
add); a training step (forward + backward) costs three forward passes. Bias additions and
activations are left out, as in the paper.
"""

from __future__ import annotations

from collections.abc import Sequence


def forward_flops(n_active_weights: Sequence[int], n_samples: int) -> int:
    """FLOPs of one forward pass of ``n_samples`` through layers with these active weights.

    Examples
    --------
    Two layers with 1,000 and 100 active weights, a batch of 32 samples:

    >>> from sparsefs.costs import forward_flops
    >>> forward_flops([1000, 100], 32)
    70400
    """
    return 2 * sum(n_active_weights) * n_samples


def training_step_flops(n_active_weights: Sequence[int], batch_size: int) -> int:
    """FLOPs of one optimiser step (forward and backward) on a batch.

    Examples
    --------
    >>> from sparsefs.costs import training_step_flops
    >>> training_step_flops([1000, 100], 32)
    211200
    """
    return 3 * forward_flops(n_active_weights, batch_size)


def gradient_growth_flops(layer_shapes: Sequence[tuple[int, int]], batch_size: int) -> int:
    """FLOPs of RigL's dense weight gradient ``delta^T x`` over the given (sparse) layers.

    Examples
    --------
    RigL's dense gradient for a 784 x 100 and a 100 x 10 sparse layer, batch of 100:

    >>> from sparsefs.costs import gradient_growth_flops
    >>> gradient_growth_flops([(784, 100), (100, 10)], 100)
    15880000
    """
    return sum(2 * n_in * n_out * batch_size for n_in, n_out in layer_shapes)
