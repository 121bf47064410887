"""The ``sparsefs`` command: parses arguments, calls the library, prints results.

User mistakes (unknown dataset, unreadable file, bad option values) end in one line on stderr
and exit status 2; only genuine bugs show a traceback.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from ._csvsafe import escape_frame, unescape_cell
from ._optional import MissingDependency
from .datasets import DatasetError

EXIT_USER_ERROR = 2


class UsageError(Exception):
    """A mistake in what the user asked for, reported in one line."""


def _load(args: argparse.Namespace):
    from .datasets import load

    return load(args.data, target=args.target, data_home=args.data_home, progress=not args.quiet)


def _split(dataset, seed: int, task: str) -> tuple[np.ndarray, np.ndarray]:
    """``(fit rows, test rows)`` of the paper split of the dataset as read, the same whatever the
    task wherever that task can run (as in studies)."""
    from .splitting import dataset_fit_rows

    return dataset_fit_rows(dataset, seed, task)


def _task_of(args: argparse.Namespace, dataset) -> str:
    """The task to select for: ``--task``, else the dataset's (its target's kind, or none)."""
    from .registry import TASKS

    if args.task == "auto":
        return dataset.task
    task = TASKS[args.task]
    if task.supervised and dataset.y is None:
        raise UsageError(f"--task {args.task} needs a target: {dataset.name} has none (name its column with --target)")
    if task.class_labels and not TASKS[dataset.task].class_labels:
        raise UsageError(f"--task {args.task}: the target of {dataset.name} is continuous")
    return args.task


@contextmanager
def _count_hint(args: argparse.Namespace, dataset):
    """A class too rare to split, where the classes are whole numbers read as labels (counts?):
    the message says how to regress on them instead."""
    from .splitting import TooFewToSplit

    try:
        yield
    except TooFewToSplit as error:
        if args.task != "auto" or dataset.task != "classification" or dataset.classes.dtype.kind not in "iuf":
            raise
        raise UsageError(f"{error}; if the target of {dataset.name} is a count or a measure rather than a class, "
                         "pass --task regression") from None


def _feature_labels(dataset) -> np.ndarray:
    if dataset.feature_names is not None:
        return np.asarray(dataset.feature_names, dtype=object)
    return np.arange(dataset.n_features)


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    bar = tqdm(total=total, desc="training", unit="epoch", disable=not enabled, leave=False)

    def update(record: dict) -> None:
        bar.update(1)
        bar.set_postfix(train_loss=f"{record['train_loss']:.4f}", val_loss=f"{record['val_loss']:.4f}")

    return bar, update


def cmd_select(args: argparse.Namespace) -> int:
    _check_out_file(args.out)  # before the data are read and the network trained
    if args.bootstrap and args.repeats == 1:
        raise UsageError("--bootstrap resamples the rows of each of several fits: add --repeats N (N > 1)")
    dataset = _load(args)
    if isinstance(args.k, int) and args.k > dataset.n_features and args.threshold is None:
        raise UsageError(f"-k {args.k} is larger than the {dataset.n_features} features of {dataset.name}")
    task = _task_of(args, dataset)
    if args.plot:
        _check_plot_file(args.plot)  # before minutes of training
    from .selector._estimator import SparseFeatureSelector  # torch: imported once the data are known to be usable
    from .registry import TASKS

    supervised = TASKS[task].supervised
    with _count_hint(args, dataset):
        rows = np.arange(dataset.n_samples) if args.all_rows else _split(dataset, args.seed, task)[0]
    dataset = dataset.for_task(task)
    selector = SparseFeatureSelector(
        args.k,
        threshold=args.threshold,
        task=task,
        training=args.training,
        importance=args.importance,
        sparsity=args.sparsity,
        l2=args.l2,
        hidden_layer_sizes=args.hidden_layer_sizes,
        learning_rate=args.learning_rate,
        max_epochs=args.max_epochs,
        patience=args.patience,
        min_best_epoch=args.min_best_epoch,
        batch_size=args.batch_size,
        validation_fraction=args.validation_fraction,
        backend=args.backend,
        device=args.device,
        random_state=args.seed,
        n_repeats=args.repeats,
        bootstrap=args.bootstrap,
        n_jobs=args.jobs,
        n_threads=args.threads,
        max_time=args.max_time,
    )
    progress = not args.quiet and sys.stderr.isatty() and args.repeats == 1
    bar, on_epoch_end = _progress_bar(args.max_epochs, enabled=progress)
    with bar, _count_hint(args, dataset):
        selector.fit(dataset.X[rows], dataset.labels[rows] if supervised else None, on_epoch_end=on_epoch_end)

    labels = _feature_labels(dataset)
    order = selector.ranked_features_
    columns = {
        "rank": np.arange(1, dataset.n_features + 1),
        "feature": labels[order],
        "importance": selector.feature_importances_[order],
        "selected": selector.get_support()[order],
    }
    if args.repeats > 1:
        columns["selection_frequency"] = selector.selection_frequency_[order]
    ranking = pd.DataFrame(columns)
    escape_frame(ranking).to_csv(args.out, index=False)  # names from users' files: no spreadsheet formulas

    part = "all rows" if args.all_rows else f"the train+validation part of the paper split (seed {args.seed})"
    fitted = TASKS[task]
    val_score = selector.history_[f"val_{fitted.score_name}"][selector.best_epoch_ - 1]
    what = fitted.describe_targets(0 if dataset.classes is None else len(dataset.classes))
    print(f"{dataset.name}: {dataset.n_samples} x {dataset.n_features}, {what}; fitted on {part}")
    print(
        f"{args.training}-{args.importance}: best epoch {selector.best_epoch_} of {selector.n_epochs_} "
        f"(stopped: {selector.stop_reason_.replace('_', ' ')}), validation {fitted.score_label} "
        f"{val_score:.4f}, {selector.n_parameters_} parameters, {selector.training_flops_:.3e} training FLOPs"
    )
    k = selector.n_features_to_select_
    if args.k == "auto":
        tried = ", ".join(f"{size}: {value:.4f}" for size, value in selector.k_scores_.items())
        print(f"K = {k} chosen by 'auto' (cross-validated score of the downstream SVM per K: {tried})")
    if args.repeats > 1:
        lower, upper = selector.stability_interval_
        print(f"{args.repeats} repeats: stability of the top {k} {selector.stability_:.3f} (95% CI {lower:.3f}..{upper:.3f})")
    shown = min(k, args.show)
    if k == 0:
        print(f"no feature selected: none has an importance of at least the threshold {args.threshold!r}")
    if shown:
        print(f"top {shown} of {k} selected features:")
        print(ranking.head(shown).to_string(index=False))
    print(f"wrote the full ranking to {args.out}")
    if args.plot:
        print(f"wrote the plots to {_save_select_plots(selector, dataset, args.plot)}")
    return 0


def _check_out_file(path: str) -> None:
    if Path(path).is_dir():
        raise UsageError(f"--out {path} is a folder: name the ranking's file, e.g. {Path(path) / 'ranking.csv'}")
    if not Path(path).resolve().parent.is_dir():
        raise UsageError(f"--out {path}: the folder {Path(path).parent} does not exist")


def _check_plot_file(path: str) -> None:
    from ._optional import import_optional

    import_optional("matplotlib", "plot", "--plot")
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in {"png", "pdf", "svg", "jpg", "jpeg"}:
        raise UsageError(f"--plot {path}: name a .png, .pdf, .svg or .jpg file")
    if not Path(path).resolve().parent.is_dir():
        raise UsageError(f"--plot {path}: the folder {Path(path).parent} does not exist")


def _save_select_plots(selector, dataset, path: str) -> str:
    """One figure: the top importances, the training curves, and (when they apply) the
    selection frequencies over repeats and the importance as an image."""
    from matplotlib.figure import Figure

    from . import plot

    shape = dataset.spec.image_shape if dataset.spec is not None else None
    panels = 2 + (selector.n_repeats > 1) + (shape is not None)
    figure = Figure(figsize=(5.5 * panels, 5), layout="constrained")
    axes = list(figure.subplots(1, panels))
    names = _feature_labels(dataset)
    plot.plot_importances(selector, top=20, feature_names=names, ax=axes.pop(0))
    plot.plot_history(selector, ax=axes.pop(0))
    if selector.n_repeats > 1:
        plot.plot_stability(selector, feature_names=names, ax=axes.pop(0))
    if shape is not None:
        plot.plot_image_importances(selector, shape, order=dataset.spec.image_order, title="importance per pixel",
                                    ax=axes.pop(0))
    figure.suptitle(f"{dataset.name}: {selector.training}-{selector.importance}")
    figure.savefig(path, dpi=100)
    return path


def cmd_evaluate(args: argparse.Namespace) -> int:
    dataset = _load(args)
    order = _ranking_indices(Path(args.ranking), dataset)
    ks = _parse_ks(args.k)
    too_large = [k for k in ks if k > len(order)]
    if too_large:
        raise UsageError(f"-k {too_large[0]} is larger than the {len(order)} features in {args.ranking}")
    task_name = _task_of(args, dataset)
    from .registry import TASKS

    task = TASKS[task_name]
    with _count_hint(args, dataset):
        fit_rows, test = _split(dataset, args.seed, task_name)
    dataset = dataset.for_task(task_name)
    # An unsupervised selection is judged by class labels it never saw; a continuous target is none.
    labels = dataset.y is not None and TASKS[dataset.task].class_labels
    y = None if not task.supervised and not labels else dataset.y
    described = task.evaluation_label
    if not task.supervised and y is not None:
        described += ", and SVM test accuracy on the labels the selection did not see"
    print(f"{dataset.name}: {described} on the top-k features, paper split seed {args.seed}")
    rows = []
    for k in ks:
        scores = task.evaluate(dataset.X[fit_rows], None if y is None else y[fit_rows], dataset.X[test],
                               None if y is None else y[test], order[:k])
        rows.append({"k": k, **{name: round(value, 4) for name, value in scores.items()}})
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def _ranking_indices(path: Path, dataset) -> np.ndarray:
    """Column indices of the features of a ranking CSV, in rank order."""
    if path.is_dir():
        raise UsageError(f"ranking file {path} is a folder, not a file")
    if not path.is_file():
        raise UsageError(f"ranking file {path} does not exist")
    try:
        table = pd.read_csv(path)
    except Exception as error:
        raise UsageError(f"cannot read {path} as CSV: {error}") from None
    if not {"rank", "feature"} <= set(table.columns):
        raise UsageError(f"{path} needs the columns rank and feature (found: {', '.join(map(str, table.columns))})")
    features = table.sort_values("rank", kind="stable")["feature"]
    repeated = features[features.astype(str).duplicated()]
    if not repeated.empty:
        raise UsageError(f"{path} lists the feature {unescape_cell(str(repeated.iloc[0]))!r} more than once; "
                         "a ranking names each feature once")
    if dataset.feature_names is not None:
        position = {str(name): j for j, name in enumerate(dataset.feature_names)}
        # 'select' writes names that a spreadsheet would run as formulas with a leading apostrophe.
        names = [_feature_name(str(f), position) for f in features]
        unknown = [name for name in names if name not in position]
        if unknown:
            raise UsageError(f"{path} names features {dataset.name} does not have, e.g. {unknown[0]!r}")
        return np.array([position[name] for name in names])
    indices = pd.to_numeric(features, errors="coerce")
    if indices.isna().any() or (indices < 0).any() or (indices >= dataset.n_features).any():
        raise UsageError(f"{path}: features must be column indices 0..{dataset.n_features - 1} for {dataset.name}")
    return indices.to_numpy(dtype=np.intp)


def _feature_name(written: str, known: dict) -> str:
    """A feature name as 'select' wrote it, without its spreadsheet escape (a name that itself
    starts with an apostrophe, in a file written by hand, is taken as written)."""
    name = unescape_cell(written)
    return name if name in known or written not in known else written


def _parse_ks(text: str) -> list[int]:
    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"-k takes comma-separated integers, got {text!r}") from None
    if not ks or min(ks) < 1:
        raise UsageError(f"-k takes positive integers, got {text!r}")
    return ks


def cmd_datasets(args: argparse.Namespace) -> int:
    from .datasets import REGISTRY, dataset_status, resolve_data_home

    home = resolve_data_home(args.data_home)
    print(f"data directory: {home}")
    print(f"{'dataset':13s} {'group':18s} {'samples':>8s} {'features':>8s} {'classes':>7s}  {'paper':5s}  status")
    for spec in REGISTRY.values():
        status = dataset_status(spec, home)
        meaning = {
            "verified": "present, sha256 verified",
            "unverified": "present, no published sha256 (shape checked on load)",
            "mismatch": "present but sha256 MISMATCH: refused",
            "absent": "absent (downloaded on first load)",
        }[status]
        print(
            f"{spec.name:13s} {spec.group:18s} {spec.n_samples:8d} {spec.n_features:8d} {spec.n_classes:7d}  "
            f"{'yes' if spec.in_paper else 'extra':5s}  {meaning}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    header = f"{'dataset':40s} {'method':11s} {'K':>3s} {'SVM acc':>8s} {'coverage':>9s} {'fit s':>7s} {'params':>9s} {'FLOPs':>9s}"
    print(header)

    def show(row) -> None:
        cov = "-" if row.coverage is None else f"{row.coverage:.2f}"
        print(
            f"{row.dataset:40s} {row.method:11s} {row.k:3d} {row.svm_accuracy:8.4f} {cov:>9s} "
            f"{row.fit_seconds:7.1f} {row.n_parameters:9d} {row.training_flops:9.2e}",
            flush=True,
        )

    _, heat_map = run_demo(out_dir=args.out, seed=args.seed, max_epochs=args.max_epochs, report=show)
    print("SET-Attr and SET-QS come from the same training run (fit s is that run's time).")
    print(f"wrote the digits importance heat maps to {heat_map}")
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    from .study import load_config, open_store, plan_study, run_study
    from .study.store import store_path

    config = load_config(args.config)
    location = args.store or config.store
    if args.dry_run:
        existing = store_path(location).exists()
        with ExitStack() as stack:  # a dry run only reads: the store is opened read-only, never created
            store = stack.enter_context(open_store(location, read_only=True)) if existing else None
            plan = plan_study(config, store, force=args.force, retry_failed=args.retry_failed, data_home=args.data_home)
        print(
            f"{len(plan.cells)} cells: {len(plan.to_run)} to run, {len(plan.to_evaluate)} to re-evaluate, "
            + (f"{len(plan.to_derive)} to copy from runs the best-epoch rule cannot change, " if plan.to_derive else "") +
            f"{len(plan.skipped_failed)} failed (kept; --retry-failed reruns them), "
            f"{plan.n_complete - len(plan.skipped_failed)} done"
        )
        return 0
    summary = run_study(
        config,
        store=location,
        jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        threads=args.threads,
        force=args.force,
        retry_failed=args.retry_failed,
        data_home=args.data_home,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    print(
        f"{summary.total} cells: {summary.ran} ran ({summary.failed} failed), {summary.evaluated} re-evaluated, "
        + (f"{summary.derived} copied from runs the best-epoch rule cannot change, " if summary.derived else "") +
        f"{summary.already_done} were already done; results in {summary.store}"
    )
    if summary.failed or summary.skipped_failed:
        print(
            f"{summary.failed + summary.skipped_failed} cells have failed: 'sparsefs results {summary.store} --failures' "
            "lists their errors; 'sparsefs study --retry-failed' reruns them"
        )
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from .report.reference import ACCURACY_FILES, join_reference, read_reference
    from .report.text import format_comparison, format_stability, format_table
    from .study import open_store, paper_k, results_table, stability_table

    reference = read_reference(args.reference, ACCURACY_FILES) if args.reference else None
    with open_store(args.store, read_only=True) as store:
        _restrict(store, args.config)
        if args.failures:
            failed = store.query(
                "SELECT dataset, method, params, seed, error FROM cells WHERE status = 'failed' ORDER BY dataset, method, seed"
            )
            print("no failed cells" if failed.empty else failed.to_string(index=False))
            return 0
        table = results_table(store, k=args.k, window=args.window)
        stability = stability_table(store, k=args.k, window=args.window)
        if args.reference:
            # The paper evaluates each dataset at its own K (20 on Madelon, 100 elsewhere).
            datasets = store.query("SELECT DISTINCT dataset FROM cells")["dataset"]
            at_paper_k = results_table(store, k={d: paper_k(d) for d in datasets}, window=args.window)
    print(format_table(table, args.k, args.window))
    print()
    print(format_stability(stability, args.k))
    if args.reference:
        at_paper_k = join_reference(at_paper_k, reference, args.window)
        print()
        print("beside the paper (each dataset at the paper's K, column k):")
        print(format_comparison(at_paper_k))
    if args.csv:
        escape_frame(at_paper_k if args.reference else table).to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")
    return 0


def _restrict(store, configs: list[str] | None) -> None:
    """``--config``: read only the cells of these study configurations."""
    from .study import StoreError, expand_cells, load_config

    if configs:
        store.restrict_to(cell.cell_id for path in configs for cell in expand_cells(load_config(path)))
        if store.query("SELECT COUNT(*) AS n FROM cells")["n"].iloc[0] == 0:
            raise StoreError(f"the store holds no cell of {', '.join(configs)}: is it the store these studies wrote?")


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report
    from .study import open_store

    with open_store(args.store, read_only=True) as store:
        _restrict(store, args.config)
        summary = write_report(store, args.out, k=args.k, window=args.window, reference_dir=args.reference,
                               overwrite=args.force)
    print(f"wrote {len(summary.files)} files to {summary.out_dir}; open {summary.index} in a browser")
    if summary.comparison_counts is not None:
        counts = summary.comparison_counts.loc["all"]
        print(f"beside the paper (each dataset at its paper K): {counts.within} within one paper std, {counts.above} above, "
              f"{counts.below} below, of {counts.total} (dataset, method) entries; see paper_comparison.md")
    if summary.notes:
        print(f"{len(summary.notes)} notes on missing data: see {summary.summary}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_selectors, format_comparison

    selectors = None if args.selectors is None else [s.strip() for s in args.selectors.split(",") if s.strip()]
    result = compare_selectors(args.data, target=args.target, k=args.k, repeats=args.repeats, selectors=selectors,
                               jobs=args.jobs, store=args.store, data_home=args.data_home,
                               progress=not args.quiet and sys.stderr.isatty(),
                               network_params=None if args.device is None else {"device": args.device})
    for selector, seed, error in result.failures:
        print(f"sparsefs compare: {selector} failed on split {seed}: {_one_line(error)}", file=sys.stderr)
    if result.summary.empty:
        raise UsageError(f"no selector finished on {result.dataset}" + (f" (e.g. {result.failures[0][2]})" if result.failures else ""))
    print(format_comparison(result))
    if args.csv:
        escape_frame(result.summary).to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")
    return 0


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="a registered dataset name (see 'sparsefs datasets') or a data file")
    parser.add_argument("--target", help="label column (CSV, Parquet) or key (.npz, .mat) of a data file")
    parser.add_argument("--data-home", help="dataset directory (default: $SPARSEFS_DATA, else a per-user cache)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the paper split (and of training)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _k_value(text: str):
    """-k: a count, a fraction in (0, 1] (written with a decimal point), or 'auto'."""
    if text == "auto":
        return text
    expected = f"expected a count (1 or more), a fraction in (0, 1] or 'auto', got {text!r}"
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(expected) from None
        if not 0 < value <= 1:  # also NaN
            raise argparse.ArgumentTypeError(expected)
        return value
    if value < 1:
        raise argparse.ArgumentTypeError(expected)
    return value


def _layer_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers such as 1000,100, got {text!r}")
    return sizes


def _batch_size(text: str):
    return text if text == "auto" else _positive_int(text)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage mistakes in one line (like every other mistake) and status 2."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Registered:
    """argparse ``choices`` read from a registry (:mod:`sparsefs.registry`) when first needed,
    so that parsing stays light and a registered part is a choice without touching the CLI."""

    def __init__(self, registry: str, *extra: str):
        self._registry, self._extra = registry, extra

    def _names(self) -> list[str]:
        from . import registry

        return [*self._extra, *getattr(registry, self._registry)]

    def __contains__(self, name) -> bool:
        return name in self._names()

    def __iter__(self):
        return iter(self._names())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sparsefs", description="Feature selection with sparse neural networks.")
    parser.add_argument("--version", action="version", version=f"sparsefs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    select = commands.add_parser("select", help="rank the features of a dataset and write ranking.csv")
    _add_data_arguments(select)
    select.add_argument("-k", type=_k_value, default=100,
                        help="features to select: a count, a fraction in (0, 1], or 'auto' (default 100)")
    select.add_argument("--threshold", help="keep features with importance >= this: a number, 'mean', 'median', '1.5*mean'")
    select.add_argument("--task", choices=_Registered("TASKS", "auto"), default="auto",
                        help="what to select for (default: the target's kind; no --target on a file without "
                             "labels: unsupervised)")
    select.add_argument("--training", choices=_Registered("TRAINING_METHODS"), default="set")
    select.add_argument("--importance", choices=_Registered("METRICS"), default="attribution")
    select.add_argument("--sparsity", type=float, default=0.9)
    select.add_argument("--l2", type=float, default=1e-4)
    select.add_argument("--hidden-layer-sizes", type=_layer_sizes, default=(1000, 100), metavar="N,N",
                        help="hidden layer widths, comma-separated (default 1000,100)")
    select.add_argument("--learning-rate", type=float, default=1e-3)
    select.add_argument("--batch-size", type=_batch_size, default="auto", help="rows per batch, or 'auto' (default)")
    select.add_argument("--max-epochs", type=_positive_int, default=200)
    select.add_argument("--patience", type=_positive_int, default=50)
    select.add_argument("--min-best-epoch", type=_positive_int, default=5,
                        help="no epoch before this one counts as best (the authors' code: 5; 1: none)")
    select.add_argument("--validation-fraction", type=float, default=0.2)
    select.add_argument("--max-time", type=float, help="seconds after which training stops (keeping the best epoch)")
    select.add_argument("--backend", choices=["auto", "sparse", "masked"], default="auto")
    select.add_argument("--device", default="auto")
    select.add_argument("--repeats", type=_positive_int, default=1,
                        help="independent fits combined, with their stability (default 1)")
    select.add_argument("--bootstrap", action="store_true", help="with --repeats: each fit on a bootstrap resample")
    select.add_argument("--jobs", type=_positive_int, default=1, help="repeats run in parallel (default 1)")
    select.add_argument("--threads", type=_positive_int,
                        help="CPU threads per fit (default: the cores shared among the fits that run at once; "
                             "1 on a busy machine)")
    select.add_argument("--plot", metavar="FILE", help="also draw importances and training curves to FILE (.png, .pdf, .svg)")
    select.add_argument("--all-rows", action="store_true", help="fit on every row, not only train+validation")
    select.add_argument("--out", default="ranking.csv", help="where to write the ranking (default ranking.csv)")
    select.add_argument("--show", type=_non_negative_int, default=20, help="how many top features to print (default 20)")
    select.set_defaults(handler=cmd_select)

    evaluate = commands.add_parser("evaluate", help="SVM test accuracy of the top-k features of a ranking")
    _add_data_arguments(evaluate)
    evaluate.add_argument("--ranking", required=True, help="a CSV written by 'sparsefs select'")
    evaluate.add_argument("-k", default="25,50,100", help="comma-separated k values (default 25,50,100)")
    evaluate.add_argument("--task", choices=_Registered("TASKS", "auto"), default="auto",
                          help="how to judge the ranking (default: the target's kind)")
    evaluate.set_defaults(handler=cmd_evaluate)

    datasets = commands.add_parser("datasets", help="list the registered datasets and which are present here")
    datasets.add_argument("--data-home", help="dataset directory (default: $SPARSEFS_DATA, else a per-user cache)")
    datasets.set_defaults(handler=cmd_datasets)

    study = commands.add_parser("study", help="run (or resume) a study: every cell of a TOML/YAML configuration")
    study.add_argument("config", help="the study configuration (see configs/quick.toml)")
    study.add_argument("--store", help="results database (default: the configuration's [study] store)")
    study.add_argument("--jobs", type=_positive_int, default=1, help="cells run in parallel (default 1); --backend dask: the local cluster's workers")
    study.add_argument("--backend", help="joblib backend: loky (default), multiprocessing, dask, ray, ...")
    study.add_argument("--scheduler", help="with --backend dask: the scheduler address (default: a local cluster)")
    study.add_argument("--threads", type=_positive_int, help="torch threads per cell (default: cores / jobs; 1 with --backend dask)")
    study.add_argument("--force", action="store_true", help="rerun every cell, finished ones included")
    study.add_argument("--retry-failed", action="store_true", help="rerun the cells that failed before")
    study.add_argument("--dry-run", action="store_true", help="only count the cells to run")
    study.add_argument("--data-home", help="dataset directory (default: the configuration's, else $SPARSEFS_DATA)")
    study.add_argument("--quiet", action="store_true", help="no progress bar")
    study.set_defaults(handler=cmd_study)

    results = commands.add_parser("results", help="the paper-style table of a study's results store")
    results.add_argument("store", help="the results database written by 'sparsefs study'")
    results.add_argument("--k", type=_positive_int, default=100, help="number of selected features (default 100)")
    results.add_argument("--window", choices=["all_epochs", "best_epoch", "last_iteration"], default="all_epochs")
    results.add_argument("--csv", help="also write the table (with costs) to this CSV file")
    results.add_argument("--reference", help="folder of the paper's CSV tables, to print ours beside them")
    results.add_argument("--failures", action="store_true", help="list the failed cells and their errors instead")
    results.add_argument("--config", action="append", metavar="CONFIG",
                         help="only the cells of this study configuration (repeatable; default: every cell of the store, which may "
                              "hold several studies)")
    results.set_defaults(handler=cmd_results)

    report = commands.add_parser("report", help="the paper's tables and figures from a results store, as a web page")
    report.add_argument("store", help="the results database written by 'sparsefs study'")
    report.add_argument("--out", required=True, help="folder for the report (index.html, summary.md, tables/, figures/)")
    report.add_argument("--k", type=_positive_int, default=100, help="number of selected features of the tables (default 100)")
    report.add_argument("--window", choices=["all_epochs", "best_epoch", "last_iteration"], default="all_epochs")
    report.add_argument("--reference", help="folder of the paper's CSV tables, to compare with (paper_comparison.md)")
    report.add_argument("--config", action="append", metavar="CONFIG",
                        help="only the cells of this study configuration (repeatable; default: every cell of the store, which may "
                              "hold several studies)")
    report.add_argument("--force", action="store_true",
                        help="write into --out even if it holds other files (replacing index.html, summary.md, ...)")
    report.set_defaults(handler=cmd_report)

    compare = commands.add_parser("compare", help="rank our selector beside the standard ones on a dataset, over "
                                                  "repeated stratified splits")
    compare.add_argument("data", help="a data file (CSV, Parquet, .mat, .npz) or a registered dataset name")
    compare.add_argument("--target", help="label column (CSV, Parquet) or key (.npz, .mat) of a data file")
    compare.add_argument("-k", type=_positive_int, help="features each selector keeps (default: min(100, features / 2))")
    compare.add_argument("--repeats", type=_positive_int, default=5, help="stratified splits, seeds 0.. (default 5)")
    compare.add_argument("--selectors", help="comma-separated: recommended and baseline names (default: recommended, "
                                             "lasso, extratrees, randomforest, anova, mutualinfo, relieff, mrmr)")
    compare.add_argument("--jobs", type=_positive_int, default=1, help="fits run in parallel (default 1)")
    compare.add_argument("--store", help="keep the results in this database (rerunning resumes); default: a temporary one")
    compare.add_argument("--device", help="where our selector trains (default auto: a GPU where there is one)")
    compare.add_argument("--csv", help="also write the table to this CSV file")
    compare.add_argument("--data-home", help="dataset directory (default: $SPARSEFS_DATA, else a per-user cache)")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    compare.set_defaults(handler=cmd_compare)

    demo = commands.add_parser("demo", help="SET-Attr, SET-QS and Dense-Attr on bundled data (offline)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--max-epochs", type=int, default=100)
    demo.add_argument("--out", default=".", help="folder for the heat-map PNG (default: here)")
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with _one_line_warnings(args.command):
            return args.handler(args)
    except BrokenPipeError:  # the reader of our output left (| head): end quietly, as other tools do
        _silence_stdout()
        return 128 + 13  # a process ended by SIGPIPE
    except (UsageError, DatasetError, ValueError, OSError, FloatingPointError, MissingDependency) as error:
        print(f"sparsefs {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except sqlite3.Error as error:  # the store normally says this itself (StoreError); a last resort
        print(f"sparsefs {args.command}: error: results store: {_one_line(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except MemoryError as error:
        print(f"sparsefs {args.command}: error: not enough memory ({type(error).__name__}: {_one_line(error)})",
              file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's own flush at exit does not fail on the
    closed pipe again (the recipe of Python's documentation, "Note on SIGPIPE")."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no file descriptor (stdout replaced in-process)
        pass


@contextmanager
def _one_line_warnings(command: str):
    """Warnings reach the user as one line each, as errors do (not as Python's file, line and source)."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"sparsefs {command}: warning: {_one_line(message)}", file=sys.stderr if file is None else file)

    shown, warnings.showwarning = warnings.showwarning, show
    try:
        yield
    finally:
        warnings.showwarning = shown


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
