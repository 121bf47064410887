"""Sampled attribution against the exact one: ranking agreement and speed, in one run.

Usage: SPARSEFS_DATA=... python benchmarks/attribution_sampling.py [--datasets Yale COIL20 ...]
           [--columns 32 128] [--sparsity 0.9] [--max-epochs 60] [--threads 1]

Per dataset (the paper's split of seed 0; SET at ``--sparsity``, the paper's network and
training otherwise): one fit with the exact attribution, one per ``--columns`` value with the
sampled one (``attribution_columns``), and one exact fit of another seed. A metric only
observes training, so the exact and sampled fits of one seed train the same network through
the same steps: they differ only in the importance they add up. Printed: the top-100 overlap
and the Spearman correlation of each sampled ranking with the exact one, beside the same
numbers for the exact rankings of the two seeds (how much a ranking moves anyway), and each
fit's CPU seconds per epoch.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from sparsefs.datasets import load
from sparsefs.batches import BatchSource, auto_batch_size, standardization
from sparsefs.splitting import paper_split
from sparsefs.training import TrainingConfig, train_network

CPU = torch.device("cpu")
DATASETS = ("Yale", "ORL", "lymphoma", "COIL20", "Isolet", "USPS", "MNIST-10k", "PCMAC")


def fit(train, validation, n_classes, args, columns, seed):
    config = TrainingConfig(training="set", sparsity=args.sparsity, max_epochs=args.max_epochs,
                            batch_size=auto_batch_size(train.n_samples + validation.n_samples), min_best_epoch=5,
                            attribution_columns=columns)
    cpu = time.process_time()
    result = train_network(train, validation, n_classes, config, ["attribution"], seed=seed, device=CPU)
    return result.importances["attribution"]["all_epochs"], (time.process_time() - cpu) / result.n_epochs


def agreement(a: np.ndarray, b: np.ndarray, k: int = 100) -> tuple[float, float]:
    top_a, top_b = np.argsort(-a, kind="stable")[:k], np.argsort(-b, kind="stable")[:k]
    return len(np.intersect1d(top_a, top_b)) / k, spearmanr(a, b).statistic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--columns", nargs="+", type=int, default=[32, 128])
    parser.add_argument("--sparsity", type=float, default=0.9)
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    header = ["dataset", "m x C", "exact s/ep"] + [f"{c} cols: top-100, Spearman, s/ep" for c in args.columns]
    header += ["exact, other seed: top-100, Spearman"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name in args.datasets:
        dataset = load(name, download=False)
        X = np.asarray(dataset.X, dtype=np.float32)
        classes, y = np.unique(dataset.y, return_inverse=True)
        train, validation, _ = paper_split(y, 0)
        mean, scale = standardization(X[train])
        sources = (BatchSource(X[train], y[train], mean, scale, CPU),
                   BatchSource(X[validation], y[validation], mean, scale, CPU), len(classes))
        exact, seconds = fit(*sources, args, None, 0)
        cells = [name, f"{auto_batch_size(len(train) + len(validation))} x {len(classes)}", f"{seconds:.3f}"]
        for columns in args.columns:
            sampled, sampled_seconds = fit(*sources, args, columns, 0)
            overlap, rho = agreement(exact, sampled)
            cells.append(f"{overlap:.2f}, {rho:.3f}, {sampled_seconds:.3f}")
        other, _ = fit(*sources, args, None, 1)
        overlap, rho = agreement(exact, other)
        cells.append(f"{overlap:.2f}, {rho:.3f}")
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
