"""Plain-text layouts of model selection's tables, for the terminal (``sparsefs results``).

They need no optional package (the rest of :mod:`sparsefs.report` needs the ``report`` extra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import TASKS

__all__ = ["chosen_configuration", "format_comparison", "format_stability", "format_table", "selection_note"]
from ..study.methods import method_position

#: Marks an entry whose configuration was not chosen by validation loss (its cells recorded none).
UNCHOSEN = "†"


def chosen_configuration(table: pd.DataFrame) -> str:
    """How the configuration of a table's entries was chosen, in words that claim no choice
    that was not made: by validation loss, or (for entries whose cells recorded no validation
    loss) the first configuration by its parameters.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.report.text import chosen_configuration
    >>> chosen_configuration(pd.DataFrame({"val_loss": [0.3], "n_configurations": [4]}))
    'the configuration chosen by validation loss'
    >>> unrecorded = pd.DataFrame({"val_loss": [float("nan")], "n_configurations": [4]})
    >>> print(chosen_configuration(unrecorded))  # doctest: +NORMALIZE_WHITESPACE
    the first configuration by its parameters
    (no validation loss was recorded to choose by)
    """
    unchosen = _unchosen(table)
    if not unchosen.any():
        return "the configuration chosen by validation loss"
    if unchosen.all():
        return "the first configuration by its parameters (no validation loss was recorded to choose by)"
    return "the configuration chosen by validation loss, or where none was recorded the first by its parameters"


def selection_note(table: pd.DataFrame) -> str:
    """What a table of :func:`sparsefs.study.results_table` may say about how its configurations
    were chosen: "by validation loss" only for the entries where a validation loss made the choice.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.report.text import selection_note
    >>> selection_note(pd.DataFrame({"val_loss": [0.3, 0.5], "n_configurations": [4, 1]}))
    '(sparsity) chosen by validation loss'
    >>> unrecorded = pd.DataFrame({"val_loss": [float("nan")], "n_configurations": [3]})
    >>> print(selection_note(unrecorded))  # doctest: +NORMALIZE_WHITESPACE
    (sparsity) of the configuration shown; † no validation loss was recorded, so none was
    chosen: the first by its parameters is shown
    """
    if not {"val_loss", "n_configurations"} <= set(table.columns):
        return "(sparsity) chosen by validation loss"
    unchosen = _unchosen(table)
    # a choice was made only where there were several configurations and a loss to choose by
    chosen = (table["n_configurations"] > 1) & table["val_loss"].notna()
    head = "(sparsity) chosen by validation loss" if chosen.any() else "(sparsity) of the configuration shown"
    if not unchosen.any():
        return head
    return head + f"; {UNCHOSEN} no validation loss was recorded, so none was chosen: the first by its parameters is shown"


def format_table(table: pd.DataFrame, k: int, window: str) -> str:
    """The paper's layout: datasets down, methods across, ``mean ± std (sparsity)`` cells.

    Examples
    --------
    >>> from sparsefs.study import open_store, parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"],
    ...               "seeds": 2, "k": [10]},
    ...     "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}},
    ... })
    >>> summary = run_study(config)

    >>> from sparsefs.report.text import format_table
    >>> from sparsefs.study import results_table
    >>> with open_store("study.sqlite") as store:
    ...     text = format_table(results_table(store, k=10), k=10, window="all_epochs")
    >>> print(text)  # doctest: +ELLIPSIS
    SVM test accuracy (%) of the top 10 features...
    """
    if table.empty:
        return "no finished cells in the store yet"
    unchosen = _unchosen(table)
    cells = table.assign(text=[_cell_text(row) + (UNCHOSEN if mark else "")
                               for row, mark in zip(table.itertuples(), unchosen)])
    wide = cells.pivot(index="dataset", columns="method", values="text").fillna("-")
    wide = wide[sorted(wide.columns, key=method_position)]
    tasks = sorted(set(table["task"])) if "task" in table.columns else ["classification"]
    measure = "; ".join(TASKS[task].measure_label + ("" if len(tasks) == 1 else f" ({task})") for task in tasks)
    title = f"{measure} of the top {k} features, window {window}: mean ± std over seeds; {selection_note(table)}"
    return title + "\n" + wide.rename_axis(None, axis=1).reset_index().to_string(index=False)


def format_stability(table: pd.DataFrame, k: int) -> str:
    """:func:`sparsefs.study.stability_table` laid out like the accuracy table: ``value [lower, upper]`` cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.report.text import format_stability
    >>> table = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"], "seeds": [5],
    ...                       "stability": [0.71], "lower": [0.66], "upper": [0.76]})
    >>> print(format_stability(table, 100).splitlines()[-1])
     Isolet 0.71 [0.66, 0.76]
    """
    if table.empty:
        return f"stability of the top {k}: no dataset and method with two or more finished seeds"
    cells = table.assign(text=[f"{r.stability:.2f} [{r.lower:.2f}, {r.upper:.2f}]" for r in table.itertuples()])
    wide = cells.pivot(index="dataset", columns="method", values="text").fillna("-")
    wide = wide[sorted(wide.columns, key=method_position)]
    title = (
        f"stability of the top {k} features across seeds (Nogueira et al., JMLR 2018; 1: identical selections, "
        "0: no more agreement than chance) [95% confidence interval]"
    )
    return title + "\n" + wide.rename_axis(None, axis=1).reset_index().to_string(index=False)


def format_comparison(table: pd.DataFrame) -> str:
    """Ours beside the paper's (:func:`sparsefs.report.reference.join_reference`), one row per dataset and method.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.report.text import format_comparison
    >>> table = pd.DataFrame({"dataset": ["Isolet"], "method": ["SET-Attr"],
    ...                       "acc_mean": [85.0], "acc_std": [1.0],
    ...                       "sparsity": [0.9], "seeds": [10], "paper_acc_mean": [84.0],
    ...                       "paper_acc_std": [0.5], "paper_sparsity": [0.8]})
    >>> print(format_comparison(table))
    dataset   method  sparsity  paper_sparsity  seeds         ours        paper  difference
     Isolet SET-Attr       0.9             0.8     10 85.00 ± 1.00 84.00 ± 0.50         1.0
    """
    shown = table.assign(
        ours=[f"{m:.2f} ± {s:.2f}" for m, s in zip(table["acc_mean"], table["acc_std"])],
        paper=[
            "-" if np.isnan(m) else f"{m:.2f} ± {s:.2f}" for m, s in zip(table["paper_acc_mean"], table["paper_acc_std"])
        ],
        difference=(table["acc_mean"] - table["paper_acc_mean"]).round(2),
    )
    columns = ["dataset", "method", *(["k"] if "k" in shown.columns else []), "sparsity", "paper_sparsity", "seeds",
               "ours", "paper", "difference"]
    return shown[columns].to_string(index=False, na_rep="-")


def _unchosen(table: pd.DataFrame) -> pd.Series:
    """Entries with several configurations to choose from but no validation loss to choose by."""
    if not {"val_loss", "n_configurations"} <= set(table.columns):
        return pd.Series(False, index=table.index)
    return (table["n_configurations"] > 1) & table["val_loss"].isna()


def _cell_text(row) -> str:
    text = f"{row.acc_mean:.2f} ± {row.acc_std:.2f}"
    if row.sparsity is not None and not np.isnan(row.sparsity) and row.sparsity > 0:
        text += f" ({row.sparsity:g})"
    return text
