"""Neuron strength (QS, from QuickSelection): the absolute weight leaving each input."""

from __future__ import annotations

import torch

from .base import ImportanceMetric, TrainingStep


class NeuronStrength(ImportanceMetric):
    """``S(x_j) = sum_i |W1[i, j]|``, inactive weights counting as zero.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.importance import NeuronStrength, TrainingStep
    >>> from sparsefs.network import SparseMLP
    >>> network = SparseMLP(4, (3,), 2, generator=torch.Generator().manual_seed(0))
    >>> step = TrainingStep(network, torch.zeros(1, 4), torch.zeros(1, 2), [])
    >>> scores = NeuronStrength().score(step)
    >>> torch.allclose(scores, network.first_layer.dense_weight().abs().sum(dim=0))
    True
    """

    name = "strength"
    label = "QS"
    style = {"linestyle": "--"}

    def score(self, step: TrainingStep) -> torch.Tensor:
        return step.network.first_layer.abs_column_sums()

    def flops(self, network, batch_size: int, n_outputs: int | None = None) -> int:
        return 2 * network.first_layer.n_active  # one abs and one add per active weight
