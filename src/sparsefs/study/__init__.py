"""The study runner: the paper's protocol as one resumable, parallel grid of cells.

``load_config`` reads a TOML/YAML study, ``run_study`` runs what the store does not hold
yet, ``results_table`` chooses hyperparameters by validation loss and reports accuracies
(their text layouts and the comparison with the paper are the report's:
:mod:`sparsefs.report.text`, :mod:`sparsefs.report.reference`).
"""

from .cells import Cell, CellOutcome, expand_cells
from .config import ConfigError, StudyConfig, load_config, parse_config
from .methods import method_label, method_order
from .runner import StudyPlan, StudySummary, plan_study, run_study
from .selection import chosen_cells, paper_k, results_table, stability_table
from .store import ResultStore, SQLiteStore, StoreError, open_store

__all__ = [
    "Cell",
    "CellOutcome",
    "ConfigError",
    "ResultStore",
    "SQLiteStore",
    "StoreError",
    "StudyConfig",
    "StudyPlan",
    "StudySummary",
    "chosen_cells",
    "expand_cells",
    "load_config",
    "method_label",
    "method_order",
    "open_store",
    "paper_k",
    "parse_config",
    "plan_study",
    "results_table",
    "run_study",
    "stability_table",
]

#: Names that moved to the report, still importable from here.
_MOVED = {"format_table": "text", "format_stability": "text", "format_comparison": "text",
          "join_reference": "reference"}


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"sparsefs.report.{_MOVED[name]}"), name)
    raise AttributeError(f"module 'sparsefs.study' has no attribute {name!r}")
