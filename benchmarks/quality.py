"""Selection quality on small real data: levers of the network method against tuned Lasso.

Usage: python benchmarks/quality.py [--datasets GLIOMA colon ...] [--seeds 0 1 2] [--levers ...]
                                    [--results results/quality.csv] [--table-only]
                                    [--nonlinear]

Protocol (the same as the studies'): the paper split (``sparsefs.splitting.paper_split``,
64/16/20) for each seed; every selector is fitted on the train + validation rows with
``validation_fraction=0.2`` (or 0 where the lever says so) and ``random_state=seed``; the
quality is ``sparsefs.evaluation.svm_accuracy`` of SVC on the first K = 100 features, trained
on the same rows and scored on the test rows, which no choice ever sees.

Lasso (``sparsefs.baselines.LassoSelector``) is tuned like in the studies: C in
{0.01, 0.1, 1, 10}, one C per dataset, the one with the lowest validation loss averaged over
the seeds.

Every lever is one set of ``SparseFeatureSelector`` parameters (plus, for ``*-avg3``, the
importances of three seeds averaged after normalising each to sum 1). Each fit computes
attribution and strength in one run, and every accumulation window, so "strength vs
attribution" and the windows cost nothing extra: a lever named ``X/strength`` or
``X@best_epoch`` reads the other metric or window of lever ``X``'s fits.

Each (dataset, seed, lever) row is appended to ``--results`` as soon as it is measured; a
rerun skips the rows already there, so the script can be stopped and resumed. The table (mean
accuracy per dataset x lever, win/tie/loss against Lasso with a tie = within 1 point, median
over datasets, median fit seconds) is printed from that file.

``--nonlinear [--nonlinear-rows 3000] --seeds 0 1 2 3 4`` instead checks a generated problem
whose informative features act only through products and squares: coverage of the 6
informative features in the first 6 of every standard selector's ranking (those of
``sparsefs compare``, STG, and both presets), and the seconds per fit.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from sparsefs import SparseFeatureSelector
from sparsefs.baselines import LassoSelector
from sparsefs.datasets import load
from sparsefs.evaluation import coverage, svm_accuracy
from sparsefs.presets import resolve_settings
from sparsefs.splitting import paper_split

SMALL = ["GLIOMA", "colon", "nci9", "ALLAML", "TOX_171", "leukemia", "lymphoma", "Yale", "ORL"]
K = 100
LASSO_C = [0.01, 0.1, 1.0, 10.0]
TIE = 0.01  # within one point of Lasso counts as a tie

#: lever name -> SparseFeatureSelector parameters (on top of the paper's defaults).
LEVERS: dict[str, dict] = {
    "paper": {},
    "paper-s0.5": {"sparsity": 0.5},
    "dense": {"training": "dense"},
    "rigl": {"training": "rigl"},
    # Accumulation over the whole run: no validation split, so no early stop; every fit row trains.
    "fullrun": {"validation_fraction": 0.0},
    "fullrun-e50": {"validation_fraction": 0.0, "max_epochs": 50},
    # A small run keeps the early stop but cannot stop before `patience` epochs; here no stop at all.
    "nostop": {"patience": 200},
    # Capacity scaled to tens of samples: one narrow hidden layer, more L2, smaller batches.
    "small": {"hidden_layer_sizes": (100,), "l2": 1e-3, "batch_size": 16},
    "small-fullrun": {"hidden_layer_sizes": (100,), "l2": 1e-3, "batch_size": 16, "validation_fraction": 0.0},
    # Which part of "small-fullrun" matters: L2, batch, epochs, training mode, sparsity.
    "narrow-fullrun": {"hidden_layer_sizes": (100,), "batch_size": 16, "validation_fraction": 0.0},
    "small-fullrun-b32": {"hidden_layer_sizes": (100,), "l2": 1e-3, "validation_fraction": 0.0},
    "small-fullrun-e100": {"hidden_layer_sizes": (100,), "l2": 1e-3, "batch_size": 16, "validation_fraction": 0.0,
                           "max_epochs": 100},
    "small-fullrun-rigl": {"hidden_layer_sizes": (100,), "l2": 1e-3, "batch_size": 16, "validation_fraction": 0.0,
                           "training": "rigl"},
    "small-fullrun-dense": {"hidden_layer_sizes": (100,), "l2": 1e-3, "batch_size": 16, "validation_fraction": 0.0,
                            "training": "dense"},
    "small-fullrun-s0.5": {"hidden_layer_sizes": (100,), "l2": 1e-3, "batch_size": 16, "validation_fraction": 0.0,
                           "sparsity": 0.5},
    "l2-1e-3": {"l2": 1e-3},
    "batch8": {"batch_size": 8},
    "lr1e-4-fullrun": {"learning_rate": 1e-4, "validation_fraction": 0.0},
}
#: levers whose importances are averaged over this many seeds (seed, seed+1000, ...).
AVERAGED = {"paper-avg3": ("paper", 3), "fullrun-avg3": ("fullrun", 3), "small-fullrun-avg3": ("small-fullrun", 3)}
#: levers that choose, per seed, among candidate levers (every metric and window of each) by the
#: downstream score: SVM accuracy on the validation rows of the paper split, the candidates
#: refitted on its training rows only; the test accuracy is then the chosen candidate's own.
CHOSEN = {"svmval": ["small-fullrun", "small", "paper"]}
METRICS = ["attribution", "strength"]
WINDOWS = ["all_epochs", "best_epoch", "last_iteration"]
FIELDS = ["dataset", "seed", "lever", "metric", "window", "accuracy", "fit_seconds", "best_epoch", "n_epochs",
          "training_flops", "C", "val_loss"]


def fit_rows_and_test(y, seed):
    train, validation, test = paper_split(y, seed)
    return np.sort(np.concatenate([train, validation])), test


def network_rows(data, seed, lever, params, repeats=1):
    fit, test = fit_rows_and_test(data.y, seed)
    X_fit, y_fit = data.X[fit], data.y[fit]
    totals = {m: {w: np.zeros(data.n_features) for w in WINDOWS} for m in METRICS}
    seconds, flops = 0.0, 0
    for r in range(repeats):
        selector = SparseFeatureSelector(K, importance=METRICS, random_state=seed + 1000 * r, **params)
        started = time.perf_counter()
        selector.fit(X_fit, y_fit)
        seconds += time.perf_counter() - started
        flops += selector.training_flops_
        for m in METRICS:
            for w in WINDOWS:
                values = selector.importances_[m][w]
                totals[m][w] += values / max(values.sum(), 1e-30)
    rows = []
    for m in METRICS:
        for w in WINDOWS:
            ranking = np.argsort(-totals[m][w], kind="stable")
            accuracy = svm_accuracy(X_fit, y_fit, data.X[test], data.y[test], ranking[:K])
            rows.append(dict(dataset=data.name, seed=seed, lever=lever, metric=m, window=w, accuracy=accuracy,
                             fit_seconds=seconds, best_epoch=selector.best_epoch_, n_epochs=selector.n_epochs_,
                             training_flops=flops, C="", val_loss=min(selector.history_["val_loss"] or [np.nan])))
    return rows


def chosen_rows(data, seed, lever, candidates, measured):
    """The candidate (lever, metric, window) with the best SVM validation accuracy, its test accuracy."""
    train, validation, _ = paper_split(data.y, seed)
    scores = []
    started = time.perf_counter()
    for order, candidate in enumerate(candidates):
        selector = SparseFeatureSelector(K, importance=METRICS, random_state=seed, **LEVERS[candidate])
        try:
            selector.fit(data.X[train], data.y[train])
        except ValueError:  # a class too rare to hold out validation rows from the training part
            continue
        for m in METRICS:
            for w in WINDOWS:
                ranking = np.argsort(-selector.importances_[m][w], kind="stable")
                score = svm_accuracy(data.X[train], data.y[train], data.X[validation], data.y[validation], ranking[:K])
                scores.append((-score, order, m, w, candidate))  # ties: the candidate listed first
    _, _, m, w, candidate = min(scores)
    test = measured[(data.name, str(seed), candidate, m, w)]
    return [dict(dataset=data.name, seed=seed, lever=lever, metric="attribution", window="all_epochs",
                 accuracy=test, fit_seconds=time.perf_counter() - started, best_epoch="", n_epochs="",
                 training_flops="", C=f"{candidate}/{m}@{w}", val_loss=-min(scores)[0])]


def lasso_rows(data, seed):
    fit, test = fit_rows_and_test(data.y, seed)
    X_fit, y_fit = data.X[fit], data.y[fit]
    rows = []
    for C in LASSO_C:
        selector = LassoSelector(K, C=C, random_state=seed)
        started = time.perf_counter()
        selector.fit(X_fit, y_fit)
        seconds = time.perf_counter() - started
        accuracy = svm_accuracy(X_fit, y_fit, data.X[test], data.y[test], selector.ranking_[:K])
        rows.append(dict(dataset=data.name, seed=seed, lever="lasso", metric="abs_coefficient", window="-",
                         accuracy=accuracy, fit_seconds=seconds, best_epoch="", n_epochs="",
                         training_flops=selector.training_flops_, C=C, val_loss=selector.val_loss_))
    return rows


def read_rows(paths) -> list[dict]:
    rows = []
    for path in [paths] if isinstance(paths, Path) else paths:
        if path.exists():
            with path.open() as handle:
                rows += list(csv.DictReader(handle))
    # A fit measured in two files (Lasso is measured with every run) counts once.
    unique = {(r["dataset"], r["seed"], r["lever"], r["metric"], r["window"], r["C"]): r for r in rows}
    return list(unique.values())


def append_rows(path: Path, rows: list[dict]) -> None:
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        writer.writerows(rows)


def measure(args) -> None:
    done = {(r["dataset"], r["seed"], r["lever"]) for r in read_rows(args.results[0])}
    for name in args.datasets:
        data = load(name)
        for seed in args.seeds:
            jobs = [("lasso", None, 1)] + [(lever, LEVERS[lever], 1) for lever in args.levers if lever in LEVERS]
            jobs += [(lever, LEVERS[AVERAGED[lever][0]], AVERAGED[lever][1]) for lever in args.levers
                     if lever in AVERAGED]
            jobs += [(lever, None, 0) for lever in args.levers if lever in CHOSEN]
            for lever, params, repeats in jobs:
                if (data.name, str(seed), lever) in done:
                    continue
                started = time.perf_counter()
                if lever == "lasso":
                    rows = lasso_rows(data, seed)
                elif lever in CHOSEN:
                    measured = {(r["dataset"], r["seed"], r["lever"], r["metric"], r["window"]): float(r["accuracy"])
                                for r in read_rows(args.results)}
                    rows = chosen_rows(data, seed, lever, CHOSEN[lever], measured)
                else:
                    rows = network_rows(data, seed, lever, params, repeats)
                append_rows(args.results[0], rows)
                print(f"{data.name:10s} seed {seed} {lever:16s} {time.perf_counter() - started:6.1f}s", flush=True)


def lasso_choice(rows: list[dict]) -> dict[str, float]:
    """Per dataset, the C with the lowest validation loss averaged over seeds (as the studies)."""
    losses: dict[tuple[str, float], list[float]] = {}
    for r in rows:
        if r["lever"] == "lasso":
            losses.setdefault((r["dataset"], float(r["C"])), []).append(float(r["val_loss"]))
    best: dict[str, tuple[float, float]] = {}
    for (dataset, C), values in losses.items():
        loss = float(np.mean(values))
        if dataset not in best or (loss, C) < best[dataset]:
            best[dataset] = (loss, C)
    return {dataset: C for dataset, (_, C) in best.items()}


def table(rows: list[dict], columns: list[str] | None = None) -> dict:
    """Mean accuracy per dataset and column; a column is ``lever[/metric][@window]``."""
    chosen = lasso_choice(rows)
    acc: dict[tuple[str, str], list[float]] = {}
    secs: dict[str, list[float]] = {}
    flops: dict[str, list[float]] = {}
    for r in rows:
        if r["lever"] == "lasso":
            if float(r["C"]) == chosen[r["dataset"]]:
                acc.setdefault((r["dataset"], "lasso"), []).append(float(r["accuracy"]))
                secs.setdefault("lasso", []).append(float(r["fit_seconds"]))
                flops.setdefault("lasso", []).append(float(r["training_flops"]))
            continue
        column = r["lever"]
        if r["metric"] != "attribution":
            column += "/" + r["metric"]
        if r["window"] != "all_epochs":
            column += "@" + r["window"]
        acc.setdefault((r["dataset"], column), []).append(float(r["accuracy"]))
        if r["metric"] == "attribution" and r["window"] == "all_epochs":
            secs.setdefault(column, []).append(float(r["fit_seconds"]))
            if r["training_flops"]:
                flops.setdefault(column, []).append(float(r["training_flops"]))
    datasets = sorted({d for d, _ in acc}, key=lambda d: (d not in SMALL and d, SMALL.index(d) if d in SMALL else 0))
    if columns is None:
        columns = sorted({c for _, c in acc if c != "lasso"})
    return dict(acc=acc, secs=secs, flops=flops, datasets=datasets, columns=columns, chosen=chosen)


def print_table(t: dict) -> None:
    acc, datasets, columns = t["acc"], t["datasets"], t["columns"]
    mean = {key: 100 * float(np.mean(v)) for key, v in acc.items()}
    print(f"\nSVM test accuracy (%) at K={K}, mean over seeds; Lasso C chosen on validation loss")
    print(f"{'dataset':10s} {'lasso':>6s} {'C':>5s}  " + " ".join(f"{d:>9s}" for d in datasets))
    print(f"{'':10s} {'':6s} {'':5s}  " + " ".join(f"{mean[(d, 'lasso')]:9.1f}" for d in datasets))
    print()
    print(f"{'lever':34s} {'W/T/L':>8s} {'med':>6s} {'meanΔ':>6s} {'fit s':>6s} {'GFLOP':>6s}  "
          + " ".join(f"{d[:7]:>7s}" for d in datasets))
    for column in columns:
        have = [d for d in datasets if (d, column) in mean]  # a partial run shows what it has
        deltas = [mean[(d, column)] - mean[(d, "lasso")] for d in have]
        w = sum(x > 100 * TIE for x in deltas)
        l = sum(x < -100 * TIE for x in deltas)
        med = statistics.median(mean[(d, column)] for d in have)
        secs = statistics.median(t["secs"][column]) if column in t["secs"] else float("nan")
        gflop = statistics.median(t["flops"][column]) / 1e9 if column in t["flops"] else float("nan")
        cells = " ".join(f"{mean[(d, column)]:7.1f}" if d in have else f"{'-':>7s}" for d in datasets)
        print(f"{column:34s} {w:2d}/{len(deltas) - w - l:d}/{l:d}   {med:6.1f} {np.mean(deltas):+6.1f} {secs:6.1f} "
              f"{gflop:6.0f}  {cells}")
    print(f"{'lasso':34s} {'':8s} {statistics.median(mean[(d, 'lasso')] for d in datasets):6.1f} {'':6s} "
          f"{statistics.median(t['secs']['lasso']):6.1f} {statistics.median(t['flops']['lasso']) / 1e9:6.2f}  "
          + " ".join(f"{mean[(d, 'lasso')]:7.1f}" for d in datasets))
    print("W/T/L: datasets where the lever's mean is >1 point above / within 1 point of / >1 point below Lasso;"
          " med: median over datasets; meanΔ: mean difference to Lasso (points); fit s, GFLOP: medians per fit"
          " (averaged levers: all their fits; Lasso: one C)")


def nonlinear_check(seeds, n_rows: int = 3000) -> None:
    """Informative features acting only through products and squares: a linear score cannot
    see them. Every standard selector of ``sparsefs compare`` (and STG, the paper's
    configuration) ranks the 200 features of the same rows; coverage = the informative
    features among the first 6 (their number, as the synthetic benchmark counts)."""
    from sklearn.base import clone

    from sparsefs.baselines import BASELINES
    from sparsefs.compare import DEFAULT_SELECTORS

    print(f"\nnonlinear problem: {n_rows} rows, 200 features, label = sign(x0*x1 + x2*x3 + x4^2 + x5^2 - 2)")
    print("coverage of the 6 informative features in the first 6 of each ranking; L1: the best of its four C "
          "(generous to it); seconds per fit", flush=True)
    found: dict[str, list[float]] = {}
    seconds: dict[str, list[float]] = {}
    baselines = [name for name in DEFAULT_SELECTORS if name in BASELINES and name != "lasso"] + ["stg"]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n_rows, 200)).astype(np.float32)
        y = (X[:, 0] * X[:, 1] + X[:, 2] * X[:, 3] + X[:, 4] ** 2 + X[:, 5] ** 2 - 2 > 0).astype(int)
        # the informative columns at random places: a ranking that ties (all-zero L1
        # coefficients) falls back to column order, which must not find them by position
        order = rng.permutation(200)
        X, informative = X[:, order], np.flatnonzero(order < 6)
        rankings, timed = {}, {}
        started = time.perf_counter()
        rankings["lasso"] = max(
            (LassoSelector(6, C=C, random_state=seed).fit(X, y).ranked_features_ for C in LASSO_C),
            key=lambda ranking: coverage(ranking, informative, 6))
        timed["lasso"] = (time.perf_counter() - started) / len(LASSO_C)
        for name in baselines:
            started = time.perf_counter()
            selector = clone(BASELINES[name]).set_params(n_features_to_select=6, random_state=seed)
            rankings[name] = selector.fit(X, y).ranked_features_
            timed[name] = time.perf_counter() - started
        for preset in ("paper", "recommended"):
            started = time.perf_counter()
            selector = SparseFeatureSelector(6, random_state=seed, preset=preset).fit(X, y)
            rankings[preset] = selector.ranked_features_
            timed[preset] = time.perf_counter() - started
        for name, ranking in rankings.items():
            found.setdefault(name, []).append(coverage(ranking, informative, 6))
            seconds.setdefault(name, []).append(timed[name])
            print(f"  seed {seed} {name:14s} {found[name][-1]:.2f} {timed[name]:7.1f} s", flush=True)
    print("\n| selector | mean coverage | per seed | median s/fit |\n|---|---|---|---|")
    for name in sorted(found, key=lambda name: -np.mean(found[name])):
        print(f"| {name} | {np.mean(found[name]):.2f} | {' '.join(f'{v:.2f}' for v in found[name])} "
              f"| {statistics.median(seconds[name]):.1f} |")


def print_markdown(t: dict, columns: list[str]) -> None:
    """The table as Markdown, for docs/quality/QUALITY.md: one row per column (lever), datasets across."""
    acc, datasets = t["acc"], t["datasets"]
    mean = {key: 100 * float(np.mean(v)) for key, v in acc.items()}
    print("| lever | W/T/L vs Lasso | median | mean Δ | fit s | GFLOP | " + " | ".join(datasets) + " |")
    print("|---" * (6 + len(datasets)) + "|")
    for column in ["lasso"] + columns:
        have = [d for d in datasets if (d, column) in mean]
        if not have:
            continue
        deltas = [mean[(d, column)] - mean[(d, "lasso")] for d in have]
        w, l = sum(x > 100 * TIE for x in deltas), sum(x < -100 * TIE for x in deltas)
        wtl = "" if column == "lasso" else f"{w}/{len(have) - w - l}/{l}" + ("" if len(have) == len(datasets) else
                                                                           f" (of {len(have)})")
        secs = f"{statistics.median(t['secs'][column]):.1f}" if column in t["secs"] else ""
        gflop = f"{statistics.median(t['flops'][column]) / 1e9:.3g}" if column in t["flops"] else ""
        cells = " | ".join(f"{mean[(d, column)]:.1f}" if d in have else "–" for d in datasets)
        delta = "" if column == "lasso" else f"{np.mean(deltas):+.1f}"
        print(f"| {column} | {wtl} | {statistics.median(mean[(d, column)] for d in have):.1f} | {delta} | {secs} | "
              f"{gflop} | {cells} |")


def write_summary(t: dict, path: Path, recommended: str, paper: str) -> None:
    """docs/quality/summary.csv: per dataset, mean and std (over seeds, percent) of two columns and Lasso."""
    acc = t["acc"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "k", "recommended_mean", "recommended_std", "paper_mean", "lasso_mean", "lasso_std",
                         "seeds"])
        for d in t["datasets"]:
            if (d, recommended) not in acc or (d, paper) not in acc:
                continue
            r, p, lasso = (100 * np.asarray(acc[(d, c)]) for c in (recommended, paper, "lasso"))
            writer.writerow([d, K, f"{r.mean():.1f}", f"{r.std():.1f}", f"{p.mean():.1f}", f"{lasso.mean():.1f}",
                             f"{lasso.std():.1f}", len(r)])
    print(f"wrote {path} ({recommended} as recommended, {paper} as paper)")


def print_mechanisms(rows: list[dict]) -> None:
    """What the stored fits say about why: how early training stops, which window and metric
    select best, and whether the network's validation loss tells good selections from bad."""
    by = {}
    for r in rows:
        if r["lever"] != "lasso":
            by.setdefault((r["dataset"], r["lever"]), []).append(r)
    print("\nEarly stopping (attribution rows): median best epoch / epochs trained, per dataset and lever")
    datasets = sorted({d for d, _ in by}, key=lambda d: SMALL.index(d) if d in SMALL else 99)
    levers = [lever for lever in list(LEVERS) + list(AVERAGED) if any((d, lever) in by for d in datasets)]
    print(f"{'lever':16s} " + " ".join(f"{d[:9]:>9s}" for d in datasets))
    for lever in levers:
        cells = []
        for d in datasets:
            fits = [r for r in by.get((d, lever), []) if r["metric"] == "attribution" and r["window"] == "all_epochs"]
            cells.append(f"{statistics.median(int(r['best_epoch']) for r in fits):4.0f}/"
                         f"{statistics.median(int(r['n_epochs']) for r in fits):<4.0f}" if fits else f"{'-':>9s}")
        print(f"{lever:16s} " + " ".join(f"{c:>9s}" for c in cells))

    print("\nWindow and metric, mean accuracy (%) over every (dataset, seed, lever) fit that has all six")
    groups: dict[tuple, dict] = {}
    for r in rows:
        if r["lever"] != "lasso":
            groups.setdefault((r["dataset"], r["seed"], r["lever"]), {})[(r["metric"], r["window"])] = float(r["accuracy"])
    complete = [g for g in groups.values() if len(g) == len(METRICS) * len(WINDOWS)]
    for m in METRICS:
        print(f"  {m:12s} " + "  ".join(f"{w}: {100 * np.mean([g[(m, w)] for g in complete]):5.1f}" for w in WINDOWS)
              + f"   (n={len(complete)})")

    print("\nDoes the network's validation loss pick the better selection? Per dataset, over the levers:")
    print("Spearman correlation of mean best validation loss with mean test accuracy (want < 0)")
    from scipy.stats import spearmanr

    for d in datasets:
        points = []
        for lever in levers:
            fits = [r for r in by.get((d, lever), []) if r["metric"] == "attribution" and r["window"] == "all_epochs"]
            if fits and lever in LEVERS and LEVERS[lever].get("validation_fraction", 0.2) > 0:
                points.append((np.mean([float(r["val_loss"]) for r in fits]), np.mean([float(r["accuracy"]) for r in fits])))
        if len(points) >= 3:
            rho = spearmanr([p[0] for p in points], [p[1] for p in points]).statistic
            print(f"  {d:10s} rho = {rho:+.2f} over {len(points)} levers with a validation split")


def probe(datasets, seeds) -> None:
    """How much of the selection is the initial network's, and how much a second seed keeps.

    ``init``: the same selector trained one epoch (same seed: the same split, initial weights and
    topology). ``from init``: share of the top K shared with it. ``seed overlap``: share of the top
    K shared with the same configuration under another seed (same rows)."""
    print(f"\nProbe (top {K}): steps summed by all_epochs, overlap with the 1-epoch ranking, overlap across seeds")
    print(f"{'dataset':10s} {'seed':>4s} {'preset':12s} {'steps':>6s} {'from init':>9s} {'seed overlap':>12s}")
    summary: dict[str, list] = {}
    for name in datasets:
        data = load(name)
        for seed in seeds:
            fit, _ = fit_rows_and_test(data.y, seed)
            X, y = data.X[fit], data.y[fit]
            for preset in ("paper", "recommended"):
                def top(selector):
                    return set(selector.ranking_[:K].tolist())

                init = SparseFeatureSelector(K, random_state=seed, preset=preset, max_epochs=1).fit(X, y)
                a = SparseFeatureSelector(K, random_state=seed, preset=preset).fit(X, y)
                b = SparseFeatureSelector(K, random_state=seed + 1000, preset=preset).fit(X, y)
                n_train = len(y) if a.preset_params_.get("validation_fraction") == 0.0 else round(0.8 * len(y))
                batch = a.preset_params_.get("batch_size", 32 if len(y) < 200 else 100)
                steps = a.best_epoch_ * -(-n_train // batch)
                from_init, overlap = len(top(a) & top(init)) / K, len(top(a) & top(b)) / K
                summary.setdefault(preset, []).append((steps, from_init, overlap))
                print(f"{data.name:10s} {seed:4d} {preset:12s} {steps:6d} {from_init:9.2f} {overlap:12.2f}", flush=True)
    for preset, values in summary.items():
        print(f"median {preset:12s} steps {statistics.median(v[0] for v in values):.0f}, from init "
              f"{statistics.median(v[1] for v in values):.2f}, seed overlap {statistics.median(v[2] for v in values):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=SMALL + ["Isolet", "RELATHE"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--levers", nargs="+", default=list(LEVERS) + list(AVERAGED) + list(CHOSEN))
    parser.add_argument("--results", type=Path, nargs="+", default=[Path("results/quality.csv")],
                        help="the CSV measured into (the first); further files are only read for the table")
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--nonlinear", action="store_true")
    parser.add_argument("--nonlinear-rows", type=int, default=3000)
    parser.add_argument("--probe", action="store_true", help="ranking overlaps: with the 1-epoch ranking, across seeds")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--summary", type=Path, help="write the per-dataset summary CSV here")
    parser.add_argument("--recommended-column", default="recommended")
    parser.add_argument("--markdown", nargs="+", help="also print these columns as a Markdown table")
    parser.add_argument("--paper-column", default="paper")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.nonlinear:
        nonlinear_check(args.seeds, args.nonlinear_rows)
        return
    if args.probe:
        probe(args.datasets, args.seeds)
        return
    if not args.table_only:
        measure(args)
    rows = [r for r in read_rows(args.results) if int(r["seed"]) in args.seeds and r["dataset"] in args.datasets]
    summary = table(rows)
    print_table(summary)
    if args.markdown:
        print_markdown(summary, args.markdown)
    if args.summary:
        write_summary(summary, args.summary, args.recommended_column, args.paper_column)
    print_mechanisms(rows)


if __name__ == "__main__":
    main()
