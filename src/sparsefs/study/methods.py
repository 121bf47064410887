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
    """One column of a results table: a training method with a metric, or a baseline.

    Examples
    --------
    >>> from sparsefs.study.methods import catalogue
    >>> catalogue()["SET-Attr"]
    Method(label='SET-Attr', kind='network', method='set', metric='attribution',
           in_paper=True, sparse=True)
    """

    label: str
    kind: str  # "network" or "baseline"
    method: str  # the registered name stored in the cells table
    metric: str | None  # the importance metric (networks)
    in_paper: bool  # the paper reports it: a paper training method with a paper metric, or a paper baseline
    sparse: bool = False  # a network trained sparse (it has a sparsity level); False for dense ones and baselines


def method_label(method: str, metric: str) -> str:
    """The label of a stored (method, metric): ``SET-Attr``, ``Dense-QS``, ``LassoNet``...
    Names no registry knows (a store written with parts since removed) are shown as stored.

    Examples
    --------
    >>> from sparsefs.study.methods import method_label
    >>> method_label("rigl", "strength"), method_label("stg", "gate_mean")
    ('RigL-QS', 'STG')
    >>> method_label("gone", "attribution")  # a part that is no longer registered
    'gone-Attr'
    """
    if method in BASELINES:
        return BASELINES[method].label
    training = TRAINING_METHODS[method].label if method in TRAINING_METHODS else method
    return f"{training}-{METRICS[metric].label if metric in METRICS else metric}"


def catalogue() -> dict[str, Method]:
    """Every method the registries can produce, by label, in table order: each training method
    with the paper's metrics then the others, then the baselines.

    Examples
    --------
    >>> from sparsefs.study.methods import catalogue
    >>> list(catalogue())[:3]
    ['Dense-QS', 'Dense-Attr', 'Dense-Random']
    """
    methods = {}
    metrics = [*PAPER_METRICS, *(name for name in METRICS if name not in PAPER_METRICS)]
    for training in TRAINING_METHODS.values():
        for metric in metrics:
            label = method_label(training.name, metric)
            in_paper = training.in_paper and metric in PAPER_METRICS
            methods[label] = Method(label, "network", training.name, metric, in_paper, training.sparse)
    for baseline in BASELINES.values():
        methods[baseline.label] = Method(baseline.label, "baseline", baseline.name, None, baseline.in_paper)
    return methods


def method_order() -> list[str]:
    """Labels in table order (the paper's columns first).

    Examples
    --------
    >>> from sparsefs.study.methods import method_order
    >>> order = method_order()
    >>> order.index("SET-QS") < order.index("SET-Attr") < order.index("Lasso")
    True
    """
    return list(catalogue())


def method_position(label: str) -> tuple[int, str]:
    """Sort key: table order, then labels no registry knows, by name.

    Examples
    --------
    >>> from sparsefs.study.methods import method_position
    >>> sorted(["Lasso", "zeta", "SET-Attr", "Dense-QS"], key=method_position)
    ['Dense-QS', 'SET-Attr', 'Lasso', 'zeta']
    """
    order = method_order()
    return (order.index(label) if label in order else len(order), label)


def paper_methods() -> tuple[str, ...]:
    """The paper's six network methods, in its column order.

    Examples
    --------
    >>> from sparsefs.study.methods import paper_methods
    >>> paper_methods()
    ('Dense-QS', 'Dense-Attr', 'SET-QS', 'SET-Attr', 'RigL-QS', 'RigL-Attr')
    """
    return tuple(m.label for m in catalogue().values() if m.kind == "network" and m.in_paper)


def paper_baselines() -> tuple[str, ...]:
    """The baselines the paper reports (Lasso, LassoNet, STG).

    Examples
    --------
    >>> from sparsefs.study.methods import paper_baselines
    >>> paper_baselines()
    ('Lasso', 'LassoNet', 'STG')
    """
    return tuple(m.label for m in catalogue().values() if m.kind == "baseline" and m.in_paper)


def is_baseline(label: str) -> bool:
    """Whether a table's method label is a registered baseline (not a network method).

    Examples
    --------
    >>> from sparsefs.study.methods import is_baseline
    >>> is_baseline("Variance"), is_baseline("RigL-Attr"), is_baseline("unknown")
    (True, False, False)
    """
    method = catalogue().get(label)
    return method is not None and method.kind == "baseline"


def is_sparse(label: str) -> bool:
    """Whether a table's method label is a network trained sparse (it has sparsity levels); a
    label no registry knows is taken as one.

    Examples
    --------
    >>> from sparsefs.study.methods import is_sparse
    >>> is_sparse("SET-Attr"), is_sparse("Dense-QS"), is_sparse("Lasso")
    (True, False, False)
    """
    method = catalogue().get(label)
    return method is None or method.sparse


def method_style(label: str) -> dict:
    """matplotlib keywords for a method's marks: the training method's colour and marker with
    the metric's line style; a baseline's own colour and marker, solid.

    Examples
    --------
    >>> from sparsefs.study.methods import method_style
    >>> method_style("SET-Attr") == {"color": "#1f77b4", "linestyle": "-", "marker": "o"}
    True
    """
    method = catalogue().get(label)
    if method is None:
        return {"color": "black", "linestyle": ":", "marker": "x"}
    if method.kind == "baseline":
        style = BASELINES[method.method].style
        return {"color": style.get("color", "black"), "linestyle": "-", "marker": style.get("marker", "^")}
    training, metric = TRAINING_METHODS[method.method].style, METRICS[method.metric].style
    return {"color": training.get("color", "tab:olive"), "linestyle": metric.get("linestyle", ":"),
            "marker": training.get("marker", "o")}
