"""The importance-metric interface and the accumulation of a metric over training.

A metric looks at one training step (the batch, the network and its activations) and returns
one non-negative score per input feature. Metrics only observe: they run under ``no_grad``
after the backward pass and before the optimiser step, and never change the network, so one
training run can feed any number of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

#: Accumulation windows (the method page §4): the sum over every iteration up to and including the
#: best epoch, the sum within the best epoch, and the value at the best epoch's last iteration.
WINDOWS = ("all_epochs", "best_epoch", "last_iteration")


@dataclass(frozen=True)
class TrainingStep:
    """What a metric may look at: one batch and the network's state while training on it."""

    network: torch.nn.Module
    inputs: torch.Tensor  # (batch, n_features), standardised
    logits: torch.Tensor  # (batch, n_classes), detached
    pre_activations: list[torch.Tensor]  # hidden layers' pre-activations, detached


class ImportanceMetric(ABC):
    """One feature-importance metric. Subclasses set ``name`` and implement ``score``."""

    name: ClassVar[str]

    def start(self, n_features: int, generator: torch.Generator, device: torch.device) -> None:
        """Called once before training; metrics that need randomness draw it here."""

    @abstractmethod
    def score(self, step: TrainingStep) -> torch.Tensor:
        """Importance of every input feature at this step, shape ``(n_features,)``."""

    def flops(self, network, batch_size: int) -> int:
        """Theoretical FLOPs of one call to :meth:`score` on a batch of ``batch_size``."""
        return 0


class ImportanceAccumulator:
    """Sums a metric over training and keeps every window as it stood at the best epoch."""

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
