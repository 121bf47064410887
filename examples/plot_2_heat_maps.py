"""
Importance as an image: attribution against neuron strength
===========================================================

On image data each feature is a pixel, so a feature ranking can be looked at. The paper
shows that neuron attribution (Attr) concentrates on the pixels where the classes differ,
while neuron strength (QS) is spread more evenly. Both metrics are computed from *one*
training run: metrics only observe training (``importance=["attribution", "strength"]``).

The first part uses scikit-learn's bundled 8x8 digits. The second uses the registry's ORL
faces (32x32) when the data directory holds them; it is skipped, saying so, when not.
Each map is drawn by :func:`sparsefs.plot.plot_image_importances`, scaled to its own
maximum (the colour bar): where the importance lies is compared, not its size.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sparsefs import SparseFeatureSelector
from sparsefs.datasets import DatasetError, load
from sparsefs.plot import plot_image_importances

LABELS = {"dense": "Dense", "set": "SET", "attribution": "Attr", "strength": "QS"}


def heat_maps(X, y, shape, title, order="C", window="all_epochs", **params):
    """Fit dense and SET networks (rows), and draw both metrics' importance."""
    fig, axes = plt.subplots(2, 2, figsize=(8, 7))
    for row, training in enumerate(["dense", "set"]):
        selector = SparseFeatureSelector(
            10, training=training, importance=["attribution", "strength"],
            random_state=0, **params,
        ).fit(X, y)
        for column, metric in enumerate(["attribution", "strength"]):
            plot_image_importances(
                selector.importances_[metric][window], shape, order=order,
                title=f"{LABELS[training]}-{LABELS[metric]}", ax=axes[row, column],
            )
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# %%
# Digits: 64 pixels, 10 classes. The border pixels are constant (always white), so every
# metric gives them 0. Attribution picks the pixels in the middle, where the strokes of
# different digits cross; strength is flatter.
X, y = load_digits(return_X_y=True)
heat_maps(X, y, (8, 8), "8x8 digits",
          hidden_layer_sizes=(200, 50), max_epochs=20, sparsity=0.8)
plt.show()

# %%
# ORL faces from the dataset registry (400 images of 40 people, 32x32 pixels), if
# present in ``$SPARSEFS_DATA`` or the per-user cache; ``download=False`` keeps this
# offline.
#
# 400 rows is small data, so the networks use ``preset="recommended"`` (one hidden layer
# of 100, trained on every row; its window ``"best_epoch"`` is then the last epoch) for
# 100 epochs: with fewer epochs, or the paper's larger network on this few rows, the
# maps are still mostly noise. Trained this long, the faces appear. In the dense
# network's maps attribution concentrates on the eyes and eyebrows, the nose and the
# mouth, where faces differ from person to person, while strength is high over the whole
# face. SET's maps pick out the same eyes and nose but are grainier, since each pixel
# keeps only the few first-layer weights its sparse topology gives it.
try:
    orl = load("ORL", download=False)
except DatasetError as error:
    print(f"ORL is not in the data directory here, so this part is skipped ({error})")
else:
    # The registry knows each image dataset's shape and pixel order (ORL: column by
    # column).
    heat_maps(orl.X, orl.y, orl.spec.image_shape, "ORL faces",
              order=orl.spec.image_order, window="best_epoch", preset="recommended",
              max_epochs=100, sparsity=0.8)
    plt.show()
