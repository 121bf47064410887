"""Feature-importance metrics: one interface, one module per metric.

To add a metric, subclass :class:`ImportanceMetric` in its own module and add it to
``METRICS``; the selector, the training loop and the study runner pick it up by name.
"""

from .attribution import NeuronAttribution
from .base import WINDOWS, ImportanceAccumulator, ImportanceMetric, TrainingStep
from .random import RandomImportance
from .strength import NeuronStrength

METRICS: dict[str, type[ImportanceMetric]] = {
    cls.name: cls for cls in (NeuronAttribution, NeuronStrength, RandomImportance)
}


def get_metric(name: str) -> ImportanceMetric:
    """A fresh instance of the metric called ``name``.

    Examples
    --------
    >>> from sparsefs.importance import METRICS, get_metric
    >>> sorted(METRICS)
    ['attribution', 'random', 'strength']
    >>> type(get_metric("strength")).__name__
    'NeuronStrength'
    """
    try:
        return METRICS[name]()
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
