"""Scale: what a step and a fit cost as the number of features d grows, and what they find.

Usage: python benchmarks/scale.py [--quick] [--d 1e4 1e5 1e6 1e7] [--rows 1000] [--nnz 200]
                                  [--weights 1000000] [--epochs 20] [--memory-gb 8] [--threads 2]

A synthetic two-class problem: ``n`` rows, ``d`` features, ``--nnz`` non-zeros a row. Ten
informative features, at random columns, are non-zero in every row: four act linearly, four
only through two products (x_a x_b) and two only through squares (x^2 - 1), so a linear
model sees no signal in the last six; the other non-zeros of a row are noise at random columns.

For every d, the same data as CSR (and as a dense array while it fits in ``--memory-gb``):

- SET-Attr and RigL-Attr (``SparseFeatureSelector``, ``n_weights=--weights``, hidden
  (1000, 100), batch 100, attribution every step): median seconds per training step (blocks
  of 10 steps, topology updates included), seconds per epoch and the whole fit, peak RSS of
  the process (each configuration runs in its own process) next to the size of X, stored
  parameters, and after the fit the coverage of the linear and of the nonlinear informative
  features among the top 10;
- scikit-learn's L1 logistic regression (liblinear, on the same scaled CSR or dense data; the
  smallest C in a grid that keeps at least 10 features), ranked by |coefficient|;
- the dense network of the same width (``training="dense"``), or "does not fit in N GB" when
  its weights, gradients and Adam state would not.

``--quick`` (CI-sized): d in {10^4, 10^5}, 300 rows, 3 epochs, 100,000 weights, 1 GB.
Times are medians; every row of the table is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

N_LINEAR, N_PRODUCT_PAIRS, N_SQUARES = 4, 2, 2
N_INFORMATIVE = N_LINEAR + 2 * N_PRODUCT_PAIRS + N_SQUARES
HIDDEN = (1000, 100)


def make_problem(n: int, d: int, nnz: int, seed: int = 0):
    """CSR X (float32), labels, and the informative columns: (linear, nonlinear)."""
    rng = np.random.default_rng(seed)
    informative = rng.choice(d, N_INFORMATIVE, replace=False)
    signal = rng.standard_normal((n, N_INFORMATIVE))
    linear = signal[:, :N_LINEAR] @ np.array([1.0, -1.0, 0.8, -0.8])
    pairs = signal[:, N_LINEAR:N_LINEAR + 2 * N_PRODUCT_PAIRS].reshape(n, N_PRODUCT_PAIRS, 2)
    products = 1.5 * (pairs[:, :, 0] * pairs[:, :, 1]).sum(axis=1)
    squares = 1.2 * (signal[:, -N_SQUARES:] ** 2 - 1).sum(axis=1)
    score = linear + products + squares + 0.3 * rng.standard_normal(n)
    y = (score > np.median(score)).astype(int)
    n_noise = nnz - N_INFORMATIVE
    noise_cols = rng.integers(0, d, size=(n, n_noise))
    cols = np.concatenate([np.broadcast_to(informative, (n, N_INFORMATIVE)), noise_cols], axis=1)
    values = np.concatenate([signal, rng.standard_normal((n, n_noise))], axis=1).astype(np.float32)
    rows = np.repeat(np.arange(n), nnz)
    X = sp.coo_matrix((values.ravel(), (rows, cols.ravel())), shape=(n, d)).tocsr()
    X.sum_duplicates()  # a noise draw landing on an informative column adds to it (rare)
    return X, y, informative[:N_LINEAR], informative[N_LINEAR:]


def coverage(ranking, linear, nonlinear, k=N_INFORMATIVE) -> tuple[int, int]:
    top = set(np.asarray(ranking[:k]).tolist())
    return len(top & set(linear.tolist())), len(top & set(nonlinear.tolist()))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_network(X, y, linear, nonlinear, training: str, args) -> dict:
    import torch

    from sparsefs import SparseFeatureSelector
    from sparsefs.batches import BatchSource, standardization
    from sparsefs.training import Trainer, TrainingConfig

    torch.set_num_threads(args.threads)
    n_weights = None if training == "dense" else args.weights
    # 1. seconds per step: blocks of 10 steps on the scaled data, a topology update in each
    mean, scale = standardization(X)
    source = BatchSource(X, y, mean, scale, torch.device("cpu"))
    config = TrainingConfig(training=training, hidden_layer_sizes=HIDDEN, batch_size=100, n_weights=n_weights)
    trainer = Trainer(X.shape[1], 2, config, ["attribution"], seed=0, device=torch.device("cpu"), steps_per_epoch=10)
    batches = [batch for _ in range(3) for batch in source.batches(100, torch.Generator().manual_seed(0))]
    blocks = []
    for _ in range(args.blocks):
        start = time.perf_counter()
        for inputs, targets in (batches * (1 + 10 // len(batches)))[:10]:
            trainer.step(inputs, targets)
        blocks.append((time.perf_counter() - start) / 10)
    step_seconds = statistics.median(blocks[1:] or blocks)  # the first block warms up
    parameters = trainer.network.n_parameters()
    del trainer, source
    # 2. the whole fit, for the epochs and the selection
    epoch_ends = [time.perf_counter()]
    selector = SparseFeatureSelector(
        N_INFORMATIVE, training=training, n_weights=n_weights, hidden_layer_sizes=HIDDEN, batch_size=100,
        max_epochs=args.epochs, patience=args.epochs, random_state=0, backend="auto",
    )
    selector.fit(X, y, on_epoch_end=lambda record: epoch_ends.append(time.perf_counter()))
    epochs = np.diff(epoch_ends)
    found_linear, found_nonlinear = coverage(selector.ranking_, linear, nonlinear)
    return {
        "step_s": step_seconds, "epoch_s": float(np.median(epochs)), "fit_s": float(epoch_ends[-1] - epoch_ends[0]),
        "parameters": parameters, "linear": found_linear, "nonlinear": found_nonlinear,
        "best_epoch": selector.best_epoch_, "val_accuracy": selector.history_["val_accuracy"][selector.best_epoch_ - 1],
    }


def run_l1(X, y, linear, nonlinear, args) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    Xs = StandardScaler(with_mean=False).fit_transform(X)
    start = time.perf_counter()
    for C in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0):
        model = LogisticRegression(penalty="l1", solver="liblinear", C=C, max_iter=1000).fit(Xs, y)
        weights = np.abs(model.coef_).ravel()
        if np.count_nonzero(weights) >= N_INFORMATIVE:
            break
    ranking = np.argsort(-weights, kind="stable")
    found_linear, found_nonlinear = coverage(ranking, linear, nonlinear)
    return {"fit_s": time.perf_counter() - start, "parameters": int(np.count_nonzero(weights)) + 1, "C": C,
            "linear": found_linear, "nonlinear": found_nonlinear}


def dense_network_gb(d: int) -> float:
    """Weights, gradients and the two Adam statistics of the dense MLP, plus one attribution block."""
    weights = d * HIDDEN[0] + HIDDEN[0] * HIDDEN[1] + HIDDEN[1] * 2
    return (4 * 4 * weights + 4 * d * 200) / 2**30


def child(args) -> None:
    """One configuration in this process, so that its peak RSS is its own; prints one JSON line."""
    X, y, linear, nonlinear = make_problem(args.rows, args.one_d, args.nnz)
    x_mb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    if args.one_input == "dense":
        X = X.toarray()
        x_mb = X.nbytes / 2**20
    base_mb = peak_rss_mb()
    if args.one_method == "l1":
        result = run_l1(X, y, linear, nonlinear, args)
    else:
        result = run_network(X, y, linear, nonlinear, args.one_method, args)
    result.update(x_mb=x_mb, rss_mb=peak_rss_mb(), rss_before_mb=base_mb)
    print("RESULT " + json.dumps(result), flush=True)


def run_child(d: int, input_kind: str, method: str, args) -> dict:
    command = [sys.executable, __file__, "--one-d", str(d), "--one-input", input_kind, "--one-method", method,
               "--rows", str(args.rows), "--nnz", str(args.nnz), "--weights", str(args.weights),
               "--epochs", str(args.epochs), "--threads", str(args.threads), "--blocks", str(args.blocks)]
    done = subprocess.run(command, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {done.returncode}: {tail[:120]}"}


def row(d, input_kind, label, result, args) -> str:
    if "error" in result:
        return f"| {d:.0e} | {input_kind} | {label} | {result['error']} |||||||"
    if "skip" in result:
        return f"| {d:.0e} | {input_kind} | {label} | {result['skip']} |||||||"
    step = f"{1000 * result['step_s']:.1f}" if "step_s" in result else "-"
    epoch = f"{result['epoch_s']:.2f}" if "epoch_s" in result else "-"
    rss = f"{result['rss_mb']:.0f} ({result['rss_mb'] - result['x_mb']:.0f})"
    return (f"| {d:.0e} | {input_kind} | {label} | {step} | {epoch} | {result['fit_s']:.1f} | {rss} | {result['x_mb']:.0f} "
            f"| {result['parameters']:,} | {result['linear']}/{N_LINEAR} | {result['nonlinear']}/{N_INFORMATIVE - N_LINEAR} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="d in {1e4, 1e5}, 300 rows, 3 epochs, 1e5 weights")
    parser.add_argument("--d", nargs="+", type=float, default=[1e4, 1e5, 1e6, 1e7])
    parser.add_argument("--inputs", nargs="+", default=["csr", "dense"], choices=["csr", "dense"])
    parser.add_argument("--methods", nargs="+", default=["set", "rigl", "l1", "dense"], choices=["set", "rigl", "l1", "dense"])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--nnz", type=int, default=200, help="non-zeros a row")
    parser.add_argument("--weights", type=int, default=1_000_000, help="active weights of the sparse networks")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--blocks", type=int, default=4, help="blocks of 10 timed steps (the first warms up)")
    parser.add_argument("--memory-gb", type=float, default=8.0, help="skip what would need more")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: on a shared, busy machine 2 threads spin and wait)")
    parser.add_argument("--one-d", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-input", help=argparse.SUPPRESS)
    parser.add_argument("--one-method", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_d is not None:
        child(args)
        return
    if args.quick:
        args.d, args.rows, args.epochs, args.weights, args.blocks = [1e4, 1e5], 300, 3, 100_000, 2
        args.memory_gb = min(args.memory_gb, 1.0)  # the dense MLP at d = 1e5 would take minutes
    print(f"# scale: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {args.threads} threads, "
          f"{time.strftime('%Y-%m-%d %H:%M')}; {args.rows} rows, {args.nnz} non-zeros a row, "
          f"{args.weights:,} weights (sparse networks), hidden {HIDDEN}, batch 100, {args.epochs} epochs")
    print("Peak RSS: the configuration's own process (in parentheses: beyond X). Coverage: informative features "
          f"among the top {N_INFORMATIVE} (linear; nonlinear = products and squares).", flush=True)
    print("| d | input | method | ms/step | s/epoch | fit s | peak RSS MB | X MB | stored parameters | linear | nonlinear |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    labels = {"set": "SET-Attr", "rigl": "RigL-Attr", "l1": "L1 logistic (liblinear)", "dense": "dense MLP-Attr"}
    for d in (int(value) for value in args.d):
        for input_kind in args.inputs:
            if input_kind == "dense" and args.rows * d * 4 * 3 / 2**30 > args.memory_gb:  # X, its copy, its batches
                print(f"| {d:.0e} | dense | all | X does not fit in {args.memory_gb:g} GB |||||||", flush=True)
                continue
            for method in args.methods:
                if method == "dense" and dense_network_gb(d) + args.rows * d * 8 / 2**30 > args.memory_gb:
                    result = {"skip": f"does not fit in {args.memory_gb:g} GB ({dense_network_gb(d):.0f} GB of state)"}
                else:
                    result = run_child(d, input_kind, method, args)
                print(row(d, input_kind, labels[method], result, args), flush=True)


if __name__ == "__main__":
    main()
