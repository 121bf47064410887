"""The study runner: the paper's protocol as one resumable, parallel grid of cells.

``load_config`` reads a TOML/YAML study, ``run_study`` runs what the store does not hold
yet, ``results_table`` chooses hyperparameters by validation loss and reports accuracies.
"""

from .cells import Cell, CellOutcome, expand_cells
from .config import ConfigError, StudyConfig, load_config, parse_config
from .runner import StudyPlan, StudySummary, plan_study, run_study
from .methods import method_order
from .selection import (
    chosen_cells,
    format_comparison,
    format_stability,
    format_table,
    join_reference,
    method_label,
    paper_k,
    results_table,
    stability_table,
)
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
    "format_comparison",
    "format_stability",
    "format_table",
    "join_reference",
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
