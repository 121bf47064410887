"""A new DST method or baseline is one class plus its registration: a toy of each, registered
here, goes through the selector, a study and its report with nothing else changed."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sparsefs import SparseFeatureSelector
from sparsefs.baselines import BaselineSelector
from sparsefs.baselines._base import FittedModel
from sparsefs.network.dst import SET, TrainingMethod
from sparsefs.registry import BASELINES, TRAINING_METHODS, Registry
from sparsefs.report import write_report
from sparsefs.study import expand_cells, open_store, parse_config, results_table, run_study
from sparsefs.study.methods import catalogue, is_baseline, is_sparse, method_style


class HalfSET(SET):
    """SET that moves half as many weights per update."""

    name, label = "half-set", "HalfSET"
    style = {"color": "#2ca02c", "marker": "*"}

    def moved_fraction(self, initial, step, total_steps):
        return 0.5 * super().moved_fraction(initial, step, total_steps)


class ColumnSpread(BaselineSelector):
    """Ranks features by their range on the training rows."""

    name, label, metric = "spread", "Spread", "range"
    style = {"color": "#9467bd", "marker": "h"}

    def __init__(self, n_features_to_select=100, *, validation_fraction=0.2, random_state=None):
        self.n_features_to_select = n_features_to_select
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _fit_model(self, data):
        spread = np.ptp(data.X_train, axis=0)
        return FittedModel(spread, float(np.var(spread)), data.X_train.shape[1], data.X_train.size, 1)


@pytest.fixture
def registered():
    TRAINING_METHODS.register(HalfSET())
    BASELINES.register(ColumnSpread())
    yield
    TRAINING_METHODS.unregister("half-set")
    BASELINES.unregister("spread")


def test_toy_parts_work_in_the_selector_a_study_and_a_report(registered, tmp_path):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    selector = SparseFeatureSelector(10, training="half-set", sparsity=0.8, hidden_layer_sizes=(32,), max_epochs=2,
                                     random_state=0).fit(X[:300], y[:300])
    assert selector.get_support().sum() == 10
    assert ColumnSpread(5, random_state=0).fit(X[:300], y[:300]).get_support().sum() == 5

    store = tmp_path / "toy.sqlite"
    config = parse_config({
        "study": {"store": str(store), "datasets": ["synthetic-100"], "seeds": 1, "k": [10]},
        "network": {"training": ["half-set", "set"], "importance": ["attribution"], "sparsity": [0.9],
                    "hidden_layer_sizes": [16], "max_epochs": 2},
        "baselines": {"spread": {}},
    })
    assert run_study(config).failed == 0
    with open_store(store, read_only=True) as results:
        table = results_table(results, k=10)
        report = write_report(results, tmp_path / "report", k=10)
    assert list(table.method) == ["SET-Attr", "HalfSET-Attr", "Spread"]  # registration order, baselines last
    assert is_baseline("Spread") and not is_baseline("HalfSET-Attr")
    assert method_style("HalfSET-Attr")["color"] == "#2ca02c" and method_style("Spread")["marker"] == "h"
    text = (tmp_path / "report" / "index.html").read_text()
    assert "HalfSET-Attr" in text and "Spread" in text and report.index.exists()


class Frozen(TrainingMethod):
    """A dense method of a plugin: it trains every weight, whatever the study's sparsity levels."""

    name, label, sparse = "frozen", "Frozen", False
    style = {"color": "#8c564b", "marker": "v"}


@pytest.fixture
def frozen():
    TRAINING_METHODS.register(Frozen())
    yield
    TRAINING_METHODS.unregister("frozen")


@pytest.mark.filterwarnings("ignore:No artists with labels")  # the drawing calls are recorded, not made
def test_a_dense_plugin_method_gets_one_cell_and_a_dense_curve(frozen, tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    from sparsefs.report import figures
    from sparsefs.report.results import sparsity_curves

    # The part's sparse attribute decides, not its name: one cell per L2 and seed at sparsity 0.
    document = {
        "study": {"store": str(tmp_path / "frozen.sqlite"), "datasets": ["synthetic-100"], "seeds": 1, "k": [10]},
        "network": {"training": ["frozen", "set"], "importance": ["attribution"], "sparsity": [0.5, 0.9],
                    "hidden_layer_sizes": [16], "max_epochs": 2},
    }
    config = parse_config(document)
    cells = expand_cells(config)
    assert sorted((cell.method, cell.params["sparsity"]) for cell in cells) == [("frozen", 0.0), ("set", 0.5),
                                                                               ("set", 0.9)]
    alone = parse_config({**document, "network": {"training": ["frozen"], "importance": ["attribution"]}})
    assert [cell.params["sparsity"] for cell in expand_cells(alone)] == [0.0]  # no sparsity needed
    assert not is_sparse("Frozen-Attr") and is_sparse("SET-Attr") and not catalogue()["Frozen-Attr"].in_paper

    assert run_study(config).failed == 0
    with open_store(tmp_path / "frozen.sqlite", read_only=True) as results:
        table = results_table(results, k=10)
        curves = sparsity_curves(results, 10, "all_epochs")
        write_report(results, tmp_path / "report", k=10)
    assert table.set_index("method").loc["Frozen-Attr", "sparsity"] == 0.0
    assert "Frozen-Attr" in (tmp_path / "report" / "index.html").read_text()
    # In the accuracy-vs-sparsity figure it is a level line, as Dense is, not a curve at sparsity 0.
    drawn = {"level": [], "curve": []}
    monkeypatch.setattr(Axes, "axhline", lambda ax, *a, **k: drawn["level"].append(k["label"]))
    monkeypatch.setattr(Axes, "plot", lambda ax, *a, **k: drawn["curve"].append(k["label"]))
    figures.accuracy_vs_sparsity(tmp_path / "curves.png", "synthetic-100", curves)
    assert drawn == {"level": ["Frozen-Attr (sparsity 0)"], "curve": ["SET-Attr"]}


def test_a_part_is_an_instance_of_its_kind_s_base_class():
    from sparsefs.registry import METRICS, TASKS

    with pytest.raises(TypeError, match=r"register an instance of the baseline 'spread', not its class: "
                                        r"register\(ColumnSpread\(\)\)"):
        BASELINES.register(ColumnSpread)
    for registry, base in ((TASKS, "Task"), (TRAINING_METHODS, "TrainingMethod"), (METRICS, "ImportanceMetric"),
                           (BASELINES, "BaselineSelector")):
        assert all(isinstance(part, registry.base_class()) for part in registry.values())
        assert registry.base_class().__name__ == base


def test_the_cli_offers_a_registered_method(registered):
    from sparsefs.cli import build_parser

    args = build_parser().parse_args(["select", "digits.csv", "--training", "half-set"])
    assert args.training == "half-set"


def test_registry_refuses_nameless_or_duplicate_parts():
    from types import SimpleNamespace

    parts = Registry("part")
    parts.register(SimpleNamespace(name="a", label="A"))
    with pytest.raises(ValueError, match="a part named 'a' is already registered"):
        parts.register(SimpleNamespace(name="a", label="other A"))
    with pytest.raises(TypeError, match="non-empty string 'name'"):
        parts.register(SimpleNamespace(name="", label="B"))
    with pytest.raises(KeyError, match="unknown part 'c'; choose from: a"):
        parts["c"]


def test_registered_parts_reach_worker_processes(registered, tmp_path):
    # Worker processes start without this process's registrations: they travel with the work.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    selector = SparseFeatureSelector(8, training="half-set", sparsity=0.8, hidden_layer_sizes=(16,), max_epochs=1,
                                     n_repeats=2, n_jobs=2, random_state=0).fit(X[:200], y[:200])
    assert selector.get_support().sum() == 8
    config = parse_config({
        "study": {"store": str(tmp_path / "jobs.sqlite"), "datasets": ["synthetic-100"], "seeds": 1, "k": [10]},
        "network": {"training": ["half-set"], "importance": ["attribution"], "sparsity": [0.9],
                    "hidden_layer_sizes": [16], "max_epochs": 1},
        "baselines": {"spread": {}},
    })
    summary = run_study(config, jobs=2)
    assert (summary.ran, summary.failed) == (2, 0)


PLUGIN = '''
from sparsefs.network.dst import SET, TrainingMethod
from sparsefs.registry import TRAINING_METHODS

class QuarterSET(SET):
    name, label = "quarter-set", "QuarterSET"

    def moved_fraction(self, initial, step, total_steps):
        return 0.25 * super().moved_fraction(initial, step, total_steps)

TRAINING_METHODS.register(QuarterSET())
'''


def test_an_installed_plugin_reaches_the_command_line(tmp_path):
    # A package declaring an entry point in the group "sparsefs.parts", as pip would install it.
    (tmp_path / "quarter_set_plugin.py").write_text(PLUGIN)
    info = tmp_path / "quarter_set_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: quarter-set-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sparsefs.parts]\nquarter-set = quarter_set_plugin\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "ranking.csv"
    result = subprocess.run(
        [sys.executable, "-m", "sparsefs.cli", "select", "synthetic-100", "--training", "quarter-set", "-k", "5",
         "--hidden-layer-sizes", "16", "--max-epochs", "1", "--quiet", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ranking = pd.read_csv(out)
    assert len(ranking) == 200 and ranking.selected.sum() == 5


def test_a_broken_plugin_is_skipped_with_a_warning(monkeypatch):
    import importlib.metadata

    from sparsefs import registry

    broken = importlib.metadata.EntryPoint(name="broken", value="no_such_module_anywhere", group=registry.PLUGIN_GROUP)
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [broken] if group == registry.PLUGIN_GROUP else [])
    with pytest.warns(RuntimeWarning, match="sparsefs plugin 'broken' .*could not be loaded: ModuleNotFoundError"):
        registry._load_plugins()
    assert "set" in TRAINING_METHODS
