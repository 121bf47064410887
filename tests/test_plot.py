"""sparsefs.plot: each function's figure holds the expected artists; matplotlib loads only on use."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import load_digits

from sparsefs import SparseFeatureSelector
from sparsefs.plot import draw_heat_map, plot_history, plot_image_importances, plot_importances, plot_stability


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def single(digits):
    return SparseFeatureSelector(6, hidden_layer_sizes=(16,), max_epochs=4, random_state=0).fit(*digits)


@pytest.fixture(scope="module")
def repeated(digits):
    return SparseFeatureSelector(6, hidden_layer_sizes=(16,), max_epochs=2, n_repeats=3, random_state=0).fit(*digits)


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, sparsefs.plot; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


class TestImportances:
    def test_bars_names_and_colours(self, single):
        figure = plot_importances(single, top=10)
        ax = figure.axes[0]
        bars = ax.patches
        assert isinstance(figure, Figure) and len(bars) == 10
        order = np.argsort(-single.feature_importances_, kind="stable")[:10]
        # The most important on top: bar widths, read top to bottom, are the importances in order.
        widths = [bar.get_width() for bar in sorted(bars, key=lambda bar: -bar.get_y())]
        np.testing.assert_allclose(widths, single.feature_importances_[order])
        # Ticks run from the top (y = 9) down, each labelled with its feature.
        labels = dict(zip(ax.get_yticks(), (label.get_text() for label in ax.get_yticklabels())))
        assert [labels[y] for y in range(9, -1, -1)] == [f"x{j}" for j in order]
        colours = {tuple(bar.get_facecolor()) for bar in bars}
        assert len(colours) == 2  # six selected, four not

    def test_spread_over_repeats(self, repeated, single):
        assert len(plot_importances(repeated, top=5).axes[0].collections) == 1  # the error bars
        assert len(plot_importances(single, top=5).axes[0].collections) == 0

    def test_names_from_a_dataframe(self, digits):
        X, y = digits
        frame = pd.DataFrame(X, columns=[f"pixel_{j}" for j in range(64)])
        fitted = SparseFeatureSelector(4, hidden_layer_sizes=(8,), max_epochs=2, random_state=0).fit(frame, y)
        labels = [t.get_text() for t in plot_importances(fitted, top=3).axes[0].get_yticklabels()]
        assert all(label.startswith("pixel_") for label in labels)

    def test_draws_on_a_given_axes(self, single):
        figure = Figure()
        ax = figure.subplots()
        assert plot_importances(single, top=4, ax=ax) is figure and len(ax.patches) == 4

    def test_wrong_number_of_names(self, single):
        with pytest.raises(ValueError, match="3 names for 64 features"):
            plot_importances(single, feature_names=["a", "b", "c"])


class TestImages:
    def test_heat_map_of_a_selector(self, single):
        figure = plot_image_importances(single, (8, 8))
        image = figure.axes[0].images[0].get_array()
        np.testing.assert_allclose(image, single.feature_importances_.reshape(8, 8) / single.feature_importances_.max())
        assert len(figure.axes) == 2  # the picture and its colour bar

    def test_column_order(self):
        figure = plot_image_importances(np.arange(1.0, 7.0), (2, 3), order="F")
        np.testing.assert_allclose(figure.axes[0].images[0].get_array() * 6, [[1, 3, 5], [2, 4, 6]])

    def test_wrong_shape(self):
        with pytest.raises(ValueError, match="10 importances cannot be drawn as a 3x3 image"):
            plot_image_importances(np.ones(10), (3, 3))

    def test_empty_image_says_no_data(self):
        ax = Figure().subplots()
        assert draw_heat_map(ax, np.zeros((2, 2)), title="x") is None
        assert ax.get_title() == "x: no data" and not ax.images


class TestHistory:
    def test_two_panels_with_the_best_epoch(self, single):
        figure = plot_history(single)
        loss_ax, accuracy_ax = figure.axes
        for ax, key in ((loss_ax, "loss"), (accuracy_ax, "accuracy")):
            train, validation, best = ax.lines
            np.testing.assert_allclose(train.get_ydata(), single.history_[f"train_{key}"])
            np.testing.assert_allclose(validation.get_ydata(), single.history_[f"val_{key}"])
            assert list(best.get_xdata()) == [single.best_epoch_] * 2

    def test_one_axes_gets_a_twin(self, single):
        figure = Figure()
        ax = figure.subplots()
        plot_history(single.history_, ax=ax)
        assert len(figure.axes) == 2 and len(ax.lines) == 3
        best = int(np.argmin(single.history_["val_loss"])) + 1
        assert list(ax.lines[2].get_xdata()) == [best] * 2


class TestStability:
    def test_frequencies_and_title(self, repeated):
        figure = plot_stability(repeated, top=8)
        ax = figure.axes[0]
        heights = [bar.get_height() for bar in ax.patches]
        np.testing.assert_allclose(heights, np.sort(repeated.selection_frequency_)[::-1][:8])
        assert f"{repeated.stability_:.2f}" in ax.get_title()

    def test_needs_repeats(self, single):
        with pytest.raises(ValueError, match="n_repeats > 1"):
            plot_stability(single)


def test_history_of_a_regression_shows_r2():
    from sklearn.datasets import make_regression

    X, y = make_regression(120, 10, n_informative=3, random_state=0)
    fitted = SparseFeatureSelector(3, task="regression", hidden_layer_sizes=(8,), max_epochs=3, random_state=0).fit(X, y)
    figure = plot_history(fitted)
    assert figure.axes[1].get_ylabel() == "R²"
    np.testing.assert_allclose(figure.axes[1].lines[1].get_ydata(), fitted.history_["val_r2"])
