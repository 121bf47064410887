"""Feature-importance metrics: one interface, one module per metric.

To add a metric, subclass :class:`ImportanceMetric` in its own module (with ``name`` and
``label``) and register an instance in ``METRICS`` (:data:`sparsefs.registry.METRICS`); the
selector, the training loop, the study runner and the report pick it up by name.
"""

import copy

from .attribution import NeuronAttribution
from .base import WINDOWS, ImportanceAccumulator, ImportanceMetric, TrainingStep
from .random import RandomImportance
from .strength import NeuronStrength

from ..registry import METRICS

for _metric in (NeuronAttribution, NeuronStrength, RandomImportance):
    METRICS.register(_metric())


def get_metric(name: str) -> ImportanceMetric:
    """A fresh copy of the metric registered as ``name`` (a run's metric keeps state).

    Examples
    --------
    >>> from sparsefs.importance import METRICS, get_metric
    >>> sorted(METRICS)
    ['attribution', 'random', 'strength']
    >>> type(get_metric("strength")).__name__
    'NeuronStrength'
    """
    try:
        return copy.deepcopy(METRICS[name])
    except KeyError:
        raise ValueError(f"unknown importance metric {name!r}; choose from {sorted(METRICS)}") from None


__all__ = [
    "METRICS",
    "WINDOWS",
    "ImportanceAccumulator",
    "ImportanceMetric",
    "NeuronAttribution",
    "NeuronStrength",
    "RandomImportance",
    "TrainingStep",
    "get_metric",
]
