"""Running one cell, in whichever process (or machine) joblib sends it to.

A cell loads its dataset (cached per process), takes the paper split for its seed, fits the
estimator on the training + validation rows (the estimator splits off the same validation
rows itself), and scores the importances by the SVM test accuracy of the top K features
(the method page §1), the SVM trained on the training + validation rows. Everything comes back to
the driver as a :class:`CellOutcome`; nothing here writes to the store. A failing cell comes
back as an outcome with its error, so one bad cell never stops a study.
"""

from __future__ import annotations

import functools
import platform
import socket
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone

from .. import __version__
from ..selector._estimator import SparseFeatureSelector
from ..devices import parse_device, torch_threads
from ..baselines import BASELINES
from ..datasets import load
from ..registry import TASKS
from ..splitting import dataset_fit_rows
from ._watchdog import exit_with_driver
from .cells import ADDED_PARAMETERS, BASELINE_WINDOW, Cell, CellOutcome

try:  # POSIX only: on Windows the peak memory of a CPU cell is not recorded
    import resource
except ImportError:
    resource = None

_MAX_WARNINGS = 20


@dataclass(frozen=True)
class Evaluation:
    """Which accuracies a cell records: every K (up to the dataset's width) in every window."""

    ks: tuple[int, ...]
    windows: tuple[str, ...]

    def windows_of(self, cell: Cell) -> tuple[str, ...]:
        return self.windows if cell.is_network else (BASELINE_WINDOW,)

    def keys(self, cell: Cell, n_features: int) -> set[tuple[str, str, int]]:
        return {
            (metric, window, k)
            for metric in cell.metrics
            for window in self.windows_of(cell)
            for k in self.ks
            if k <= n_features
        }


def run_cell(cell: Cell, evaluation: Evaluation, data_home: str | None, threads: int,
             driver: tuple[str, int] | None = None) -> CellOutcome:
    """Fit the cell's estimator, measure it, and evaluate its importances.

    ``driver``: the (host, pid) of the study's driver; a worker process it started ends
    itself when the driver dies (see :func:`sparsefs.study._watchdog.exit_with_driver`).
    """
    exit_with_driver(driver)
    started = time.perf_counter()
    with _torch_threads(threads):
        try:
            dataset = _dataset(cell.dataset, data_home, cell.target)
            task = _task(cell, dataset)
            fit_rows, test_rows = dataset_fit_rows(dataset, cell.seed, task)
            dataset = dataset.for_task(task)
            estimator = build_estimator(cell, task, threads)
            with _recorded_warnings() as caught, _peak_memory(_device_of(cell)) as peak:
                fit_started = time.perf_counter()
                # an unsupervised selection never sees the labels: they only judge it
                estimator.fit(dataset.X[fit_rows], dataset.labels[fit_rows] if TASKS[task].supervised else None)
                fit_seconds = time.perf_counter() - fit_started
            importances = _importances(cell, estimator)
            evaluation_started = time.perf_counter()
            accuracies, scores = _accuracies(cell, importances, evaluation, dataset, fit_rows, test_rows, task)
            record = {
                **_measurements(cell, estimator),
                "n_features": dataset.n_features,
                "fit_seconds": fit_seconds,
                "evaluation_seconds": time.perf_counter() - evaluation_started,
                "peak_memory_bytes": peak.get("bytes"),
                "peak_memory_measure": peak.get("measure"),
                "warnings": caught,
            }
            return CellOutcome(cell, "done", {**record, **_provenance(cell)}, importances, accuracies, scores)
        except Exception as error:  # recorded with the cell; the study goes on
            record = {
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
                "fit_seconds": time.perf_counter() - started,
            }
            return CellOutcome(cell, "failed", {**record, **_provenance(cell)})


def evaluate_stored(
    cell: Cell, importances: dict, evaluation: Evaluation, data_home: str | None, threads: int,
    driver: tuple[str, int] | None = None,
) -> CellOutcome:
    """Accuracies of a finished cell's stored importances (for K or windows added later)."""
    exit_with_driver(driver)
    with _torch_threads(threads):
        dataset = _dataset(cell.dataset, data_home, cell.target)
        task = _task(cell, dataset)
        fit_rows, test_rows = dataset_fit_rows(dataset, cell.seed, task)
        dataset = dataset.for_task(task)
        accuracies, scores = _accuracies(cell, importances, evaluation, dataset, fit_rows, test_rows, task)
    return CellOutcome(cell, "done", accuracies=accuracies, scores=scores)


def build_estimator(cell: Cell, task: str = "auto", threads: int | None = None):
    """The cell's unfitted estimator, seeded with the cell's seed; a baseline with ``n_jobs``
    (a forest, mutual information, ReliefF) gets the cell's ``threads`` unless configured."""
    if cell.is_network:
        return SparseFeatureSelector(
            1,  # unused: the study evaluates every K itself
            task=task,
            training=cell.method,
            importance=list(cell.metrics),
            random_state=cell.seed,
            n_threads=threads,  # the study's choice for the cell (not part of its id)
            # the paper split's validation rows, unless the configuration trains on every fit row;
            # a parameter added since stores were written and not recorded in the cell's id ran
            # (and runs) with its earlier value, not with the selector's present default
            **{"validation_fraction": 0.2, **ADDED_PARAMETERS, **cell.params},
        )
    baseline = BASELINES[cell.method]
    known = baseline.get_params()
    told = {"task": task} if task != "auto" and "task" in known else {}
    if threads is not None and "n_jobs" in known and "n_jobs" not in cell.params:
        told["n_jobs"] = threads  # not part of the cell's id: the scores do not depend on it
    return clone(baseline).set_params(n_features_to_select=1, random_state=cell.seed, validation_fraction=0.2, **told,
                                      **cell.params)


def check_cell(cell: Cell, task: str) -> None:
    """Refuse, before any cell runs, what would fail ``cell`` whatever its seed on a dataset of
    ``task`` (see ``_task``): estimator settings the task does not allow, a baseline that does
    not select for the task."""
    estimator = build_estimator(cell, task)
    if cell.is_network:
        estimator._check_task(TASKS[task])
    elif task not in estimator.tasks:
        raise ValueError(f"{estimator.label} selects for {' and '.join(estimator.tasks)}, not {task}")


@functools.lru_cache(maxsize=2)
def _dataset(name: str, data_home: str | None, target: str | None = None):
    # A worker runs many cells of the same dataset in a row: load it once.
    return load(name, data_home=data_home, target=target)


def _task(cell: Cell, dataset) -> str:
    """The cell's task: the study's, else the dataset's own. Unsupervised selection in a study is
    judged by labels it never saw, so the dataset must have some."""
    task = cell.task or dataset.task
    chosen = TASKS[task]
    if not chosen.supervised and dataset.y is None:
        raise ValueError(f"{dataset.name} has no labels: a study judges an unsupervised selection by the accuracy "
                         "on labels it never saw; rank an unlabelled file with 'sparsefs select' instead")
    if not chosen.supervised and not TASKS[dataset.task].class_labels:
        raise ValueError(f"{dataset.name} has a continuous target: a study judges an unsupervised selection by the "
                         "accuracy on class labels it never saw")
    if chosen.supervised and not chosen.class_labels and TASKS[dataset.task].class_labels:
        dataset.for_task(task)  # whole numbers read as labels are regressed on; words are refused
    elif chosen.supervised and dataset.task != task:
        raise ValueError(f"{task!r} does not fit {dataset.name}, whose target is for {dataset.task}")
    return task


def _importances(cell: Cell, estimator) -> dict[str, dict[str, np.ndarray]]:
    if cell.is_network:
        return estimator.importances_
    return {estimator.metric: {BASELINE_WINDOW: estimator.feature_importances_}}


def _accuracies(cell: Cell, importances, evaluation: Evaluation, dataset, fit_rows, test_rows,
                task: str = "classification") -> tuple[list, list]:
    """``(main, all)``: the task's main measure per (metric, window, K), for the ``accuracies``
    table, and every measure, for ``scores``."""
    judge = TASKS[task]
    X, y = dataset.X, dataset.y
    X_fit, y_fit, X_test, y_test = X[fit_rows], y[fit_rows], X[test_rows], y[test_rows]
    main, scores = [], []
    for metric, window, k in sorted(evaluation.keys(cell, dataset.n_features)):
        ranking = np.argsort(-importances[metric][window], kind="stable")
        measured = judge.evaluate(X_fit, y_fit, X_test, y_test, ranking[:k])
        main.append((metric, window, k, measured[judge.measure]))
        scores += [(metric, window, k, measure, value) for measure, value in measured.items()]
    return main, scores


def _measurements(cell: Cell, estimator) -> dict:
    if cell.is_network:
        history = estimator.history_
        best = estimator.best_epoch_ - 1
        return {
            "best_epoch": estimator.best_epoch_,
            "n_epochs": estimator.n_epochs_,
            "val_loss": history["val_loss"][best],
            "val_accuracy": history["val_accuracy"][best] if "val_accuracy" in history else None,
            "history": history,
            "n_parameters": estimator.n_parameters_,
            "training_flops": estimator.training_flops_,
        }
    return {
        "n_epochs": estimator.n_iter_,
        "val_loss": estimator.val_loss_,
        "n_parameters": estimator.n_parameters_,
        "training_flops": estimator.training_flops_,
    }


def _provenance(cell: Cell) -> dict:
    return {
        "device": _device_name(cell),
        "host": socket.gethostname(),
        "sparsefs_version": __version__,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _device_of(cell: Cell) -> torch.device:
    device = cell.params.get("device", "cpu" if cell.method == "lasso" else "auto")
    return parse_device(device)


def _device_name(cell: Cell) -> str:
    try:
        return str(_device_of(cell))
    except RuntimeError:  # an invalid device string: the cell failed on it, record it as given
        return str(cell.params.get("device"))


@contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    # Several cells share a machine's cores: more threads than cores per process slows
    # torch down many times over.
    with torch_threads(threads):
        yield


@contextmanager
def _recorded_warnings() -> Iterator[list[str]]:
    """Collect the distinct warnings raised inside (with counts) instead of printing them."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    counts = Counter(f"{w.category.__name__}: {w.message}" for w in caught)
    found.extend(f"{text} (x{n})" if n > 1 else text for text, n in counts.most_common(_MAX_WARNINGS))


@contextmanager
def _peak_memory(device: torch.device) -> Iterator[dict]:
    """Peak memory while the block runs: CUDA allocations on a GPU, else the process's peak RSS."""
    measured: dict = {}
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        yield measured
        measured.update(bytes=torch.cuda.max_memory_allocated(device), measure="cuda_max_allocated")
        return
    reset = _reset_peak_rss()
    yield measured
    peak = _peak_rss_bytes()
    if peak is not None:
        measure = "process_peak_rss" if reset else "process_peak_rss_since_start"
        measured.update(bytes=peak, measure=measure)


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux); False where impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux, bytes on macOS
    return peak * (1 if platform.system() == "Darwin" else 1024) if peak else None
