"""The cells of a study: one training run each, named by a hash of its configuration.

A network cell is one (dataset, training, sparsity, L2, seed) run that records every
importance metric at once (metrics observe training without changing it, so QS and Attr
share the run). A baseline cell is one (dataset, baseline, its parameters, seed) fit.
The cell id hashes exactly what determines the run's result as configured: dataset, method,
parameters, seed and metrics, and the label column of a data file where the study names one
(only then, so that every other cell keeps its id). K and the windows are not part of it
(they are evaluated from the stored importances), nor is the library version (recorded with
the result instead).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from ..selector._estimator import SparseFeatureSelector
from ..baselines import BASELINES
from ..registry import TRAINING_METHODS
from .config import StudyConfig, grid_points

#: The window a baseline's single importance vector is stored under.
BASELINE_WINDOW = "final"


def stored_window(method: str, window: str) -> str:
    """The importance window to read a cell of ``method`` in: ``window`` for a training method's
    network (it stores every window), :data:`BASELINE_WINDOW` for a baseline (it stores one).

    Examples
    --------
    >>> from sparsefs.study.cells import stored_window
    >>> stored_window("set", "best_epoch"), stored_window("lasso", "best_epoch")
    ('best_epoch', 'final')
    """
    return window if method in TRAINING_METHODS else BASELINE_WINDOW


@dataclass(frozen=True)
class Cell:
    """One training run of a study: a dataset, a method and its parameters, a seed.

    Examples
    --------
    >>> from sparsefs.study import expand_cells, parse_config
    >>> config = parse_config({
    ...     "study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
    ...     "network": {"training": ["set"], "importance": ["attribution"],
    ...                 "sparsity": [0.9], "l2": [1e-4]},
    ... })
    >>> cell = expand_cells(config)[0]
    >>> cell.dataset, cell.method, cell.seed, cell.is_network, len(cell.cell_id)
    ('synthetic-100', 'set', 0, True, 20)
    """

    dataset: str
    method: str  # a training mode ("dense", "set", "rigl") or a baseline name
    params: Mapping[str, object]  # the estimator's parameters, as configured
    seed: int
    metrics: tuple[str, ...]  # importance metrics recorded (a baseline has its own one)
    target: str | None = None  # the label column (key) of a data file, where the study names one
    task: str | None = None  # the study's task where it sets one ([study] task); None: the dataset's own

    @property
    def is_network(self) -> bool:
        return self.method in TRAINING_METHODS

    def configuration(self) -> dict:
        configuration = {
            "dataset": self.dataset,
            "method": self.method,
            "params": dict(self.params),
            "seed": self.seed,
            "metrics": list(self.metrics),
        }
        if self.target is not None:  # only then: the ids of cells without a target stay as they were
            configuration["target"] = self.target
        if self.task is not None:  # likewise: ids of the datasets' own tasks are unchanged
            configuration["task"] = self.task
        return configuration

    @property
    def cell_id(self) -> str:
        return hashlib.sha256(canonical_json(self.configuration()).encode()).hexdigest()[:20]

    @property
    def params_key(self) -> str:
        """The parameters as canonical JSON: seeds of one configuration share it."""
        return canonical_json(dict(self.params))


@dataclass
class CellOutcome:
    """What running (or re-evaluating) a cell produced, ready to be stored in one transaction.

    Examples
    --------
    >>> from sparsefs.study import CellOutcome, expand_cells, parse_config
    >>> config = parse_config({
    ...     "study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
    ...     "baselines": {"lasso": {}},
    ... })
    >>> outcome = CellOutcome(expand_cells(config)[0], "failed", {"error": "example"})
    >>> outcome.status, outcome.accuracies
    ('failed', [])
    """

    cell: Cell
    status: str  # "done" or "failed"
    record: dict = field(default_factory=dict)  # measurements: the cells table's columns
    importances: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # metric -> window -> vector
    accuracies: list[tuple[str, str, int, float]] = field(default_factory=list)  # (metric, window, k, main measure)
    #: every downstream measure: (metric, window, k, measure, value), e.g. "rmse", "reconstruction_mse"
    scores: list[tuple[str, str, int, str, float]] = field(default_factory=list)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def expand_cells(config: StudyConfig) -> list[Cell]:
    """Every cell of the study, seed by seed (so early results already span the whole grid).

    Examples
    --------
    Two training modes x two sparsity levels x two seeds, and the dense network once per
    seed:

    >>> from sparsefs.study import expand_cells, parse_config
    >>> config = parse_config({
    ...     "study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 2},
    ...     "network": {"training": ["dense", "set", "rigl"], "importance": ["attribution"],
    ...                 "sparsity": [0.8, 0.9], "l2": [1e-4]},
    ... })
    >>> len(expand_cells(config))
    10
    """
    configurations = []
    for dataset in config.datasets:
        if config.network is not None:
            configurations += _network_configurations(dataset, config)
        for baseline in config.baselines:
            metric = BASELINES[baseline.name].metric
            for point in grid_points(baseline.grid):
                configurations.append((dataset, baseline.name, {**baseline.params, **point}, (metric,)))
    task = None if config.task == "auto" else config.task
    return [
        Cell(dataset, method, params, seed, metrics, config.targets.get(dataset), task)
        for seed in config.seeds
        for dataset, method, params, metrics in configurations
    ]


#: Selector parameters added after stores were written -> the value every earlier cell ran with.
ADDED_PARAMETERS = {"min_best_epoch": 1}


def rule_free_twin(cell: Cell) -> tuple[Cell, int] | None:
    """The cell that trains ``cell``'s network without the best-epoch rule, and the rule's
    epoch; ``None`` for a cell without the rule (a baseline, ``min_best_epoch`` 1).

    Where the twin's best epoch is at least the rule's, the rule cannot change anything: epochs
    up to ``min_best_epoch`` only count as best earlier, so the run stops at the same epoch
    (patience counts from a best epoch that is never earlier), the last best epoch is the same
    and so are every window's importances, the validation loss and the history. A study
    therefore copies such a twin instead of training again (:func:`~sparsefs.study.run_study`).

    Examples
    --------
    >>> from sparsefs.study import expand_cells, parse_config
    >>> from sparsefs.study.cells import rule_free_twin
    >>> config = parse_config({
    ...     "study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
    ...     "network": {"training": ["set"], "importance": ["attribution"],
    ...                 "sparsity": [0.9], "l2": [1e-4]},
    ... })
    >>> cell = expand_cells(config)[0]
    >>> twin, epoch = rule_free_twin(cell)
    >>> cell.params["min_best_epoch"], "min_best_epoch" in twin.params, epoch
    (5, False, 5)
    """
    epoch = cell.params.get("min_best_epoch", ADDED_PARAMETERS["min_best_epoch"]) if cell.is_network else 1
    if epoch <= ADDED_PARAMETERS["min_best_epoch"]:
        return None
    params = {name: value for name, value in cell.params.items() if name != "min_best_epoch"}
    return replace(cell, params=params), epoch


def _network_configurations(dataset: str, config: StudyConfig) -> list[tuple]:
    network = config.network
    # A cell's id hashes its parameters: a parameter added since stores were written is recorded
    # where its value differs from how cells ran before it existed, so those cells keep their
    # ids and cells that now run differently (the selector's default changed) get new ones.
    recorded = {name: value for name, value in network.params.items() if ADDED_PARAMETERS.get(name, object()) != value}
    defaults = SparseFeatureSelector().get_params()
    recorded.update({name: defaults[name] for name, earlier in ADDED_PARAMETERS.items()
                     if name not in network.params and defaults[name] != earlier})
    configurations = []
    for training in network.training:
        # A method that trains densely ignores sparsity: one run per L2, recorded at sparsity 0.
        sparsities = network.sparsity if TRAINING_METHODS[training].sparse else (0.0,)
        for sparsity in sparsities:
            for l2 in network.l2:
                params = {**recorded, "sparsity": sparsity, "l2": l2}
                configurations.append((dataset, training, params, network.metrics))
    return configurations
