"""Run a study: plan what is left, run it through joblib, store each cell as it finishes.

The driver (the process calling :func:`run_study`) is the only one that touches the store.
Cells run wherever the joblib backend puts them: in this process (``jobs=1``), in local
worker processes (``loky``, the default), or on a cluster (``dask``, ``ray``, or any backend
registered with joblib); each finished cell travels back to the driver and is written in one
transaction. Re-running the same study skips the finished cells, evaluates finished cells
for K or windows added since, and runs the rest.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import joblib
from joblib._parallel_backends import LokyBackend, MultiprocessingBackend
from tqdm import tqdm

from ._watchdog import exit_with_driver
from ..registry import added_parts, call_with_parts
from ..datasets import load
from .cells import Cell, CellOutcome, expand_cells, rule_free_twin
from .config import ConfigError, StudyConfig, is_data_file
from .execution import Evaluation, _task, check_cell, evaluate_stored, run_cell
from .store import ResultStore, StoreError, open_store, store_path

#: Finished cells re-evaluated per round (their importance vectors are held in memory).
_EVALUATION_CHUNK = 256


@dataclass
class StudyPlan:
    """What a run of the study will do, cell by cell.

    Examples
    --------
    >>> from sparsefs.study import parse_config, plan_study
    >>> config = parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"],
    ...                                  "seeds": 2},
    ...                        "baselines": {"lasso": {}}})
    >>> plan = plan_study(config, None)
    >>> len(plan.cells), len(plan.to_run), plan.n_complete
    (2, 2, 0)
    """

    cells: list[Cell]
    to_run: list[Cell]  # trained (again) and evaluated
    to_evaluate: list[Cell]  # finished, but missing accuracies for some K or window
    skipped_failed: list[Cell]  # failed before; rerun with retry_failed
    n_features: dict[str, int]
    #: (cell, source cell id, why): copied from a stored run that the cell's setting cannot
    #: change (cells.rule_free_twin); those that miss a K or window are in to_evaluate too
    to_derive: list[tuple[Cell, str, str]] = field(default_factory=list)

    @property
    def n_complete(self) -> int:
        return len(self.cells) - len(self.to_run) - len(self.to_evaluate) - len(self.derived_only)

    @property
    def derived_only(self) -> list[Cell]:
        """Cells to copy that need no evaluation afterwards (compared by id: a big study has
        thousands of cells, and comparing their parameter dicts pairwise would be quadratic)."""
        evaluated = {cell.cell_id for cell in self.to_evaluate}
        return [cell for cell, _, _ in self.to_derive if cell.cell_id not in evaluated]


@dataclass
class StudySummary:
    """What a run of :func:`run_study` did: cells in all, already done, run, evaluated, failed.

    Examples
    --------
    >>> from sparsefs.study import parse_config, run_study
    >>> config = parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"],
    ...                                  "seeds": 1, "k": [10]},
    ...                        "baselines": {"lasso": {}}})
    >>> summary = run_study(config)
    >>> summary.total, summary.ran, summary.failed
    (1, 1, 0)
    """

    total: int
    already_done: int
    ran: int
    evaluated: int
    failed: int  # cells that failed in this run
    skipped_failed: int  # cells left failed from earlier runs
    store: str
    derived: int = 0  # copied from stored runs their setting could not change (StudyPlan.to_derive)


def plan_study(
    config: StudyConfig, store: ResultStore | None, *, force: bool = False, retry_failed: bool = False,
    data_home: str | None = None,
) -> StudyPlan:
    """Compare the study's cells with the store (``None``: an empty one). Loads every dataset
    once, so that a missing or broken dataset stops the study before any work, not in every cell.

    Examples
    --------
    >>> from sparsefs.study import parse_config, plan_study
    >>> config = parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"],
    ...                                  "seeds": 3},
    ...                        "baselines": {"lasso": {"grid": {"C": [0.1, 1.0]}}}})
    >>> len(plan_study(config, None).to_run)
    6
    """
    cells = expand_cells(config)
    n_features = {}
    for name in config.datasets:
        dataset = load(name, data_home=data_home or config.data_home, target=config.targets.get(name))
        n_features[name] = dataset.n_features
        _check_cells([cell for cell in cells if cell.dataset == name and cell.seed == cells[0].seed], dataset, config)
        if min(config.ks) > dataset.n_features:  # its cells would train and never be evaluated
            raise ConfigError(f"{config.source}: [study] k: every K ({', '.join(map(str, config.ks))}) is larger than the "
                              f"{dataset.n_features} features of {name}: nothing would be evaluated; add a K of at most "
                              f"{dataset.n_features}")
    if store is not None:
        _check_targets(config, store)
    statuses = store.statuses() if store is not None else {}
    evaluated = store.evaluated() if store is not None else {}
    best_epochs = _best_epochs(store)
    evaluation = Evaluation(config.ks, config.windows)
    to_run, to_evaluate, skipped, to_derive = [], [], [], []
    for cell in cells:
        status = statuses.get(cell.cell_id)
        derivation = _derivation(cell, best_epochs) if status is None and not force else None
        if derivation is not None:
            to_derive.append(derivation)
            if evaluation.keys(cell, n_features[cell.dataset]) - evaluated.get(derivation[1], set()):
                to_evaluate.append(cell)
        elif force or status is None or (status == "failed" and retry_failed):
            to_run.append(cell)
        elif status == "failed":
            skipped.append(cell)
        elif evaluation.keys(cell, n_features[cell.dataset]) - evaluated.get(cell.cell_id, set()):
            to_evaluate.append(cell)
    return StudyPlan(cells, to_run, to_evaluate, skipped, n_features, to_derive)


def _best_epochs(store: ResultStore | None) -> dict[str, int]:
    if store is None:
        return {}
    rows = store.query("SELECT cell_id, best_epoch FROM cells WHERE status = 'done' AND best_epoch IS NOT NULL")
    return {cell_id: int(best) for cell_id, best in zip(rows["cell_id"], rows["best_epoch"])}


def _derivation(cell: Cell, best_epochs: dict[str, int]) -> tuple[Cell, str, str] | None:
    """A stored run that ``cell`` would repeat exactly: its rule-free twin, where that twin's
    best epoch is not earlier than the rule's (see :func:`~sparsefs.study.cells.rule_free_twin`)."""
    twin = rule_free_twin(cell)
    if twin is None:
        return None
    source, epoch = twin[0].cell_id, twin[1]
    best = best_epochs.get(source)
    if best is None or best < epoch:
        return None
    return cell, source, (f"copied from the same run without min_best_epoch = {epoch}: its best epoch ({best}) "
                          f"is not earlier, so the rule changes nothing")


def run_study(
    config: StudyConfig,
    *,
    store: str | None = None,
    jobs: int = 1,
    backend: str | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
    force: bool = False,
    retry_failed: bool = False,
    data_home: str | None = None,
    progress: bool = False,
) -> StudySummary:
    """Run every cell of ``config`` that the store does not hold yet.

    ``jobs``: cells in parallel. ``backend``: a joblib backend name (default ``loky`` local
    processes; ``"dask"`` connects to ``scheduler`` or starts a local cluster of ``jobs``
    workers; ``"ray"`` needs ray). ``threads``: torch threads per cell (default: the cores of
    this machine divided by ``jobs``; 1 on dask, whose workers set the parallelism). ``force`` reruns finished cells, ``retry_failed`` failed
    ones. ``progress`` shows a live bar on stderr.

    Examples
    --------
    >>> from sparsefs.study import parse_config, run_study
    >>> config = parse_config({
    ...     "study": {"store": "study.sqlite", "datasets": ["synthetic-100"], "seeds": 1,
    ...               "k": [10]},
    ...     "network": {"training": ["set"], "importance": ["attribution"],
    ...                 "sparsity": [0.9], "l2": [1e-4], "hidden_layer_sizes": [8],
    ...                 "max_epochs": 2},
    ... })
    >>> run_study(config).ran
    1
    >>> run_study(config).already_done  # a second run resumes: nothing left to do
    1
    """
    location = store or config.store
    data_home = data_home or config.data_home
    evaluation = Evaluation(config.ks, config.windows)
    threads = threads or _default_threads(backend, jobs)
    with ExitStack() as stack:
        existing = store_path(location).exists()
        results = stack.enter_context(open_store(location, create=False)) if existing else None
        plan = plan_study(config, results, force=force, retry_failed=retry_failed, data_home=data_home)
        stack.enter_context(_parallel_backend(backend, jobs, scheduler))
        if results is None:  # created only once the study has passed its checks: a refused study leaves no file
            results = stack.enter_context(open_store(location))
        failed = 0
        bar = stack.enter_context(tqdm(total=len(plan.cells), initial=plan.n_complete, unit="cell", desc="study",
                                       disable=not progress, dynamic_ncols=True))
        bar.set_postfix(failed=len(plan.skipped_failed))
        for cell, source, reason in plan.to_derive:
            results.derive(cell, source, reason)
        bar.update(len(plan.derived_only))
        for outcome in _outcomes(plan, results, evaluation, data_home, threads, jobs):
            _store(results, outcome)
            failed += outcome.status == "failed"
            bar.update(1)
            bar.set_postfix(failed=len(plan.skipped_failed) + failed)
    return StudySummary(
        total=len(plan.cells),
        already_done=plan.n_complete - len(plan.skipped_failed),
        ran=len(plan.to_run),
        evaluated=len(plan.to_evaluate),
        derived=len(plan.to_derive),
        failed=failed,
        skipped_failed=len(plan.skipped_failed),
        store=str(location),
    )


def _check_cells(cells: list[Cell], dataset, config: StudyConfig) -> None:
    """Settings that would fail every cell of a dataset (its task, a method's settings for that
    task) are a mistake in the configuration, found before anything runs."""
    for cell in cells:
        try:
            task = _task(cell, dataset)
        except ValueError as error:
            raise ConfigError(f"{config.source}: [study] {'task' if cell.task else 'datasets'}: {error}") from None
        try:
            check_cell(cell, task)
        except ValueError as error:
            method = "[network]" if cell.is_network else f"[baselines.{cell.method}]"
            raise ConfigError(f"{config.source}: {method} on {dataset.name}: {error}") from None


def _check_targets(config: StudyConfig, store: ResultStore) -> None:
    """A store holds one label column per data file: results for another would mix in model selection."""
    for name in config.datasets:
        if not is_data_file(name):
            continue
        wanted = config.targets.get(name)
        stored = store.query("SELECT DISTINCT configuration FROM cells WHERE dataset = ?", (name,)).configuration
        for found in {json.loads(text).get("target") for text in stored} - {wanted}:
            raise StoreError(
                f"the store's cells of {name} were run with the label column {found!r}, this study names {wanted!r}; "
                "use another store for another label column"
            )


def _default_threads(backend: str | None, jobs: int) -> int:
    if backend == "dask":
        return 1  # one cell per dask worker thread: size the workers, not the cells
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def _outcomes(
    plan: StudyPlan, results: ResultStore, evaluation: Evaluation, data_home, threads: int, jobs: int
) -> Iterator[CellOutcome]:
    driver = (socket.gethostname(), os.getpid())  # local workers end themselves if this process dies
    parts = added_parts()  # parts registered in this process, which worker processes lack
    training = [joblib.delayed(call_with_parts)(parts, run_cell, cell, evaluation, data_home, threads, driver)
                for cell in plan.to_run]
    yield from _as_completed(training, jobs, driver)
    # Stored importances travel to the workers a chunk at a time: a whole study's can fill gigabytes.
    for start in range(0, len(plan.to_evaluate), _EVALUATION_CHUNK):
        chunk = plan.to_evaluate[start : start + _EVALUATION_CHUNK]
        yield from _as_completed(
            [
                joblib.delayed(call_with_parts)(parts, evaluate_stored, cell, results.importances(cell.cell_id),
                                                evaluation, data_home, threads, driver)
                for cell in chunk
            ],
            jobs,
            driver,
        )


def _store(results: ResultStore, outcome: CellOutcome) -> None:
    if outcome.importances or outcome.status == "failed":
        results.save(outcome)
    else:  # re-evaluated from stored importances
        results.add_accuracies(outcome.cell.cell_id, outcome.accuracies, outcome.scores)


def _as_completed(tasks: list, jobs: int, driver: tuple[str, int]) -> Iterator[CellOutcome]:
    """Outcomes in the order they finish, one task per dispatch so each returns at once."""
    options = _worker_options(driver)
    try:
        parallel = joblib.Parallel(n_jobs=jobs, batch_size=1, return_as="generator_unordered", **options)
    except ValueError as error:
        if "does not support return_as" not in str(error):
            raise
        # Backends that cannot stream results (multiprocessing): rounds of `jobs` tasks.
        yield from _in_rounds(tasks, jobs, options)
        return
    yield from parallel(tasks)


def _in_rounds(tasks: list, jobs: int, options: dict) -> Iterable[CellOutcome]:
    size = max(1, jobs)
    for start in range(0, len(tasks), size):
        yield from joblib.Parallel(n_jobs=jobs, batch_size=1, **options)(tasks[start : start + size])


def _worker_options(driver: tuple[str, int]) -> dict:
    """Local process pools start each worker with a watch on the driver (sparsefs.study._watchdog).

    A worker can sit idle, waiting for a task that a killed driver never sends, so the watch
    starts when the worker does (the pool's initializer), not with its first cell.
    """
    backend, _ = joblib.parallel.get_active_backend()
    if isinstance(backend, (LokyBackend, MultiprocessingBackend)):
        return {"initializer": exit_with_driver, "initargs": (driver, True)}
    return {}


@contextmanager
def _parallel_backend(backend: str | None, jobs: int, scheduler: str | None):
    with ExitStack() as stack:
        if backend == "dask":
            stack.enter_context(_dask_client(jobs, scheduler))
        elif backend == "ray":
            try:
                from ray.util.joblib import register_ray
            except ImportError:
                raise ValueError("--backend ray needs ray installed (pip install 'ray[default]')") from None
            register_ray()
        elif scheduler is not None:
            raise ValueError("a scheduler address only applies to --backend dask")
        if backend is not None:
            stack.enter_context(joblib.parallel_config(backend=backend))
        yield


@contextmanager
def _dask_client(jobs: int, scheduler: str | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--backend dask needs dask.distributed (pip install 'sparsefs[distributed]')") from None
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    # No cluster given: one on this machine, one single-threaded worker process per job.
    with (
        LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client
