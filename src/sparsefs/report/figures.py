"""The report's figures, drawn with matplotlib's object interface (no pyplot, no display:
each figure is its own ``Figure`` saved to PNG with the Agg renderer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from ..plot import draw_heat_map
from ..study.methods import is_sparse, method_position, method_style
from .results import SIX_METHODS
from .tables import counted

DPI = 110


def importance_image(vectors, shape: tuple[int, int], order: str) -> np.ndarray:
    """The mean over seeds of each seed's importance divided by its sum, as a ``shape`` picture.

    ``order``: how the dataset stores pixels, ``"C"`` row by row or ``"F"`` column by column
    (MATLAB's order, as in the scikit-feature image files).
    """
    stacked = np.stack([np.asarray(v, dtype=float) for v in vectors])
    if stacked.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"importance vectors of {stacked.shape[1]} entries cannot be {shape[0]}×{shape[1]} pictures")
    totals = np.abs(stacked).sum(axis=1, keepdims=True)
    normalised = np.divide(stacked, totals, out=np.zeros_like(stacked), where=totals > 0)
    return normalised.mean(axis=0).reshape(shape, order=order)


def heat_maps(path: Path, dataset: str, images: dict[str, np.ndarray | None], seeds: dict[str, int]) -> Path:
    """The six methods' importance as images: metrics down (QS, Attr), training modes across.

    ``images`` holds each method's importance already shaped as the picture; each panel is
    scaled to its own maximum, since only where importance lies is compared, not its size.
    """
    figure = Figure(figsize=(9, 6.2), layout="constrained")
    axes = figure.subplots(2, 3)
    drawn = None
    for ax, method in zip(axes.T.ravel(), SIX_METHODS):
        image = images.get(method)
        if image is None:
            draw_heat_map(ax, np.zeros((1, 1)), title=method)  # drawn as "no data"
            continue
        drawn = draw_heat_map(ax, image, title=f"{method} ({counted(seeds[method], 'seed')})") or drawn
    if drawn is not None:
        figure.colorbar(drawn, ax=axes, shrink=0.8, label="importance / its maximum")
    figure.suptitle(f"{dataset}: input importance of the chosen configurations")
    return _save(figure, path)


def accuracy_vs_flops(path: Path, points: pd.DataFrame) -> Path:
    """Accuracy against training FLOPs (log scale), one panel per dataset group.

    ``points``: group, dataset, method, training_flops, acc_mean, acc_std. Colour: method;
    marker: dataset within its group.
    """
    groups = list(dict.fromkeys(points.group))
    columns = min(3, len(groups))
    rows = -(-len(groups) // columns)
    figure = Figure(figsize=(5.2 * columns, 4.2 * rows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    markers = "osD^vP*Xh<>"
    for ax, group in zip(axes, groups):
        in_group = points[points.group == group]
        for position, dataset in enumerate(dict.fromkeys(in_group.dataset)):
            for row in in_group[in_group.dataset == dataset].itertuples():
                ax.errorbar(row.training_flops / 1e12, row.acc_mean, yerr=row.acc_std, color=method_style(row.method)["color"],
                            marker=markers[position % len(markers)], markersize=7, capsize=3, linestyle="none")
            ax.plot([], [], color="black", marker=markers[position % len(markers)], linestyle="none", label=dataset)
        for method in sorted(set(in_group.method), key=method_position):
            ax.plot([], [], color=method_style(method)["color"], linewidth=6, label=method)
        _log_axis_in_plain_numbers(ax.xaxis)
        ax.margins(0.1)
        ax.set_title(group)
        ax.set_xlabel("training FLOPs (×10¹²)")
        ax.set_ylabel("SVM test accuracy (%)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    return _save(figure, path)


def accuracy_vs_sparsity(path: Path, dataset: str, curves: pd.DataFrame) -> Path:
    """The six methods' accuracy per sparsity level, bands of ± one std over seeds.

    Dense training has no sparsity level: it is drawn as a horizontal line (with its band)
    across the sparse levels, labelled as sparsity 0.
    """
    figure = Figure(figsize=(7, 4.6), layout="constrained")
    ax = figure.subplots()
    sparse = curves[curves.method.map(is_sparse).astype(bool)]
    span = (sparse.sparsity.min(), sparse.sparsity.max()) if not sparse.empty else (0.0, 1.0)
    for method in [m for m in SIX_METHODS if m in set(curves.method)] + sorted(set(curves.method) - set(SIX_METHODS)):
        line = curves[curves.method == method].sort_values("sparsity")
        style = method_style(method)
        mean, std = line.acc_mean.to_numpy(), line.acc_std.to_numpy()
        if not is_sparse(method):  # one level: a horizontal line
            ax.axhline(mean[0], color=style["color"], linestyle=style["linestyle"], label=f"{method} (sparsity 0)")
            ax.axhspan(mean[0] - std[0], mean[0] + std[0], color=style["color"], alpha=0.12)
            continue
        ax.plot(line.sparsity, mean, label=method, **style)
        ax.fill_between(line.sparsity, mean - std, mean + std, color=style["color"], alpha=0.15)
    ax.set_xlim(span[0] - 0.02, span[1] + 0.02)
    ax.set_xlabel("sparsity")
    ax.set_ylabel("SVM test accuracy (%)")
    ax.set_title(f"{dataset}: accuracy vs sparsity")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncols=2)
    return _save(figure, path)


def ranking_vs_k(path: Path, scores: pd.DataFrame) -> Path:
    """Average ranking score (6 best, 1 worst) of each method against K."""
    figure = Figure(figsize=(7, 4.4), layout="constrained")
    ax = figure.subplots()
    for method in SIX_METHODS:
        line = scores[scores.method == method].sort_values("k")
        ax.plot(line.k, line.score, label=method, **method_style(method))
    ax.set_xticks(sorted(set(scores.k)))
    ax.set_ylim(0.8, 6.2)
    ax.set_xlabel("K (selected features)")
    ax.set_ylabel("average ranking score")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncols=2)
    return _save(figure, path)


def coverage_vs_samples(path: Path, ours: pd.DataFrame, paper: pd.DataFrame | None, k: int) -> Path:
    """Coverage of the informative features against the number of samples ``m`` (log scale).

    ``ours``: method, m, mean, std (over seeds); ``paper``: method, m, coverage, drawn in a
    second panel on the same axes when given; ``k``: how many top-ranked features are looked at.
    """
    panels = [("this study (mean ± std over seeds)", ours)] + ([("the paper", paper)] if paper is not None else [])
    figure = Figure(figsize=(6.2 * len(panels), 4.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(panels), sharey=True, squeeze=False)).ravel()
    for ax, (title, frame) in zip(axes, panels):
        for method in sorted(set(frame.method), key=method_position):
            line = frame[frame.method == method].sort_values("m")
            values = line["mean"] if "mean" in line else line["coverage"]
            ax.errorbar(line.m, values, yerr=line["std"] if "std" in line else None, label=method, capsize=3,
                        **method_style(method))
        ax.set_xscale("log")
        ax.set_xticks(sorted(set(frame.m)), labels=[str(m) for m in sorted(set(frame.m))])
        ax.set_xlabel("samples m")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", ncols=2)
    axes[0].set_ylabel(f"coverage of the informative features (top {k})")
    axes[0].set_ylim(0, 1.02)
    return _save(figure, path)


def _log_axis_in_plain_numbers(axis) -> None:
    """A log axis ticked at 1, 2 and 5 times the powers of ten, labelled 0.2, 1, 50: readable even
    when the data span less than a decade, and never crowded."""
    axis.axes.set_xscale("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path
