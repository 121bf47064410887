"""The paper's published numbers (a folder of its result tables as CSV, ``--reference``), read and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..study.methods import paper_baselines

#: Each file the report compares with, and the columns it needs.
FILES = {
    "accuracy": ("paper_svm_accuracy_k100.csv", {"importance_window", "dataset", "method", "acc_mean", "acc_std", "sparsity"}),
    "baselines": ("paper_baselines_k100.csv", {"dataset", "method", "acc_mean", "acc_std"}),
    "flops": ("paper_flops_e12.csv", {"dataset", "LassoNet", "STG", "Dense-Attr", "SET-Attr"}),
    "coverage": ("paper_synthetic_coverage.csv", {"method"}),
}


class ReportError(ValueError):
    """The report cannot be written as asked (a missing or malformed input).

    Examples
    --------
    >>> from sparsefs.report import ReportError
    >>> from sparsefs.report.reference import read_reference
    >>> try:
    ...     read_reference("no-such-folder")
    ... except ReportError as error:
    ...     print("refused:", str(error)[:40])
    refused: ...
    """


@dataclass
class Reference:
    directory: Path
    reported: pd.DataFrame  # importance_window, reference_name, method: every accuracy the paper gives
    flops: pd.DataFrame  # reference_name, method, flops_e12 (units of 10^12 FLOPs)
    coverage: pd.DataFrame  # method, m, coverage


def read_reference(directory: str | Path) -> Reference:
    """Check that every reference table is there, and read the ones the report reshapes.

    (The accuracy tables are joined by :func:`sparsefs.study.join_reference`.)
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"reference folder {directory} does not exist")
    frames = {}
    for key, (name, columns) in FILES.items():
        try:
            frames[key] = pd.read_csv(directory / name)
        except (OSError, pd.errors.ParserError) as error:
            raise ReportError(f"cannot read the paper's table {directory / name}: {error}") from None
        missing = columns - set(frames[key].columns)
        if missing:
            raise ReportError(f"{directory / name} lacks the columns {', '.join(sorted(missing))}")
    flops = frames["flops"].melt(id_vars="dataset", var_name="method", value_name="flops_e12")
    coverage = frames["coverage"].melt(id_vars="method", var_name="column", value_name="coverage")
    # Columns n100, n500, ...: the number of samples m.
    sizes = coverage.column.str.fullmatch(r"n\d+")
    if not sizes.all():
        raise ReportError(f"{directory / FILES['coverage'][0]}: expected columns n<m>, found {', '.join(coverage.column[~sizes].unique())}")
    coverage["m"] = coverage.pop("column").str[1:].astype(int)
    baselines = frames["baselines"][frames["baselines"].method.isin(paper_baselines())]
    # The paper's baselines have no importance window: they stand beside the networks of every window.
    windows = frames["accuracy"].importance_window.unique()
    reported = pd.concat(
        [frames["accuracy"][["importance_window", "dataset", "method"]]]
        + [baselines[["dataset", "method"]].assign(importance_window=window) for window in windows]
    ).rename(columns={"dataset": "reference_name"})
    return Reference(directory, reported, flops.rename(columns={"dataset": "reference_name"}), coverage[["method", "m", "coverage"]])
