"""Speed of a whole fit: seconds per epoch of the paper's network, dense against SET, measured
side by side in one run on real datasets, with the achieved GFLOP/s beside the dense matrix
product throughput of the same core.

Usage: SPARSEFS_DATA=... python benchmarks/fit_speed.py [--datasets Yale PCMAC ...]
           [--sparsities 0.9 0.98] [--epochs 6] [--repeats 2] [--threads 1]
           [--attribution-columns N] [--metric attribution]

For every dataset: the paper's split of seed 0 (the network trains on its 64% training rows and
validates on its 16%, as a study cell does), the network d -> 1000 -> 100 -> C, batch size
"auto", the attribution metric at every step; dense and SET at each sparsity train for
``--epochs`` epochs, in turn, ``--repeats`` times (A B C A B C ...), and the fastest run of each
counts. Seconds per epoch are the whole run's wall time over its epochs (network construction,
topology updates and validation passes included). Ratios compare runs of the same process,
made one after the other; "cpu" columns are the process's CPU time, which another busy
process on the machine disturbs far less than wall time (quote them when the machine is not
quiet). GFLOP/s: the run's theoretical FLOPs (``TrainingResult.training_flops``: forward,
backward, attribution, topology updates, validation passes) over its wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch

from sparsefs.datasets import load
from sparsefs.batches import BatchSource, auto_batch_size, standardization
from sparsefs.splitting import paper_split
from sparsefs.training import TrainingConfig, train_network

CPU = torch.device("cpu")
#: The issue's table and the datasets it adds (benchmark datasets of the paper held here).
DATASETS = ("Yale", "Prostate_GE", "lymphoma", "GLIOMA", "PCMAC", "Arcene", "COIL20", "Isolet", "ORL",
            "RELATHE", "BASEHOCK")


def matmul_gflops(size: int = 1024, repeats: int = 7) -> float:
    """Dense float32 matrix product throughput of this core (best of ``repeats``)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def sources(name: str):
    dataset = load(name, download=False)
    X = np.asarray(dataset.X.toarray() if hasattr(dataset.X, "toarray") else dataset.X, dtype=np.float32)
    classes, y = np.unique(dataset.y, return_inverse=True)
    train, validation, _ = paper_split(y, 0)
    mean, scale = standardization(X[train])
    return (BatchSource(X[train], y[train], mean, scale, CPU), BatchSource(X[validation], y[validation], mean, scale, CPU),
            len(classes), X.shape)


def one_run(train, validation, n_classes, training, sparsity, epochs, metric, columns):
    sampled = {} if columns is None else {"attribution_columns": columns}  # (so that older versions run it too)
    config = TrainingConfig(training=training, sparsity=sparsity, max_epochs=epochs, patience=epochs,
                            batch_size=auto_batch_size(train.n_samples + validation.n_samples), **sampled)
    wall, cpu = time.perf_counter(), time.process_time()
    result = train_network(train, validation, n_classes, config, [metric], seed=0, device=CPU)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / result.n_epochs, cpu / result.n_epochs, result.training_flops / wall / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--sparsities", nargs="+", type=float, default=[0.9, 0.98])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--metric", default="attribution")
    parser.add_argument("--attribution-columns", type=int, default=None,
                        help="sampled (row, class) columns of the attribution per step (default: all, exact)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    methods = [("dense", 0.0)] + [("set", s) for s in args.sparsities]
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} thread(s), "
          f"{args.epochs} epochs, best of {args.repeats}, metric {args.metric}, "
          f"attribution columns {args.attribution_columns or 'all'}; load average {os.getloadavg()[0]:.1f}")
    gflops = matmul_gflops()
    print(f"# dense float32 matmul (1024^3) on this core: {gflops:.1f} GFLOP/s")
    header = ["dataset", "rows x d, C", "dense s/ep"] + [f"SET {s} s/ep (x)" for s in args.sparsities]
    header += [f"SET {s} cpu x" for s in args.sparsities] + ["GFLOP/s dense / " + " / ".join(f"SET {s}" for s in args.sparsities)]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    ratios = {s: [] for s in args.sparsities}
    for name in args.datasets:
        train, validation, n_classes, shape = sources(name)
        runs = {method: [] for method in methods}
        for _ in range(args.repeats):
            for method in methods:
                runs[method].append(one_run(train, validation, n_classes, *method, args.epochs, args.metric,
                                            args.attribution_columns))
        best = {method: min(values) for method, values in runs.items()}  # fastest wall time of each
        cpu = {method: min(v[1] for v in values) for method, values in runs.items()}
        dense = best[("dense", 0.0)]
        cells = [name, f"{shape[0]} x {shape[1]}, {n_classes}", f"{dense[0]:.3f}"]
        for s in args.sparsities:
            run = best[("set", s)]
            ratios[s].append(dense[0] / run[0])
            cells.append(f"{run[0]:.3f} ({dense[0] / run[0]:.1f}x)")
        cells += [f"{cpu[('dense', 0.0)] / cpu[('set', s)]:.1f}x" for s in args.sparsities]
        cells.append(" / ".join(f"{best[m][2]:.1f}" for m in methods))
        print("| " + " | ".join(cells) + " |", flush=True)
    for s in args.sparsities:
        print(f"# SET {s}: speed-up over dense, median {statistics.median(ratios[s]):.1f}x, "
              f"min {min(ratios[s]):.1f}x over {len(ratios[s])} datasets")


if __name__ == "__main__":
    main()
