"""Pictures of one fitted selector: its importances, image heat maps, training curves, stability.

Each function returns a matplotlib ``Figure``, or draws on the ``ax`` it is given (and
returns that Axes' figure). matplotlib is imported only when one is called (``pip install
'sparsefs[plot]'``); figures are made without pyplot, so nothing opens a window: save them
with ``figure.savefig(...)`` or show them in a notebook. :func:`draw_heat_map` is the one
heat-map style of sparsefs: the demo and the study report use it too.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from ._optional import import_optional

__all__ = ["draw_heat_map", "plot_history", "plot_image_importances", "plot_importances", "plot_stability"]

#: The colour of selected features in bar charts; the others are grey.
SELECTED_COLOUR, OTHER_COLOUR = "tab:blue", "tab:gray"


def plot_importances(selector, *, top: int = 20, feature_names=None, ax=None):
    """The ``top`` features by ``feature_importances_``, selected ones in colour.

    With ``n_repeats > 1`` each bar carries the spread over repeats (the standard deviation
    of each repeat's importance divided by its sum, on the scale of ``feature_importances_``).
    Names come from ``feature_names``, else ``feature_names_in_``, else ``x<index>``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs import SparseFeatureSelector
    >>> from sparsefs.plot import plot_importances
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SparseFeatureSelector(8, hidden_layer_sizes=(16,), max_epochs=2,
    ...                                  n_repeats=2, random_state=0).fit(X[:300], y[:300])
    >>> figure = plot_importances(selector, top=10)
    >>> first = figure.axes[0].get_yticklabels()[0].get_text()
    >>> len(figure.axes[0].patches), first.startswith("x")
    (10, True)
    """
    importances = np.asarray(_fitted(selector, "feature_importances_"), dtype=float)
    names = _names(selector, feature_names, len(importances))
    order = np.argsort(-importances, kind="stable")[: _top(top)]
    selected = selector.get_support()[order]
    spread = None
    per_repeat = getattr(selector, "importances_per_repeat_", None)
    if per_repeat is not None and len(per_repeat) > 1:
        totals = per_repeat.sum(axis=1, keepdims=True)
        shares = np.divide(per_repeat, totals, out=np.zeros_like(per_repeat, dtype=float), where=totals > 0)
        spread = shares.std(axis=0)[order]
    figure, ax = _figure_and_axes(ax, (6, 0.3 * len(order) + 1.2))
    positions = np.arange(len(order))[::-1]  # the most important on top
    ax.barh(positions, importances[order], xerr=spread, color=[SELECTED_COLOUR if s else OTHER_COLOUR for s in selected],
            capsize=2 if spread is not None else 0)
    ax.set_yticks(positions, labels=[str(names[j]) for j in order])
    ax.set_xlabel("importance" + (" (mean over repeats ± std)" if spread is not None else ""))
    ax.set_title(f"top {len(order)} features ({int(np.sum(selector.get_support()))} selected, in colour)")
    return figure


def plot_image_importances(importances, image_shape, *, order: str = "C", title: str | None = None, ax=None):
    """The importance of each pixel as a heat map (bright: important).

    ``importances``: a fitted selector (its ``feature_importances_``) or a vector;
    ``image_shape``: ``(rows, columns)``; ``order``: ``"C"`` when pixels are stored row by
    row, ``"F"`` column by column (MATLAB files).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.plot import plot_image_importances
    >>> figure = plot_image_importances(np.arange(64.0), (8, 8), title="digits")
    >>> figure.axes[0].images[0].get_array().shape
    (8, 8)
    """
    if hasattr(importances, "get_params"):  # an estimator: its fitted importances
        vector = _fitted(importances, "feature_importances_")
    else:
        vector = importances
    vector = np.asarray(vector, dtype=float)
    shape = tuple(np.ravel(image_shape))
    if len(shape) != 2 or not all(isinstance(n, (Real, np.number)) and not isinstance(n, (bool, np.bool_))
                                  and float(n).is_integer() and n > 0 for n in shape):
        raise ValueError(f"image_shape={image_shape!r}: expected (rows, columns), two positive integers")
    rows, columns = (int(n) for n in shape)
    if vector.ndim != 1:
        raise ValueError(f"importances of shape {vector.shape}: expected one value per feature (a 1-D vector)")
    if vector.size != rows * columns:
        raise ValueError(f"{vector.size} importances cannot be drawn as a {rows}x{columns} image")
    figure, ax = _figure_and_axes(ax, (4, 4))
    draw_heat_map(ax, vector.reshape((rows, columns), order=order), title=title, colorbar=True)
    return figure


def draw_heat_map(ax, image, *, title: str | None = None, colorbar: bool = False):
    """Draw ``image`` on ``ax`` scaled to its own maximum, 0 black to 1 white ("hot"), no ticks.

    Returns the ``AxesImage``, or ``None`` for an image without any importance (drawn as
    "no data"): only where importance lies is compared between pictures, not its size.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from sparsefs.plot import draw_heat_map
    >>> ax = Figure().subplots()
    >>> float(draw_heat_map(ax, np.array([[1.0, 4.0], [2.0, 0.0]])).get_array().max())
    1.0
    """
    image = np.asarray(image, dtype=float)
    ax.set_xticks([])
    ax.set_yticks([])
    if not np.any(image) or not np.isfinite(image).all():
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="gray")
        if title:
            ax.set_title(f"{title}: no data")
        return None
    shown = ax.imshow(image / np.abs(image).max(), cmap="hot", vmin=0, vmax=1, interpolation="nearest")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, shrink=0.8, label="importance / its maximum")
    return shown


def plot_history(history, *, ax=None):
    """Training and validation loss and score (accuracy, or R²) per epoch, the best epoch marked.

    ``history``: a fitted selector (its ``history_`` and ``best_epoch_``) or a history dict
    (the best epoch is then the one with the lowest validation loss). Without ``ax``: a figure
    with a loss and an accuracy panel; with one Axes: the losses on it and the accuracies on
    a twin y axis.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs import SparseFeatureSelector
    >>> from sparsefs.plot import plot_history
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SparseFeatureSelector(8, hidden_layer_sizes=(16,), max_epochs=4,
    ...                                  random_state=0).fit(X[:300], y[:300])
    >>> figure = plot_history(selector)
    >>> [len(ax.lines) for ax in figure.axes]  # train, validation, best epoch per panel
    [3, 3]
    """
    if hasattr(history, "get_params"):  # an estimator: its fitted history
        record, best = _fitted(history, "history_"), history.best_epoch_
    else:
        record, best = history, None
    if hasattr(record, "to_dict"):  # a DataFrame of the history
        record = record.to_dict("list")
    if not isinstance(record, dict) or not len(record.get("epoch", ())) or "val_loss" not in record:
        raise ValueError("plot_history needs a fitted selector or a history dict with 'epoch' and 'val_loss' entries "
                         "for at least one epoch")
    epochs = np.asarray(record["epoch"])
    val_loss = np.asarray(record["val_loss"], dtype=float)
    if best is None:
        best = int(epochs[np.nanargmin(val_loss)]) if np.isfinite(val_loss).any() else int(epochs[-1])
    if ax is None:
        Figure = import_optional("matplotlib.figure", "plot", "sparsefs.plot").Figure
        figure = Figure(figsize=(9, 3.6), layout="constrained")
        loss_ax, accuracy_ax = figure.subplots(1, 2)
    else:
        figure, loss_ax, accuracy_ax = ax.figure, ax, ax.twinx()
    # The task's score: accuracy (classification) or r2 (regression, reconstruction).
    score = next((key[len("train_"):] for key in record if key.startswith("train_") and key != "train_loss"), "accuracy")
    label = {"r2": "R²"}.get(score, score)
    for panel, key, label in ((loss_ax, "loss", "loss"), (accuracy_ax, score, label)):
        dashed = panel is accuracy_ax and ax is not None  # on a shared Axes, accuracies are dashed
        style = "--" if dashed else "-"
        panel.plot(epochs, record[f"train_{key}"], style, color="tab:blue", label=f"train {label}")
        panel.plot(epochs, record[f"val_{key}"], style, color="tab:orange", label=f"validation {label}")
        if not dashed:  # one best-epoch line per Axes
            panel.axvline(best, color="black", linestyle=":", label=f"best epoch ({best})")
        panel.set_ylabel(label)
        panel.legend(fontsize="small")
    loss_ax.set_xlabel("epoch")
    if ax is None:
        accuracy_ax.set_xlabel("epoch")
    return figure


def plot_stability(selector, *, top: int = 30, feature_names=None, ax=None):
    """Each feature's ``selection_frequency_`` over repeats (the ``top`` most frequent), with
    ``stability_`` and its confidence interval in the title; names as in :func:`plot_importances`.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs import SparseFeatureSelector
    >>> from sparsefs.plot import plot_stability
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SparseFeatureSelector(8, hidden_layer_sizes=(16,), max_epochs=2,
    ...                                  n_repeats=3, random_state=0).fit(X[:300], y[:300])
    >>> figure = plot_stability(selector, top=12)
    >>> len(figure.axes[0].patches), figure.axes[0].get_title().startswith("stability")
    (12, True)
    """
    frequency = getattr(selector, "selection_frequency_", None)
    if frequency is None:
        raise ValueError("plot_stability needs a selector fitted with n_repeats > 1 (it has no selection_frequency_)")
    names = _names(selector, feature_names, len(frequency))
    order = np.argsort(-frequency, kind="stable")[: _top(top)]
    figure, ax = _figure_and_axes(ax, (max(5, 0.25 * len(order) + 1.5), 3.6))
    selected = selector.get_support()[order]
    ax.bar(np.arange(len(order)), frequency[order], color=[SELECTED_COLOUR if s else OTHER_COLOUR for s in selected])
    ax.set_xticks(np.arange(len(order)), labels=[str(names[j]) for j in order], rotation=90, fontsize="small")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(f"selection frequency ({len(selector.importances_per_repeat_)} repeats)")
    lower, upper = selector.stability_interval_
    ax.set_title(f"stability {selector.stability_:.2f} [95% CI {lower:.2f}, {upper:.2f}] of the top "
                 f"{selector.n_features_to_select_}")
    return figure


def _figure_and_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    Figure = import_optional("matplotlib.figure", "plot", "sparsefs.plot").Figure
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.subplots()


def _top(top) -> int:
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top={top!r}: expected a positive integer (how many features to draw)")
    return int(top)


def _fitted(selector, attribute: str):
    value = getattr(selector, attribute, None)
    if value is None:
        raise ValueError(f"expected a fitted selector with {attribute}, got {type(selector).__name__}")
    return value


def _names(selector, feature_names, n_features: int) -> np.ndarray:
    if feature_names is None:
        feature_names = getattr(selector, "feature_names_in_", None)
    if feature_names is None:
        return np.array([f"x{j}" for j in range(n_features)], dtype=object)
    feature_names = np.asarray(feature_names, dtype=object)
    if len(feature_names) != n_features:
        raise ValueError(f"feature_names has {len(feature_names)} names for {n_features} features")
    return feature_names
