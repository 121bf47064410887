"""What a stored result is: its method's label, kind, place in tables and style in figures.

A study stores a cell's ``method`` (a training method's or a baseline's registered name) and
each importance ``metric``. Everything a table or a figure shows about them comes from the
registries (:mod:`sparsefs.registry`) through this module: a network method is labelled
``<training label>-<metric label>`` (``SET-Attr``), a baseline by its own label; whether a
result is a network or a baseline is asked of the registries, never read off a name.

Examples
--------
>>> from sparsefs.study.methods import is_baseline, method_label, method_style
>>> method_label("set", "attribution"), method_label("lasso", "abs_coefficient")
('SET-Attr', 'Lasso')
>>> is_baseline("Lasso"), is_baseline("SET-Attr")
(True, False)
>>> method_style("RigL-QS")["linestyle"]
'--'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import BASELINES, METRICS, TRAINING_METHODS

#: The paper's metrics, in the order of its tables (QS before Attr).
PAPER_METRICS = ("strength", "attribution")


@dataclass(frozen=True)
class Method:
    """One column of a results table: a training method with a metric, or a baseline."""

    label: str
    kind: str  # "network" or "baseline"
    method: str  # the registered name stored in the cells table
    metric: str | None  # the importance metric (networks)
    in_paper: bool


def method_label(method: str, metric: str) -> str:
    """The label of a stored (method, metric): ``SET-Attr``, ``Dense-QS``, ``LassoNet``...
    Names no registry knows (a store written with parts since removed) are shown as stored."""
    if method in BASELINES:
        return BASELINES[method].label
    training = TRAINING_METHODS[method].label if method in TRAINING_METHODS else method
    return f"{training}-{METRICS[metric].label if metric in METRICS else metric}"


def catalogue() -> dict[str, Method]:
    """Every method the registries can produce, by label, in table order: each training method
    with the paper's metrics then the others, then the baselines."""
    methods = {}
    metrics = [*PAPER_METRICS, *(name for name in METRICS if name not in PAPER_METRICS)]
    for training in TRAINING_METHODS.values():
        for metric in metrics:
            label = method_label(training.name, metric)
            in_paper = training.name in ("dense", "set", "rigl") and metric in PAPER_METRICS
            methods[label] = Method(label, "network", training.name, metric, in_paper)
    for baseline in BASELINES.values():
        methods[baseline.label] = Method(baseline.label, "baseline", baseline.name, None, baseline.in_paper)
    return methods


def method_order() -> list[str]:
    """Labels in table order (the paper's columns first)."""
    return list(catalogue())


def method_position(label: str) -> tuple[int, str]:
    """Sort key: table order, then labels no registry knows, by name."""
    order = method_order()
    return (order.index(label) if label in order else len(order), label)


def paper_methods() -> tuple[str, ...]:
    """The paper's six network methods, in its column order."""
    return tuple(m.label for m in catalogue().values() if m.kind == "network" and m.in_paper)


def paper_baselines() -> tuple[str, ...]:
    """The baselines the paper reports (Lasso, LassoNet, STG)."""
    return tuple(m.label for m in catalogue().values() if m.kind == "baseline" and m.in_paper)


def is_baseline(label: str) -> bool:
    method = catalogue().get(label)
    return method is not None and method.kind == "baseline"


def method_style(label: str) -> dict:
    """matplotlib keywords for a method's marks: the training method's colour and marker with
    the metric's line style; a baseline's own colour and marker, solid."""
    method = catalogue().get(label)
    if method is None:
        return {"color": "black", "linestyle": ":", "marker": "x"}
    if method.kind == "baseline":
        style = BASELINES[method.method].style
        return {"color": style.get("color", "black"), "linestyle": "-", "marker": style.get("marker", "^")}
    training, metric = TRAINING_METHODS[method.method].style, METRICS[method.metric].style
    return {"color": training.get("color", "tab:olive"), "linestyle": metric.get("linestyle", ":"),
            "marker": training.get("marker", "o")}
