"""Training methods as strategy objects: dense training, SET and RigL.

A :class:`TrainingMethod` says everything the training loop needs to know about how a
network's topology evolves: whether it is sparse at all, which active weights leave at a
topology update (the *drop score*: the lowest go), where as many new ones grow (the *grow
rule*), how the moved fraction decays over training (the *schedule*), and the FLOPs this
costs beyond an ordinary training step. SET and RigL differ only in where weights grow.

Each built-in method is registered in :data:`sparsefs.registry.TRAINING_METHODS` under the
name users pass as ``training=``; a new method is one subclass plus one ``register`` call.

Examples
--------
>>> from sparsefs.registry import TRAINING_METHODS
>>> TRAINING_METHODS.names()
('dense', 'set', 'rigl')
>>> rigl = TRAINING_METHODS["rigl"]
>>> rigl.label, rigl.sparse, rigl.needs_gradient
('RigL', True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch

from .. import costs
from ..registry import TRAINING_METHODS
from .topology import cosine_prune_fraction, sample_inactive_positions, top_n

__all__ = ["TrainingMethod", "Dense", "SET", "RigL", "get_training_method"]


class TrainingMethod:
    """How a network's sparse topology evolves during training (a strategy object).

    Subclasses set the class attributes and override ``grow`` (and, for other criteria,
    ``drop_scores``, ``moved_fraction`` or ``extra_flops``).

    Attributes
    ----------
    name : str
        The user-facing name (``training="set"``).
    label : str
        Short name for tables and plots.
    sparse : bool
        Whether the network is sparse and its topology updated; ``False`` trains densely.
    needs_gradient : bool
        Whether ``grow`` reads the loss gradient at inactive positions, which the layers
        then capture during the backward pass of an update step.
    style : dict
        Matplotlib keyword arguments that draw this method in figures.
    in_paper : bool
        One of the paper's training methods (its tables report it, with its metrics).
    aliases : tuple of str
        Other names it answers to in :func:`get_training_method` (the name of its grow rule,
        as ``"random"`` for SET, which lower-level functions used to take).

    Examples
    --------
    A method that regrows at random like SET but prunes on a linear instead of a cosine
    schedule:

    >>> from sparsefs.network.dst import SET
    >>> class LinearSET(SET):
    ...     name, label = "linear-set", "SET (linear)"
    ...     def moved_fraction(self, initial, step, total_steps):
    ...         return initial * max(0.0, 1.0 - step / max(total_steps, 1))
    >>> LinearSET().moved_fraction(0.3, 50, 100)
    0.15

    Registering it, ``TRAINING_METHODS.register(LinearSET())``, makes
    ``training="linear-set"`` usable everywhere the built-in names are.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    sparse: ClassVar[bool] = True
    needs_gradient: ClassVar[bool] = False
    style: ClassVar[dict] = {}
    in_paper: ClassVar[bool] = False
    aliases: ClassVar[tuple[str, ...]] = ()

    def drop_scores(self, layer) -> torch.Tensor:
        """Score of every active weight of ``layer`` (in ``active_positions()`` order); the lowest leave.

        Magnitude pruning: the weights closest to zero leave.
        """
        return layer.active_magnitudes()

    def grow(self, layer, n: int, active: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """``n`` distinct positions of ``layer`` that are inactive in ``active``, where new weights grow."""
        raise NotImplementedError(f"the training method {self.name!r} does not grow weights")

    def moved_fraction(self, initial: float, step: int, total_steps: int) -> float:
        """The fraction of active weights moved at ``step``: ``initial`` decayed by a half cosine."""
        return cosine_prune_fraction(initial, step, total_steps)

    def extra_flops(self, sparse_layer_shapes: Sequence[tuple[int, int]], batch_size: int) -> int:
        """FLOPs of one topology update beyond the training step it follows (0 by default)."""
        return 0

    def update_topology(self, layer, fraction: float, generator: torch.Generator, optimizer=None) -> int:
        """One topology move in ``layer`` (the one mask updater every method shares): drop the
        lowest-scored weights, grow as many elsewhere.

        The drop score says which weights leave, the grow rule where new ones appear. The
        number moved is ``fraction`` of the active weights, capped by the number of inactive
        positions, so regrowth always lands on positions that were inactive before the update
        and the layer keeps exactly its number of active weights. New weights start at zero,
        and ``optimizer`` forgets the moved weights' statistics. Returns the number moved.
        """
        n_inactive = layer.in_features * layer.out_features - layer.n_active
        n_move = min(int(fraction * layer.n_active), n_inactive)
        if n_move == 0:
            return 0
        active = layer.active_positions()
        grown = self.grow(layer, n_move, active, generator)
        removed = top_n(-self.drop_scores(layer), active, n_move)  # indices into ``active``
        layer.rewire(active, removed, grown, optimizer)
        return n_move

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(TrainingMethod):
    """Ordinary dense training: every weight active, no topology updates.

    Examples
    --------
    >>> from sparsefs.network.dst import Dense
    >>> Dense().sparse
    False
    """

    name, label, sparse, in_paper = "dense", "Dense", False, True
    style = {"color": "#4d4d4d", "marker": "s"}


class SET(TrainingMethod):
    """Sparse Evolutionary Training: drop the smallest weights, regrow as many at random.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.network.dst import SET
    >>> from sparsefs.network.sparse import SparseLinear
    >>> layer = SparseLinear(10, 4, 8, torch.Generator().manual_seed(0))
    >>> generator = torch.Generator().manual_seed(1)
    >>> grown = SET().grow(layer, 3, layer.active_positions(), generator)
    >>> grown.numel(), bool(torch.isin(grown, layer.active_positions()).any())
    (3, False)
    """

    name, label, aliases, in_paper = "set", "SET", ("random",), True
    style = {"color": "#1f77b4", "marker": "o"}

    def grow(self, layer, n, active, generator):
        return sample_inactive_positions(layer, n, generator, active)


class RigL(TrainingMethod):
    """Rigged Lottery: drop the smallest weights, regrow where the loss gradient is largest.

    The extra cost is the dense weight gradient ``delta^T x`` of every sparse layer at each
    update step (:func:`sparsefs.costs.gradient_growth_flops`).

    Examples
    --------
    >>> from sparsefs.network.dst import RigL
    >>> RigL().extra_flops([(784, 100), (100, 10)], 100)
    15880000
    """

    name, label, needs_gradient, aliases, in_paper = "rigl", "RigL", True, ("gradient",), True
    style = {"color": "#d62728", "marker": "^"}

    def grow(self, layer, n, active, generator):
        return layer.topk_inactive_gradient(n, active)

    def extra_flops(self, sparse_layer_shapes, batch_size):
        return costs.gradient_growth_flops(sparse_layer_shapes, batch_size)


def get_training_method(method) -> TrainingMethod:
    """``method`` itself if it is a :class:`TrainingMethod`, else the registered one of that name
    (or alias); a ``KeyError`` listing the registered names otherwise.

    Examples
    --------
    >>> from sparsefs.network.dst import get_training_method
    >>> get_training_method("set").label, get_training_method("gradient").name
    ('SET', 'rigl')
    """
    if isinstance(method, TrainingMethod):
        return method
    if method not in TRAINING_METHODS:
        for part in TRAINING_METHODS.values():
            if method in getattr(part, "aliases", ()):
                return part
    return TRAINING_METHODS[method]


for _method in (Dense(), SET(), RigL()):
    TRAINING_METHODS.register(_method)
