"""A study's configuration: one TOML (or YAML) file describing the whole grid.

```toml
[study]
store = "results/paper.sqlite"       # the results database (SQLite file)
datasets = ["Isolet", "Madelon"]     # registry names or data files
seeds = 10                           # a count (0..9) or a list
k = [25, 50, 75, 100, 200]           # SVM accuracy is stored for every K ...
windows = ["all_epochs", "best_epoch", "last_iteration"]   # ... and every window
# data_home = "~/data/sparsefs"      # default: $SPARSEFS_DATA, else a per-user cache

[network]                            # SparseFeatureSelector cells (optional)
training = ["dense", "set", "rigl"]
importance = ["attribution", "strength"]   # all from the same training run
sparsity = [0.25, 0.5, 0.8, 0.9, 0.95, 0.98]   # searched (dense runs once, sparsity 0)
l2 = [5e-5, 1e-4, 1e-3]                        # searched
max_epochs = 200                     # any other key: a SparseFeatureSelector parameter, verbatim
patience = 50

[baselines.lasso]                    # fixed parameters of the baseline's selector
max_iter = 1000
[baselines.lasso.grid]               # searched parameters: a list of values each
C = [0.1, 1.0]

[datasets."data/patients.csv"]       # settings of a data file listed in [study] datasets
target = "diagnosis"                 # its label column (CSV, Parquet; required) or key (.npz, .mat)
```

Every mistake is reported as one :class:`ConfigError` naming the file, the table and the key.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path

from sklearn.base import clone

from ..selector._estimator import SparseFeatureSelector
from ..baselines import BASELINES
from ..datasets import FORMATS, FRIEDMAN_NAME, SYNTHETIC_NAME, get_spec
from ..importance import METRICS, WINDOWS
from ..selector.presets import PAPER, PRESETS
from ..registry import TASKS, TRAINING_METHODS

#: Parameters the study sets itself, per cell, with the reason a configuration may not set them.
STUDY_OWNED = {
    "n_features_to_select": "the study evaluates every K of [study] k from the stored importances",
    "random_state": "every cell is seeded with its seed from [study] seeds",
    "validation_fraction": "the paper's split fixes the validation rows",
    "accumulate": "every window is stored; [study] windows picks those evaluated",
    "verbose": "cells run unattended; progress is shown per cell",
    "task": "set it for the whole study: [study] task",
    "n_threads": "the study gives each cell its threads: sparsefs study --threads",
}
#: Of those, what a [network] table may still set: ``validation_fraction = 0`` trains every
#: cell on all its fit rows for every epoch (the recommended preset as used outside a study);
#: the test rows stay unseen, and the cells have no validation loss to be chosen by.
_NETWORK_MAY_SET = ("validation_fraction",)
_NETWORK_AXES = ("training", "importance", "sparsity", "l2")
_DEFAULT_KS = (25, 50, 75, 100, 200)
#: The largest seed numpy's RandomState takes (every cell's random_state).
_MAX_SEED = 2**32 - 1
#: Keys of a [datasets.NAME] table.
_DATASET_KEYS = ("target",)
#: File formats whose label column has no default: the configuration must name it.
_TABLE_FORMATS = ("csv", "parquet")


class ConfigError(ValueError):
    """A mistake in a study configuration, reported in one line.

    Examples
    --------
    >>> from sparsefs.study import ConfigError, parse_config
    >>> try:
    ...     parse_config({"study": {"store": "s.sqlite", "datasets": ["Isolet"], "seeds": 1,
    ...                             "colour": 1}})
    ... except ConfigError as error:
    ...     print("refused:", "colour" in str(error))
    refused: True
    """


@dataclass(frozen=True)
class NetworkGrid:
    """The network cells: every training mode × sparsity × L2, all metrics from one run."""

    training: tuple[str, ...]
    metrics: tuple[str, ...]
    sparsity: tuple[float, ...]
    l2: tuple[float, ...]
    params: Mapping[str, object] = field(default_factory=dict)  # further selector parameters


@dataclass(frozen=True)
class BaselineGrid:
    """One baseline's cells: its fixed parameters and the product of its searched ones."""

    name: str
    params: Mapping[str, object] = field(default_factory=dict)
    grid: Mapping[str, tuple] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyConfig:
    """A whole study: where results go, the datasets, seeds, K and windows, and the grids.

    Examples
    --------
    >>> from sparsefs.study import parse_config
    >>> config = parse_config({"study": {"store": "s.sqlite", "datasets": ["Isolet"],
    ...                                  "seeds": 3, "k": [50]},
    ...                        "baselines": {"lasso": {}}})
    >>> config.datasets, config.seeds, config.ks
    (('Isolet',), (0, 1, 2), (50,))
    """

    store: str
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    ks: tuple[int, ...] = _DEFAULT_KS
    windows: tuple[str, ...] = WINDOWS
    data_home: str | None = None
    network: NetworkGrid | None = None
    baselines: tuple[BaselineGrid, ...] = ()
    source: str = "<config>"
    targets: Mapping[str, str] = field(default_factory=dict)  # data file -> its label column (or key)
    #: "auto": each dataset's own (its target's kind); else one task for every dataset (e.g.
    #: "unsupervised": labels hidden from the selection, used only to judge it).
    task: str = "auto"


def dataset_task(name: str, task: str = "auto") -> str | None:
    """The task a study runs on dataset ``name``: ``task`` unless "auto", else the dataset's own
    (``friedman-<m>``: regression; registry and ``synthetic-<m>``: classification; a data file:
    None, known once loaded).

    Examples
    --------
    >>> from sparsefs.study.config import dataset_task
    >>> dataset_task("friedman-500"), dataset_task("Isolet"), dataset_task("COIL20", "unsupervised")
    ('regression', 'classification', 'unsupervised')
    """
    if task != "auto":
        return task
    if FRIEDMAN_NAME.fullmatch(name):
        return "regression"
    return None if is_data_file(name) else "classification"


def is_data_file(name: str) -> bool:
    """Whether a study's dataset name is a user's data file (not the registry, not synthetic)."""
    if SYNTHETIC_NAME.fullmatch(name) or FRIEDMAN_NAME.fullmatch(name):
        return False
    try:
        get_spec(name)
    except KeyError:
        return True
    return False


def load_config(path: str | os.PathLike) -> StudyConfig:
    """Read and validate a study configuration (``.toml``; ``.yaml``/``.yml`` with PyYAML).

    Examples
    --------
    >>> from pathlib import Path
    >>> from sparsefs.study import load_config
    >>> _ = Path("quick.toml").write_text('''
    ... [study]
    ... store = "quick.sqlite"
    ... datasets = ["synthetic-500"]
    ... seeds = 2
    ... [baselines.lasso.grid]
    ... C = [0.1, 1.0]
    ... ''')
    >>> config = load_config("quick.toml")
    >>> config.store, [b.name for b in config.baselines]
    ('quick.sqlite', ['lasso'])
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"study configuration {path} is a folder, not a file")
    if not path.is_file():
        raise ConfigError(f"study configuration {path} does not exist")
    return parse_config(_read(path), source=str(path))


def parse_config(document: Mapping, source: str = "<config>") -> StudyConfig:
    """Validate an already-parsed configuration document.

    Examples
    --------
    >>> from sparsefs.study import parse_config
    >>> config = parse_config({
    ...     "study": {"store": "s.sqlite", "datasets": ["Isolet"], "seeds": [0, 5]},
    ...     "network": {"training": ["set"], "importance": ["attribution", "strength"],
    ...                 "sparsity": [0.9], "l2": [1e-4], "max_epochs": 50},
    ... })
    >>> config.seeds, config.network.metrics, dict(config.network.params)
    ((0, 5), ('attribution', 'strength'), {'max_epochs': 50})
    """
    where = _Where(source)
    _check_keys(document, ("study", "network", "baselines", "datasets"), where, required=("study",))
    study = _table(document, "study", where)
    _check_keys(study, ("store", "datasets", "seeds", "k", "windows", "data_home", "task"), where.at("study"),
                required=("store", "datasets", "seeds"))
    settings = {
        "store": _string(study["store"], where.at("study", "store")),
        "datasets": _datasets(study["datasets"], where.at("study", "datasets")),
        "seeds": _seeds(study["seeds"], where.at("study", "seeds")),
        "ks": _ks(study.get("k", list(_DEFAULT_KS)), where.at("study", "k")),
        "windows": _choices(study.get("windows", list(WINDOWS)), WINDOWS, where.at("study", "windows")),
        "data_home": _string(study["data_home"], where.at("study", "data_home")) if "data_home" in study else None,
        "task": _choices([study.get("task", "auto")], ("auto", *TASKS), where.at("study", "task"))[0],
    }
    targets = _targets(_table(document, "datasets", where) if "datasets" in document else {}, settings["datasets"], where)
    network = _network(document["network"], where.at("network")) if "network" in document else None
    baselines = _baselines(_table(document, "baselines", where), where) if "baselines" in document else ()
    if network is None and not baselines:
        raise ConfigError(f"{source}: nothing to run: add a [network] table or a [baselines.NAME] table")
    chosen = TASKS[settings["task"]] if settings["task"] != "auto" else None
    if chosen is not None and (chosen.class_labels or not chosen.supervised):  # unsupervised: labels to judge by
        for dataset in settings["datasets"]:
            own = dataset_task(dataset)
            if own is not None and not TASKS[own].class_labels:
                raise where.at("study", "task").error(
                    f"{settings['task']!r} needs class labels, but {dataset} has a continuous target"
                    + (" (an unsupervised study judges the selection by the accuracy on the labels it hides)"
                       if not chosen.supervised else ""))
    for baseline in baselines:  # a baseline must do each dataset's task (where it is known before loading)
        supported = BASELINES[baseline.name].tasks
        for dataset in settings["datasets"]:
            task = dataset_task(dataset, settings["task"])
            if task is not None and task not in supported:
                raise where.at(f"baselines.{baseline.name}").error(
                    f"{BASELINES[baseline.name].label} selects for {' and '.join(supported)}, not {task} ({dataset})")
    return StudyConfig(**settings, network=network, baselines=baselines, source=source, targets=targets)


def _read(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not a text file (UTF-8): {error.reason} at byte {error.start}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigError(f"{path}: reading YAML needs PyYAML (pip install pyyaml), or write the study as TOML") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not valid YAML: {' '.join(str(error).split())}") from None
    else:
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from None
    if not isinstance(document, Mapping):
        raise ConfigError(f"{path}: expected tables ([study], [network], [baselines.NAME]), found {type(document).__name__}")
    return document


class _Where:
    """Where in the file a value sits, for error messages: ``quick.toml: [network] sparsity``."""

    def __init__(self, source: str, table: str = "", key: str = ""):
        self.source, self.table, self.key = source, table, key

    def at(self, table: str, key: str = "") -> _Where:
        return _Where(self.source, table, key)

    def error(self, message: str) -> ConfigError:
        place = f"[{self.table}]" if self.table else ""
        if self.key:
            place = f"{place} {self.key}".strip()
        return ConfigError(f"{self.source}: {place}: {message}" if place else f"{self.source}: {message}")


def _check_keys(table: Mapping, allowed, where: _Where, required=()) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of: {', '.join(allowed)}"
            raise where.error(f"unknown key {key!r}{hint}")
    for key in required:
        if key not in table:
            raise where.error(f"missing required key {key!r}")


def _table(document: Mapping, key: str, where: _Where) -> Mapping:
    value = document[key]
    if not isinstance(value, Mapping):
        raise where.at(key).error(f"must be a table, got {type(value).__name__}")
    return value


def _list(value, where: _Where) -> list:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise where.error("must not be empty")
    if len(set(map(repr, values))) != len(values):
        raise where.error(f"lists a value twice: {values!r}")
    return values


def _string(value, where: _Where) -> str:
    if not isinstance(value, str) or not value:
        raise where.error(f"must be a non-empty string, got {value!r}")
    return value


def _datasets(value, where: _Where) -> tuple[str, ...]:
    names, seen = [], {}
    for written in _list(value, where):
        name = _string(written, where)
        if SYNTHETIC_NAME.fullmatch(name) or FRIEDMAN_NAME.fullmatch(name):
            identity = name
        else:
            try:
                name = identity = get_spec(name).name  # one spelling per dataset, so cell ids are stable
            except KeyError:
                if not Path(name).is_file():
                    raise where.error(
                        f"{name!r} is neither a registered dataset (see 'sparsefs datasets'), synthetic-<m>, friedman-<m>, nor a file"
                    ) from None
                identity = os.path.realpath(name)
        if identity in seen:
            raise where.error(f"{seen[identity]!r} and {written!r} name the same dataset; list it once")
        seen[identity] = written
        names.append(name)
    return tuple(names)


def _targets(table: Mapping, datasets: tuple[str, ...], where: _Where) -> dict[str, str]:
    """The [datasets.NAME] tables: each names a data file of [study] datasets and its label column."""
    targets = {}
    for name, settings in table.items():
        here = where.at(f'datasets."{name}"')
        if not isinstance(settings, Mapping):
            raise here.error(f"must be a table (such as target = \"COLUMN\"), got {type(settings).__name__}")
        _check_keys(settings, _DATASET_KEYS, here)
        if not is_data_file(name):
            raise here.error("a registered or synthetic dataset carries its own labels: only data files take a target")
        if name not in datasets:
            raise here.error("names no dataset of [study] datasets (write the file name exactly as listed there)")
        if "target" in settings:
            targets[name] = _string(settings["target"], here.at(here.table, "target"))
    for name in datasets:
        if is_data_file(name) and FORMATS.get(Path(name).suffix.lower()) in _TABLE_FORMATS and name not in targets:
            raise where.at("study", "datasets").error(
                f'{name!r} needs its label column: add [datasets."{name}"] with target = "COLUMN"'
            )
    return targets


def _seeds(value, where: _Where) -> tuple[int, ...]:
    if isinstance(value, Integral) and not isinstance(value, bool):
        if value < 1:
            raise where.error(f"a seed count must be at least 1, got {value}")
        return tuple(range(int(value)))
    seeds = _list(value, where)
    if not all(isinstance(seed, Integral) and not isinstance(seed, bool) and seed >= 0 for seed in seeds):
        raise where.error(f"must be a count or a list of non-negative integers, got {value!r}")
    too_large = [seed for seed in seeds if seed > _MAX_SEED]
    if too_large:
        raise where.error(f"{too_large[0]} is not a seed: seeds go from 0 to {_MAX_SEED} (2**32 - 1, numpy's range)")
    return tuple(int(seed) for seed in seeds)


def _ks(value, where: _Where) -> tuple[int, ...]:
    ks = _list(value, where)
    if not all(isinstance(k, Integral) and not isinstance(k, bool) and k >= 1 for k in ks):
        raise where.error(f"must be positive integers, got {value!r}")
    return tuple(sorted(int(k) for k in ks))


def _choices(value, allowed, where: _Where) -> tuple[str, ...]:
    chosen = _list(value, where)
    unknown = [item for item in chosen if item not in allowed]
    if unknown:
        raise where.error(f"unknown value {unknown[0]!r}; choose from {', '.join(allowed)}")
    return tuple(chosen)


def _numbers(value, where: _Where, valid, meaning: str) -> tuple[float, ...]:
    numbers = _list(value, where)
    for number in numbers:
        if not isinstance(number, Real) or isinstance(number, bool) or not valid(number):
            raise where.error(f"{number!r} is not {meaning}")
    return tuple(float(number) for number in numbers)


def _network(table, where: _Where) -> NetworkGrid:
    if not isinstance(table, Mapping):
        raise where.error(f"must be a table, got {type(table).__name__}")
    selector_params = SparseFeatureSelector().get_params()
    allowed = [*_NETWORK_AXES, *(name for name in selector_params if name not in STUDY_OWNED or name in _NETWORK_MAY_SET)]
    _check_owned({key: value for key, value in table.items() if key not in _NETWORK_MAY_SET}, where)
    _check_keys(table, allowed, where, required=("training",))
    training = _choices(table["training"], TRAINING_METHODS.names(), where.at(where.table, "training"))
    metrics = _choices(table.get("importance", ["attribution", "strength"]), tuple(METRICS), where.at(where.table, "importance"))
    sparse = [mode for mode in training if TRAINING_METHODS[mode].sparse]
    if sparse and "sparsity" not in table:
        raise where.error(f"missing required key 'sparsity' (needed by {', '.join(sparse)})")
    sparsity = _numbers(table.get("sparsity", [0.0]), where.at(where.table, "sparsity"), lambda s: 0 <= s < 1,
                        "a sparsity in [0, 1)")
    # Without an l2 axis, the preset's L2 (an unknown preset is refused below, by the selector's checks).
    preset = table.get("preset", "paper")
    default_l2 = PRESETS[preset].get("l2", PAPER["l2"]) if isinstance(preset, str) and preset in PRESETS else PAPER["l2"]
    l2 = _numbers(table.get("l2", [default_l2]), where.at(where.table, "l2"), lambda v: v >= 0,
                  "a non-negative L2 weight")
    params = {key: value for key, value in table.items() if key not in _NETWORK_AXES}
    _check_estimator(SparseFeatureSelector(), params, where)
    return NetworkGrid(training, metrics, sparsity, l2, params)


def _baselines(table: Mapping, where: _Where) -> tuple[BaselineGrid, ...]:
    grids = []
    for name, settings in table.items():
        here = where.at(f"baselines.{name}")
        if name not in BASELINES:
            close = difflib.get_close_matches(name, list(BASELINES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise here.error(f"unknown baseline{hint}; choose from {', '.join(BASELINES)}")
        if not isinstance(settings, Mapping):
            raise here.error(f"must be a table, got {type(settings).__name__}")
        estimator = BASELINES[name]
        allowed = [key for key in estimator.get_params() if key not in STUDY_OWNED]
        params = {key: value for key, value in settings.items() if key != "grid"}
        grid_table = settings.get("grid", {})
        if not isinstance(grid_table, Mapping):
            raise here.error(f"grid must be a table of parameter lists, got {type(grid_table).__name__}")
        for keys, place in ((params, here), (grid_table, where.at(f"baselines.{name}.grid"))):
            _check_owned(keys, place)
            _check_keys(keys, allowed, place)
        grid = {key: tuple(_list(values, where.at(f"baselines.{name}.grid", key))) for key, values in grid_table.items()}
        both = sorted(set(params) & set(grid))
        if both:
            raise here.error(f"{both[0]!r} is both fixed and in the grid; keep one")
        listed = [key for key, value in params.items() if isinstance(value, list)]
        hint = f" (to search several values of {listed[0]!r}, list them under [baselines.{name}.grid])" if listed else ""
        for point in grid_points(grid):
            _check_estimator(estimator, {**params, **point}, here, hint)
        if len(grid_points(grid)) > 1 and not getattr(estimator, "has_validation_loss", True):
            raise where.at(f"baselines.{name}.grid").error(
                f"{estimator.label} has no validation loss to choose among {len(grid_points(grid))} configurations "
                "by: fix its parameters (or run one study per configuration)")
        grids.append(BaselineGrid(name, params, grid))
    return tuple(grids)


def grid_points(grid: Mapping[str, tuple]) -> list[dict]:
    points = [{}]
    for key, values in grid.items():
        points = [{**point, key: value} for point in points for value in values]
    return points


def _check_owned(table: Mapping, where: _Where) -> None:
    for key, reason in STUDY_OWNED.items():
        if key in table:
            raise where.error(f"{key!r} cannot be configured: {reason}")


def _check_estimator(estimator, params: Mapping, where: _Where, hint: str = "") -> None:
    """Let the estimator's own parameter checks judge the values, before any work starts
    (the constraints, with ``hint`` added, then what they cannot express: layer sizes, device names).
    ``estimator``: an unfitted one (a registered baseline, a default selector), copied with ``params``."""
    try:
        instance = clone(estimator).set_params(**params)
        instance._validate_params()
    except (ValueError, TypeError) as error:
        raise where.error(str(error).rstrip(".") + hint) from None
    try:
        instance._check_settings()
    except (ValueError, TypeError) as error:
        raise where.error(str(error).rstrip(".")) from None
