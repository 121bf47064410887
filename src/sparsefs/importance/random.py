"""A random ranking: the sanity baseline every metric must beat."""

from __future__ import annotations

import torch

from .base import ImportanceMetric, TrainingStep


class RandomImportance(ImportanceMetric):
    """One random score per feature, drawn once from the run's seed.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.importance import RandomImportance
    >>> metric = RandomImportance()
    >>> metric.start(6, torch.Generator().manual_seed(0), torch.device("cpu"))
    >>> metric.score(None).shape
    torch.Size([6])
    """

    name = "random"
    label = "Random"
    style = {"linestyle": ":"}

    def start(self, n_features: int, generator: torch.Generator, device: torch.device) -> None:
        self._scores = torch.rand(n_features, generator=generator).to(device)

    def score(self, step: TrainingStep) -> torch.Tensor:
        return self._scores
