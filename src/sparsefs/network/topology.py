"""Sparse topology: how many weights each layer gets, and how they move during training.

Everything here is written against the small layer protocol of :mod:`sparsefs.network.layers`
(``active_positions``, ``active_magnitudes``, ``is_active``, ``rewire``,
``topk_inactive_gradient``), so every backend shares the same SET and RigL logic.
Positions are flat, row-major indices into the layer's ``out_features x in_features`` matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

GROWTH_MODES = ("random", "gradient")


def erk_densities(layer_shapes: Sequence[tuple[int, int]], density: float) -> list[float]:
    """Erdős–Rényi densities of ``(n_in, n_out)`` layers whose weights add up to ``density``.

    A layer's density is proportional to ``(n_in + n_out) / (n_in * n_out)``. A layer whose
    share would exceed 1 is made dense and the others are rescaled, until none exceeds 1.
    """
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density must be in (0, 1], got {density}")
    sizes = [n_in * n_out for n_in, n_out in layer_shapes]
    raw = [(n_in + n_out) / (n_in * n_out) for n_in, n_out in layer_shapes]
    target = density * sum(sizes)
    dense: set[int] = set()
    while True:
        sparse = [i for i in range(len(sizes)) if i not in dense]
        budget = target - sum(sizes[i] for i in dense)
        if not sparse:
            break
        scale = budget / sum(raw[i] * sizes[i] for i in sparse)
        overfull = [i for i in sparse if scale * raw[i] > 1.0]
        if not overfull:
            break
        dense.update(overfull)
    return [1.0 if i in dense else scale * raw[i] for i in range(len(sizes))]


def active_counts(layer_shapes: Sequence[tuple[int, int]], densities: Sequence[float]) -> list[int]:
    """Exact number of active weights per layer (at least one in every layer)."""
    return [
        max(1, min(n_in * n_out, round(d * n_in * n_out)))
        for (n_in, n_out), d in zip(layer_shapes, densities)
    ]


def cosine_prune_fraction(initial: float, step: int, total_steps: int) -> float:
    """The fraction of active weights moved at ``step``: ``initial`` decayed by a half cosine."""
    progress = min(step / max(total_steps, 1), 1.0)
    return 0.5 * initial * (1.0 + math.cos(math.pi * progress))


def sample_inactive_positions(layer, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` distinct inactive positions of ``layer``, uniformly at random, exactly ``n``.

    Rejection sampling keeps the cost proportional to ``n`` on sparse layers instead of
    enumerating every inactive position; nearly full layers enumerate instead.
    """
    total = layer.in_features * layer.out_features
    n_inactive = total - layer.n_active
    if n > n_inactive:
        raise ValueError(f"cannot grow {n} weights: only {n_inactive} positions are inactive")
    device = layer.device
    if n == 0:
        return torch.empty(0, dtype=torch.long, device=device)
    if n_inactive < 4 * n:
        candidates = _all_inactive_positions(layer)
        pick = torch.randperm(candidates.numel(), generator=generator, device="cpu")[:n]
        return candidates[pick.to(device)]
    found = torch.empty(0, dtype=torch.long, device=device)
    while found.numel() < n:
        draws = 2 * (n - found.numel()) * total // n_inactive + 16
        draws_cpu = torch.randint(total, (draws,), generator=generator, device="cpu")
        proposals = draws_cpu.to(device)
        proposals = proposals[~layer.is_active(proposals)]
        found = torch.unique(torch.cat([found, proposals]))
    # torch.unique sorts, so take a uniformly random subset rather than the first n.
    pick = torch.randperm(found.numel(), generator=generator, device="cpu")[:n]
    return found[pick.to(device)]


def _all_inactive_positions(layer) -> torch.Tensor:
    total = layer.in_features * layer.out_features
    is_free = torch.ones(total, dtype=torch.bool, device=layer.device)
    is_free[layer.active_positions()] = False
    return is_free.nonzero().flatten()


def smallest_magnitude_positions(layer, n: int) -> torch.Tensor:
    """Positions of the ``n`` active weights with the smallest absolute value."""
    if n == 0:
        return torch.empty(0, dtype=torch.long, device=layer.device)
    order = torch.topk(layer.active_magnitudes(), n, largest=False, sorted=False).indices
    return layer.active_positions()[order]


def update_layer_topology(
    layer,
    fraction: float,
    growth: str,
    generator: torch.Generator,
) -> torch.Tensor:
    """One SET/RigL move in ``layer``: drop the weakest weights, grow as many elsewhere.

    The number moved is ``fraction`` of the active weights, capped by the number of inactive
    positions, so regrowth always lands on positions that were inactive before the update and
    the layer keeps exactly its number of active weights. New weights start at zero.
    Returns the indices into ``layer.weight``'s flat storage whose optimiser state must be
    cleared (removed and regrown weights).
    """
    n_inactive = layer.in_features * layer.out_features - layer.n_active
    n_move = min(int(fraction * layer.n_active), n_inactive)
    if n_move == 0:
        return torch.empty(0, dtype=torch.long, device=layer.device)
    if growth == "random":
        grown = sample_inactive_positions(layer, n_move, generator)
    elif growth == "gradient":
        grown = layer.topk_inactive_gradient(n_move)
    else:
        raise ValueError(f"growth must be one of {GROWTH_MODES}, got {growth!r}")
    removed = smallest_magnitude_positions(layer, n_move)
    return layer.rewire(removed, grown)


def reset_optimizer_state(optimizer: torch.optim.Optimizer, param: torch.Tensor, flat_index: torch.Tensor) -> None:
    """Forget the optimiser's running statistics at ``flat_index`` of ``param``."""
    state = optimizer.state.get(param)
    if not state or flat_index.numel() == 0:
        return
    for value in state.values():
        if torch.is_tensor(value) and value.shape == param.shape:
            value.view(-1)[flat_index] = 0
