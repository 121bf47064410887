"""The paper's published numbers (a folder of its result tables as CSV, ``--reference``): the one
reader of that folder, and the join of our results with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets import get_spec
from ..study.methods import paper_baselines

__all__ = ["Reference", "ReportError", "join_reference", "read_reference"]

#: Each file of the folder, and the columns it needs.
FILES = {
    "accuracy": ("paper_svm_accuracy_k100.csv", {"importance_window", "dataset", "method", "acc_mean", "acc_std", "sparsity"}),
    "baselines": ("paper_baselines_k100.csv", {"dataset", "method", "acc_mean", "acc_std"}),
    "flops": ("paper_flops_e12.csv", {"dataset", "LassoNet", "STG", "Dense-Attr", "SET-Attr"}),
    "coverage": ("paper_synthetic_coverage.csv", {"method"}),
}
#: What a comparison of accuracies needs (``sparsefs results --reference``).
ACCURACY_FILES = ("accuracy", "baselines")


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
    """The paper's tables, read and checked (:func:`read_reference`): what the report and
    ``sparsefs results --reference`` compare with.

    Examples
    --------
    >>> import pandas as pd
    >>> from sparsefs.report.reference import Reference
    >>> accuracies = pd.DataFrame({
    ...     "importance_window": ["all_epochs", None],
    ...     "reference_name": ["Isolet", "Isolet"], "method": ["SET-Attr", "Lasso"],
    ...     "k": [100, 100], "paper_acc_mean": [84.0, 70.0],
    ...     "paper_acc_std": [0.5, 1.0], "paper_sparsity": [0.8, None]})
    >>> Reference("reference", accuracies).reported.values.tolist()
    [['all_epochs', 'Isolet', 'SET-Attr'], ['all_epochs', 'Isolet', 'Lasso']]
    """

    directory: Path
    #: importance_window, reference_name, method, k, paper_acc_mean, paper_acc_std, paper_sparsity: every
    #: accuracy the paper gives; its baselines have no window (NaN): they stand beside the networks of every window.
    accuracies: pd.DataFrame
    flops: pd.DataFrame | None = None  # reference_name, method, flops_e12 (units of 10^12 FLOPs)
    coverage: pd.DataFrame | None = None  # method, m, coverage

    @property
    def reported(self) -> pd.DataFrame:
        """importance_window, reference_name, method: every (window, dataset, method) the paper reports."""
        columns = ["importance_window", "reference_name", "method"]
        windowed = self.accuracies.importance_window.notna()
        networks, baselines = self.accuracies[windowed], self.accuracies[~windowed]
        return pd.concat([networks[columns], *(baselines[columns].assign(importance_window=window)
                                               for window in networks.importance_window.unique())])


def read_reference(directory: str | Path, tables: Iterable[str] = tuple(FILES)) -> Reference:
    """Read and check the reference ``tables`` (keys of ``FILES``: "accuracy", "baselines",
    "flops", "coverage") of ``directory``.

    A missing folder or file, a file that is not CSV, a missing column or a non-numeric
    ``k`` is one :class:`ReportError` naming it.

    Examples
    --------
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sparsefs.report.reference import read_reference
    >>> folder = Path("reference")
    >>> folder.mkdir(exist_ok=True)
    >>> _ = pd.DataFrame({
    ...     "importance_window": ["all_epochs"], "dataset": ["Isolet"],
    ...     "method": ["SET-Attr"], "acc_mean": [84.0], "acc_std": [0.5],
    ...     "sparsity": [0.8]},
    ... ).to_csv(folder / "paper_svm_accuracy_k100.csv", index=False)
    >>> _ = pd.DataFrame({
    ...     "dataset": ["Isolet"], "method": ["Lasso"], "acc_mean": [70.0],
    ...     "acc_std": [1.0]},
    ... ).to_csv(folder / "paper_baselines_k100.csv", index=False)
    >>> reference = read_reference(folder, ["accuracy", "baselines"])
    >>> reference.accuracies[["method", "k", "paper_acc_mean"]].values.tolist()
    [['SET-Attr', 100, 84.0], ['Lasso', 100, 70.0]]
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"reference folder {directory} does not exist")
    wanted = {*ACCURACY_FILES, *tables}
    frames = {key: _read(directory, key) for key in FILES if key in wanted}  # in FILES' order
    accuracies = _accuracies(frames["accuracy"], frames["baselines"])
    flops = coverage = None
    if "flops" in frames:
        flops = frames["flops"].melt(id_vars="dataset", var_name="method", value_name="flops_e12")
        flops = flops.rename(columns={"dataset": "reference_name"})
    if "coverage" in frames:
        coverage = _coverage(frames["coverage"], directory / FILES["coverage"][0])
    return Reference(directory, accuracies, flops, coverage)


def join_reference(table: pd.DataFrame, reference: Reference | str | Path, window: str = "all_epochs") -> pd.DataFrame:
    """Add the paper's numbers (``paper_acc_mean``, ``paper_acc_std``, ``paper_sparsity``) to a
    results table (:func:`sparsefs.study.results_table`).

    Networks are matched in ``window``, baselines (the paper's) whatever the window; datasets
    through the registry's ``reference_name``. Where ``table`` has a ``k`` column (the paper's
    K: 20 for Madelon, 100 elsewhere), an entry is matched only at the same K. Datasets or
    methods the paper does not report, or reports at another K, get NaN. ``reference``: a
    :class:`Reference`, or its folder.

    Examples
    --------
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sparsefs.report.reference import join_reference
    >>> folder = Path("reference")
    >>> folder.mkdir(exist_ok=True)
    >>> _ = pd.DataFrame({
    ...     "importance_window": ["all_epochs"], "dataset": ["Isolet"],
    ...     "method": ["SET-Attr"], "acc_mean": [84.0], "acc_std": [0.5],
    ...     "sparsity": [0.8]},
    ... ).to_csv(folder / "paper_svm_accuracy_k100.csv", index=False)
    >>> _ = pd.DataFrame({
    ...     "dataset": ["Isolet"], "method": ["Lasso"], "acc_mean": [70.0],
    ...     "acc_std": [1.0]},
    ... ).to_csv(folder / "paper_baselines_k100.csv", index=False)
    >>> ours = pd.DataFrame(
    ...     {"dataset": ["Isolet"], "method": ["SET-Attr"], "acc_mean": [85.0]})
    >>> join_reference(ours, folder)[["paper_acc_mean", "paper_sparsity"]].values.tolist()
    [[84.0, 0.8]]
    """
    if not isinstance(reference, Reference):
        reference = read_reference(reference, ACCURACY_FILES)
    windows = reference.accuracies.importance_window
    paper = reference.accuracies[(windows == window) | windows.isna()].drop(columns="importance_window")
    keys = ["reference_name", "method"]
    if "k" in table.columns:
        keys.append("k")
    else:
        paper = paper.drop(columns="k")
    joined = table.assign(reference_name=table["dataset"].map(reference_name))
    return joined.merge(paper, on=keys, how="left").drop(columns="reference_name")


def reference_name(dataset: str) -> str | None:
    """The dataset's name in the paper's tables, if the paper reports it (or a stand-in for it)."""
    try:
        return get_spec(dataset).reference_name
    except KeyError:
        return None


def _read(directory: Path, key: str) -> pd.DataFrame:
    name, columns = FILES[key]
    path = directory / name
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as error:  # missing, unreadable, not CSV (pandas' parser errors are ValueErrors)
        raise ReportError(f"cannot read the paper's table {path}: {error}") from None
    missing = columns - set(frame.columns)
    if missing:
        raise ReportError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    if "k" in frame.columns and not pd.to_numeric(frame["k"], errors="coerce").notna().all():
        raise ReportError(f"{path} has a non-numeric k")
    return frame


def _accuracies(networks: pd.DataFrame, baselines: pd.DataFrame) -> pd.DataFrame:
    baselines = baselines[baselines["method"].isin(paper_baselines())].assign(sparsity=np.nan, importance_window=np.nan)
    paper = pd.concat([networks, baselines], ignore_index=True)
    # Without a k column, a table is at the paper's K = 100.
    k = pd.to_numeric(paper["k"]).fillna(100) if "k" in paper.columns else pd.Series(100, index=paper.index)
    return pd.DataFrame({
        "importance_window": paper["importance_window"],
        "reference_name": paper["dataset"],
        "method": paper["method"],
        "k": k.astype(int),
        "paper_acc_mean": paper["acc_mean"],
        "paper_acc_std": paper["acc_std"],
        "paper_sparsity": paper["sparsity"],
    })


def _coverage(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    coverage = frame.melt(id_vars="method", var_name="column", value_name="coverage")
    # Columns n100, n500, ...: the number of samples m.
    sizes = coverage.column.str.fullmatch(r"n\d+")
    if not sizes.all():
        raise ReportError(f"{path}: expected columns n<m>, found {', '.join(coverage.column[~sizes].unique())}")
    coverage["m"] = coverage.pop("column").str[1:].astype(int)
    return coverage[["method", "m", "coverage"]]
