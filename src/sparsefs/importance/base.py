"""The importance-metric interface and the accumulation of a metric over training.

A metric looks at one training step (the batch, the network and its activations) and returns
one non-negative score per input feature. Metrics only observe: they run under ``no_grad``
after the backward pass and before the optimiser step, and never change the network, so one
training run can feed any number of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

#: Accumulation windows (the method page §4): the sum over every iteration up to and including the
#: best epoch, the sum within the best epoch, and the value at the best epoch's last iteration.
WINDOWS = ("all_epochs", "best_epoch", "last_iteration")


@dataclass(frozen=True)
class TrainingStep:
    """What a metric may look at: one batch and the network's state while training on it.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.importance import NeuronStrength, TrainingStep
    >>> from sparsefs.network import SparseMLP
    >>> network = SparseMLP(4, (3,), 2, generator=torch.Generator().manual_seed(0))
    >>> step = TrainingStep(network, torch.zeros(1, 4), torch.zeros(1, 2), [])
    >>> NeuronStrength().score(step).shape
    torch.Size([4])
    """

    network: torch.nn.Module
    inputs: torch.Tensor  # (batch, n_features), standardised
    logits: torch.Tensor  # (batch, n_classes), detached
    pre_activations: list[torch.Tensor]  # hidden layers' pre-activations, detached
    #: The task's ``(m, O, C)`` derivative of the outputs the attribution sums over with respect to
    #: the logits (None: the softmax, i.e. classification).
    output_jacobian: Callable[[torch.Tensor], torch.Tensor] | None = None


class ImportanceMetric(ABC):
    """One feature-importance metric. Subclasses set ``name`` and implement ``score``.

    Examples
    --------
    A metric that scores each feature by its mean absolute input value in the batch:

    >>> from sparsefs.importance import ImportanceMetric
    >>> class MeanAbsoluteInput(ImportanceMetric):
    ...     name = "mean_abs_input"
    ...     label = "MAI"
    ...     def score(self, step):
    ...         return step.inputs.abs().mean(dim=0)

    Registering it makes the name usable as
    ``SparseFeatureSelector(importance="mean_abs_input")`` and in studies, labelled
    ``SET-MAI``:

    >>> from sparsefs.importance import METRICS
    >>> _ = METRICS.register(MeanAbsoluteInput())
    >>> "mean_abs_input" in METRICS
    True
    >>> METRICS.unregister("mean_abs_input")
    """

    name: ClassVar[str]
    #: The short name in method labels (``SET-Attr``) and tables.
    label: ClassVar[str] = ""
    #: matplotlib line style of its curves in report figures.
    style: ClassVar[dict] = {}

    def configure(self, config) -> None:
        """Called once before :meth:`start` with the run's :class:`~sparsefs.training.TrainingConfig`;
        a metric with settings of its own reads them here (none by default)."""

    def start(self, n_features: int, generator: torch.Generator, device: torch.device) -> None:
        """Called once before training; metrics that need randomness draw it here."""

    @abstractmethod
    def score(self, step: TrainingStep) -> torch.Tensor:
        """Importance of every input feature at this step, shape ``(n_features,)``."""

    def flops(self, network, batch_size: int, n_outputs: int | None = None) -> int:
        """Theoretical FLOPs of one call to :meth:`score` on a batch of ``batch_size``; ``n_outputs``:
        how many outputs the task's attribution sums over (None: every output)."""
        return 0


class ImportanceAccumulator:
    """Sums a metric over training and keeps every window as it stood at the best epoch.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.importance import ImportanceAccumulator, NeuronStrength, TrainingStep
    >>> from sparsefs.network import SparseMLP
    >>> network = SparseMLP(4, (3,), 2, generator=torch.Generator().manual_seed(0))
    >>> accumulator = ImportanceAccumulator(NeuronStrength(), 4, torch.device("cpu"))
    >>> step = TrainingStep(network, torch.zeros(1, 4), torch.zeros(1, 2), [])
    >>> for epoch in range(2):
    ...     accumulator.observe(step)
    ...     accumulator.end_epoch(is_best=(epoch == 0))
    >>> windows = accumulator.result()
    >>> bool((windows["all_epochs"] == windows["last_iteration"]).all())
    True
    """

    def __init__(self, metric: ImportanceMetric, n_features: int, device: torch.device):
        self.metric = metric
        # Thousands of float32 scores are summed: accumulate in float64.
        self._total = torch.zeros(n_features, dtype=torch.float64, device=device)
        self._epoch = torch.zeros_like(self._total)
        self._last = torch.zeros_like(self._total)
        self._at_best: dict[str, torch.Tensor] | None = None

    def observe(self, step: TrainingStep) -> None:
        value = self.metric.score(step).to(torch.float64)
        self._total += value
        self._epoch += value
        self._last = value

    def end_epoch(self, is_best: bool) -> None:
        if is_best:
            self._at_best = {
                "all_epochs": self._total.clone(),
                "best_epoch": self._epoch.clone(),
                "last_iteration": self._last.clone(),
            }
        self._epoch.zero_()

    def result(self) -> dict[str, np.ndarray]:
        if self._at_best is None:
            raise RuntimeError("no epoch was marked best: training recorded no importance")
        return {window: value.cpu().numpy() for window, value in self._at_best.items()}
