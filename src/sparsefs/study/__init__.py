"""The study runner: the paper's protocol as one resumable, parallel grid of cells.

``load_config`` reads a TOML/YAML study, ``run_study`` runs what the store does not hold
yet, ``results_table`` chooses hyperparameters by validation loss and reports accuracies
(their text layouts and the comparison with the paper are the report's:
:mod:`sparsefs.report.text`, :mod:`sparsefs.report.reference`).

The names below are imported on first use, so that a worker process's watch on the driver
(``sparsefs.study._watchdog``) starts without importing torch.
"""

import importlib

#: Each public name, and the module of this package that defines it.
_EXPORTS = {
    "Cell": "cells",
    "CellOutcome": "cells",
    "expand_cells": "cells",
    "ConfigError": "config",
    "StudyConfig": "config",
    "load_config": "config",
    "parse_config": "config",
    "method_label": "methods",
    "method_order": "methods",
    "StudyPlan": "runner",
    "StudySummary": "runner",
    "plan_study": "runner",
    "run_study": "runner",
    "PER_METHOD": "selection",
    "PER_SPARSITY": "selection",
    "chosen_cells": "selection",
    "chosen_configurations": "selection",
    "paper_k": "selection",
    "results_table": "selection",
    "stability_table": "selection",
    "ResultStore": "store",
    "SQLiteStore": "store",
    "StoreError": "store",
    "open_store": "store",
}

__all__ = sorted(_EXPORTS)

#: Names that moved to the report, still importable from here.
_MOVED = {"format_table": "sparsefs.report.text", "format_stability": "sparsefs.report.text",
          "format_comparison": "sparsefs.report.text", "join_reference": "sparsefs.report.reference"}


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    elif name in _MOVED:
        value = getattr(importlib.import_module(_MOVED[name]), name)
    else:
        raise AttributeError(f"module 'sparsefs.study' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *globals()})
