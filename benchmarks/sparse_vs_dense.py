"""Sparse vs masked-dense execution, measured side by side in one run.

Usage: python benchmarks/sparse_vs_dense.py [--sections steps attribution epoch end-to-end crossover]
                                            [--quick] [--threads N]

Sections (all by default):
- steps: median seconds per training step (a step = forward, backward, attribution of every
  class, Adam; one SET topology update every 10 steps, counted by timing blocks of 10 steps)
  of the masked and the sparse backend, their ratio, and the bytes of model + optimiser state
  (parameters, gradients, index buffers, Adam statistics); d in {784, 5000, 20000},
  sparsity in {0.5, 0.8, 0.9, 0.95, 0.98}, hidden (1000, 100), batch 100, C in {2, 26}.
- attribution: one batch's attribution, batched over classes on the sparse network, vs the
  authors' per-sample torch.func.vmap(jacrev) Jacobian on the masked network.
- epoch: a 1000 x 5000 two-class problem at 95% sparsity, seconds per epoch with attribution.
- end-to-end: SparseFeatureSelector SET-Attr at sparsity 0.95 vs dense on BASEHOCK, same epochs:
  fit time ratio and SVM accuracy at K=100.
- crossover: one layer's training work (forward, weight and input gradients, Adam) masked vs
  sparse by density and shape; the measured crossover behind backend="auto".
Times are medians; ratios compare runs made in the same process, one after the other.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from sparsefs.batches import BatchSource, standardization
from sparsefs.importance import NeuronAttribution, TrainingStep
from sparsefs.network import SparseMLP
from sparsefs.training import Trainer, TrainingConfig, train_network

CPU = torch.device("cpu")


def state_bytes(network, optimizer) -> int:
    """Bytes of parameters, their gradients, buffers (masks, indices) and optimiser state."""
    tensors = [*network.parameters(), *network.buffers()]
    tensors += [p.grad for p in network.parameters() if p.grad is not None]
    tensors += [v for state in optimizer.state.values() for v in state.values() if torch.is_tensor(v)]
    return sum(t.numel() * t.element_size() for t in tensors)


def seconds_per_step(d: int, sparsity: float, n_classes: int, backend: str, blocks: int) -> tuple[float, int]:
    config = TrainingConfig(training="set", sparsity=sparsity, backend=backend, batch_size=100)
    trainer = Trainer(d, n_classes, config, ["attribution"], seed=0, device=CPU, steps_per_epoch=7)
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(100, d, generator=generator)
    targets = torch.randint(n_classes, (100,), generator=generator)
    for _ in range(10):  # warm-up, including one topology update
        trainer.step(inputs, targets)
    block_times = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(10):
            trainer.step(inputs, targets)
        block_times.append((time.perf_counter() - start) / 10)
    return statistics.median(block_times), state_bytes(trainer.network, trainer.optimizer)


def section_steps(quick: bool) -> None:
    print("\n## Seconds per training step (SET, attribution every step, update every 10 steps), batch 100")
    print("Memory: model + optimiser state (parameters, gradients, masks or indices, Adam statistics).")
    print("| d | C | sparsity | masked s/step | sparse s/step | auto s/step | sparse speed-up | auto speed-up "
          "| masked MB | sparse MB | sparse / dense memory |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for d in (784, 5000) if quick else (784, 5000, 20000):
        for n_classes in (2, 26):
            blocks = 2 if quick or d == 20000 else 4
            dense_time, dense_bytes = seconds_per_step(d, 0.0, n_classes, "masked", blocks)
            print(f"| {d} | {n_classes} | dense | {dense_time:.4f} | - | - | - | - | {dense_bytes / 2**20:.1f} | - | 1 |")
            for sparsity in (0.9, 0.95) if quick else (0.5, 0.8, 0.9, 0.95, 0.98):
                masked_time, masked_bytes = seconds_per_step(d, sparsity, n_classes, "masked", blocks)
                sparse_time, sparse_bytes = seconds_per_step(d, sparsity, n_classes, "sparse", blocks)
                auto_time, _ = seconds_per_step(d, sparsity, n_classes, "auto", blocks)
                print(
                    f"| {d} | {n_classes} | {sparsity} | {masked_time:.4f} | {sparse_time:.4f} | {auto_time:.4f} | "
                    f"{masked_time / sparse_time:.1f}x | {masked_time / auto_time:.1f}x | {masked_bytes / 2**20:.1f} | "
                    f"{sparse_bytes / 2**20:.1f} | {sparse_bytes / dense_bytes:.3f} |",
                    flush=True,
                )


def per_sample_jacobian_attribution(network, inputs, all_layers: bool = False):
    """Attribution from every sample's full Jacobian, with torch.func.vmap(jacrev(...)).

    ``all_layers``: the authors' variant, whose function returns both hidden layers' outputs
    too, so every sample also gets its 1000 x d and 100 x d Jacobians; only the last one feeds
    the attribution. Otherwise the input-only Jacobian of the softmax (the cheapest form).
    """
    from torch.func import functional_call, jacrev, vmap

    params = {name: p.detach() for name, p in network.named_parameters()}
    buffers = dict(network.named_buffers())

    def outputs(sample):
        logits, pre = functional_call(network, (params, buffers), (sample.unsqueeze(0),))
        probabilities = torch.softmax(logits[0], dim=0)
        return (*[torch.relu(z[0]) for z in pre], probabilities) if all_layers else probabilities

    jacobians = vmap(jacrev(outputs))(inputs)
    jacobian = jacobians[-1] if all_layers else jacobians
    return jacobian.abs().mean(dim=0).sum(dim=0)


def median_seconds(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def section_attribution(quick: bool) -> None:
    print("\n## Attribution of one batch of 100 at sparsity 0.95: batched vs per-sample Jacobians (vmap(jacrev))")
    print("authors' = the Jacobian also taken of both hidden layers' outputs, as in the authors' code "
          "(not run at d=20000: about 9 GB); input-only = the cheapest per-sample Jacobian.")
    print("| d | C | authors' per-sample, masked s | input-only per-sample, masked s | batched, masked s "
          "| batched, sparse s | sparse vs authors' | sparse vs input-only |")
    print("|---|---|---|---|---|---|---|---|")
    metric = NeuronAttribution()
    for d in (784, 5000) if quick else (784, 5000, 20000):
        for n_classes in (2, 26):
            inputs = torch.randn(100, d, generator=torch.Generator().manual_seed(0))
            times = {}
            for backend in ("masked", "sparse"):
                network = SparseMLP(d, (1000, 100), n_classes, 0.05, backend, torch.Generator().manual_seed(0))
                with torch.no_grad():
                    logits, pre = network(inputs)
                step = TrainingStep(network, inputs, logits, pre)
                times[backend] = median_seconds(lambda: metric.score(step), 3 if quick else 5)
                if backend == "masked":
                    reference = per_sample_jacobian_attribution(network, inputs)
                    torch.testing.assert_close(metric.score(step), reference, rtol=1e-3, atol=1e-6)
                    times["input-only"] = median_seconds(lambda: per_sample_jacobian_attribution(network, inputs), 1 if quick else 3)
                    times["authors"] = math.nan
                    if d <= 5000:
                        times["authors"] = median_seconds(
                            lambda: per_sample_jacobian_attribution(network, inputs, all_layers=True), 1 if quick else 2
                        )
            authors, authors_ratio = "not run", "-"
            if not math.isnan(times["authors"]):
                authors, authors_ratio = f"{times['authors']:.4f}", f"{times['authors'] / times['sparse']:.0f}x"
            print(
                f"| {d} | {n_classes} | {authors} | {times['input-only']:.4f} | {times['masked']:.4f} | "
                f"{times['sparse']:.4f} | {authors_ratio} | {times['input-only'] / times['sparse']:.1f}x |",
                flush=True,
            )


def section_epoch(quick: bool) -> None:
    print("\n## 1000 x 5000 two-class problem at sparsity 0.95: seconds per epoch (7 steps + validation)")
    rng = np.random.RandomState(0)
    X = rng.randn(1000, 5000).astype(np.float32)
    y = (X[:, :10].sum(axis=1) > 0).astype(int)
    mean, scale = standardization(X[:640])
    train = BatchSource(X[:640], y[:640], mean, scale, CPU)
    val = BatchSource(X[640:800], y[640:800], mean, scale, CPU)
    epochs = 10 if quick else 30
    print("| backend | s/epoch (attribution) | s/epoch (strength) |")
    print("|---|---|---|")
    for backend in ("masked", "sparse"):
        row = []
        for metric in ("attribution", "strength"):
            config = TrainingConfig(training="set", sparsity=0.95, max_epochs=epochs, patience=epochs, backend=backend)
            start = time.perf_counter()
            train_network(train, val, 2, config, [metric], seed=0, device=CPU)
            row.append((time.perf_counter() - start) / epochs)
        print(f"| {backend} | {row[0]:.4f} | {row[1]:.4f} |", flush=True)


def section_end_to_end(quick: bool, dataset: str) -> None:
    from sparsefs import SparseFeatureSelector
    from sparsefs.datasets import load, paper_split
    from sparsefs.evaluation import svm_accuracy

    data = load(dataset)
    epochs = 20 if quick else 100
    seeds = (0,) if quick else (0, 1, 2)
    print(f"\n## End to end on {dataset} ({data.n_samples} x {data.n_features}), {epochs} epochs (no early stop), K=100")
    print("| method | seed | fit s | SVM accuracy |")
    print("|---|---|---|---|")
    fits = {"SET-Attr 0.95": [], "Dense-Attr": []}
    accuracies = {"SET-Attr 0.95": [], "Dense-Attr": []}
    for seed in seeds:
        train, val, test = paper_split(data.y, seed)
        rows = np.sort(np.concatenate([train, val]))
        for label, training in (("SET-Attr 0.95", "set"), ("Dense-Attr", "dense")):
            selector = SparseFeatureSelector(100, training=training, sparsity=0.95, max_epochs=epochs, patience=epochs,
                                             random_state=seed)
            start = time.perf_counter()
            selector.fit(data.X[rows], data.y[rows])
            fits[label].append(time.perf_counter() - start)
            accuracies[label].append(svm_accuracy(data.X[rows], data.y[rows], data.X[test], data.y[test], selector.ranking_[:100]))
            print(f"| {label} | {seed} | {fits[label][-1]:.1f} | {accuracies[label][-1]:.4f} |", flush=True)
    ratio = statistics.median(fits["Dense-Attr"]) / statistics.median(fits["SET-Attr 0.95"])
    print(f"\nmedian fit time dense / SET: {ratio:.1f}x; mean SVM accuracy SET {np.mean(accuracies['SET-Attr 0.95']):.4f}, "
          f"dense {np.mean(accuracies['Dense-Attr']):.4f}")


def layer_work_seconds(n_in: int, n_out: int, density: float, backend: str) -> float:
    """One layer: forward, weight and input gradients, an attribution-style product, Adam."""
    network = SparseMLP(n_in, (), n_out, density, backend, torch.Generator().manual_seed(0))
    layer = network.layers[0]
    optimizer = torch.optim.Adam(layer.parameters(), lr=1e-3)
    inputs = torch.randn(100, n_in, requires_grad=True)
    target = torch.randn(100, n_out)

    def work():
        optimizer.zero_grad()
        F.mse_loss(layer(inputs), target).backward()
        with torch.no_grad():
            layer.backprop_columns(torch.randn(n_out, 200))
        optimizer.step()

    return median_seconds(work, 9)


def section_crossover(quick: bool) -> None:
    print("\n## One layer's training work, masked / sparse time (>1: sparse faster); batch 100")
    densities = (0.5, 0.3, 0.2, 0.1, 0.05, 0.02)
    print("| shape | " + " | ".join(f"density {d}" for d in densities) + " |")
    print("|---|" + "---|" * len(densities))
    shapes = ((784, 1000), (1000, 100), (5000, 1000)) if quick else ((100, 100), (784, 1000), (1000, 100), (5000, 1000), (20000, 1000))
    for n_in, n_out in shapes:
        ratios = [layer_work_seconds(n_in, n_out, d, "masked") / layer_work_seconds(n_in, n_out, d, "sparse") for d in densities]
        print(f"| {n_in} x {n_out} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", nargs="+", default=["crossover", "steps", "attribution", "epoch", "end-to-end"],
                        choices=["crossover", "steps", "attribution", "epoch", "end-to-end"])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats (a smoke run)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--dataset", default="BASEHOCK", help="dataset of the end-to-end section")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# sparse_vs_dense: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__} with {torch.get_num_threads()} threads, {time.strftime('%Y-%m-%d %H:%M')}")
    for name in args.sections:
        {"crossover": section_crossover, "steps": section_steps, "attribution": section_attribution,
         "epoch": section_epoch}.get(name, lambda quick: section_end_to_end(quick, args.dataset))(args.quick)


if __name__ == "__main__":
    main()
