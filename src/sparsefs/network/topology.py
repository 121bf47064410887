"""Sparse topology: how many weights each layer gets, and how they move during training.

Everything here is written against the layer protocol of :mod:`sparsefs.network.layers`, so
both backends share the same SET and RigL logic and make the same moves from the same state.
Positions are flat, row-major indices into the layer's ``out_features x in_features`` matrix;
wherever scores tie, the smaller position wins, so no choice depends on a backend's storage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

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


def budget_density(layer_shapes: Sequence[tuple[int, int]], n_weights: int) -> float:
    """The global density at which layers of these shapes hold ``n_weights`` weights in all.

    Examples
    --------
    >>> from sparsefs.network.topology import budget_density
    >>> budget_density([(10**6, 1000), (1000, 100), (100, 2)], 10**6)  # doctest: +ELLIPSIS
    0.000999...
    """
    total = sum(n_in * n_out for n_in, n_out in layer_shapes)
    if not 1 <= n_weights <= total:
        raise ValueError(f"n_weights must be between 1 and the {total} possible weights, got {n_weights}")
    return n_weights / total


def exact_budget(layer_shapes: Sequence[tuple[int, int]], counts: Sequence[int], n_weights: int) -> list[int]:
    """``counts`` (rounded ERK counts) adjusted so that they add up to exactly ``n_weights``:
    the rounding remainder goes to (or comes from) the layers with the most free room.

    Examples
    --------
    >>> from sparsefs.network.topology import exact_budget
    >>> exact_budget([(100, 10), (10, 2)], [333, 20], 350)
    [330, 20]
    """
    counts = list(counts)
    remainder = n_weights - sum(counts)
    order = sorted(range(len(counts)), key=lambda i: -(layer_shapes[i][0] * layer_shapes[i][1]))
    for i in order:
        room = layer_shapes[i][0] * layer_shapes[i][1] - counts[i] if remainder > 0 else counts[i] - 1
        change = max(-room, min(room, remainder))
        counts[i] += change
        remainder -= change
    return counts


def cosine_prune_fraction(initial: float, step: int, total_steps: int) -> float:
    """The fraction of active weights moved at ``step``: ``initial`` decayed by a half cosine."""
    progress = min(step / max(total_steps, 1), 1.0)
    return 0.5 * initial * (1.0 + math.cos(math.pi * progress))


def top_n(scores: torch.Tensor, positions: torch.Tensor | None, n: int) -> torch.Tensor:
    """Indices of the ``n`` largest ``scores``; among equal scores the smaller position first.

    ``positions=None`` when the indices are the positions themselves (no index array needed).
    """
    if n >= scores.numel():
        return torch.arange(scores.numel(), device=scores.device)
    if n == 0:
        return torch.empty(0, dtype=torch.long, device=scores.device)
    # the n-th largest score, by selection (O(n)): topk would collect all n values first
    threshold = torch.kthvalue(scores, scores.numel() - n + 1).values
    above = (scores > threshold).nonzero().flatten()
    ties = (scores == threshold).nonzero().flatten()
    if positions is not None:
        ties = ties[torch.argsort(positions[ties], stable=True)]
    return torch.cat([above, ties[: n - above.numel()]])


def sample_distinct(total: int, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` distinct integers of ``[0, total)``, uniformly at random, sorted, on the CPU.

    Rejection sampling keeps the cost proportional to ``n`` when ``n`` is small against
    ``total``; otherwise a permutation is drawn. Draws come from ``generator`` on the CPU, so
    the result does not depend on the device.
    """
    if n > total:
        raise ValueError(f"cannot pick {n} distinct values out of {total}")
    if total < 4 * n:
        return torch.randperm(total, generator=generator)[:n].sort().values
    found = torch.empty(0, dtype=torch.long)
    while found.numel() < n:
        draws = torch.randint(total, (n - found.numel() + n // 8 + 16,), generator=generator)
        found = _sorted_unique(torch.cat([found, draws]))
    # More distinct draws than needed: keep a uniformly random n of them, in sorted order.
    keep = torch.zeros(found.numel(), dtype=torch.bool)
    keep[torch.randperm(found.numel(), generator=generator)[:n]] = True
    return found[keep]


def _sorted_unique(values: torch.Tensor) -> torch.Tensor:
    # Cheaper than torch.unique on the CPU for the int64 draws here.
    values = values.sort().values
    keep = torch.ones_like(values, dtype=torch.bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def sample_inactive_positions(layer, n: int, generator: torch.Generator, active: torch.Tensor | None = None) -> torch.Tensor:
    """``n`` distinct inactive positions of ``layer``, uniformly at random (SET's regrowth).

    Draws ``n`` distinct ranks among the inactive positions and maps rank ``r`` to its
    position: ``r`` plus the number of active positions before it, found by binary search in
    ``active - arange`` (how many inactive positions precede each active one). No membership
    test and no dense mask: the cost is ``O(n log n_active)``.
    """
    active = layer.active_positions() if active is None else active
    n_inactive = layer.in_features * layer.out_features - active.numel()
    ranks = sample_distinct(n_inactive, n, generator).to(active.device)
    inactive_before = active - torch.arange(active.numel(), device=active.device)
    return ranks + torch.searchsorted(inactive_before, ranks, right=True)
