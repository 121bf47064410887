"""
Importance as an image: attribution against neuron strength
===========================================================

On image data each feature is a pixel, so a feature ranking can be looked at. The paper
shows that neuron attribution (Attr) concentrates on the pixels where digits differ, while
neuron strength (QS) is spread more evenly. Both metrics are computed from *one* training
run: metrics only observe training (``importance=["attribution", "strength"]``).

The first part uses scikit-learn's bundled 8x8 digits. The second uses the registry's ORL
faces (32x32) when the data directory holds them; it is skipped, saying so, when not.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sparsefs import SparseFeatureSelector
from sparsefs.datasets import DatasetError, load


LABELS = {"dense": "Dense", "set": "SET"}


def heat_maps(X, y, shape, title, order="C", **params):
    """Fit dense and SET networks, and draw both metrics' importance for each."""
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.9))
    for column, training in enumerate(["dense", "set"]):
        selector = SparseFeatureSelector(
            10, training=training, importance=["attribution", "strength"], random_state=0, **params
        ).fit(X, y)
        for offset, (metric, label) in enumerate([("attribution", "Attr"), ("strength", "QS")]):
            values = selector.importances_[metric]["all_epochs"].reshape(shape, order=order)
            ax = axes[2 * column + offset]
            ax.imshow(values / values.max(), cmap="hot", vmin=0, vmax=1)
            ax.set_title(f"{LABELS[training]}-{label}")
            ax.set_axis_off()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# %%
# Digits: 64 pixels, 10 classes. The border pixels are constant (always white), so every
# metric gives them 0.
X, y = load_digits(return_X_y=True)
heat_maps(X, y, (8, 8), "8x8 digits (brighter = more important)",
          hidden_layer_sizes=(200, 50), max_epochs=20, sparsity=0.8)
plt.show()

# %%
# ORL faces from the dataset registry (400 images of 40 people, 32x32 pixels), if present in
# ``$SPARSEFS_DATA`` or the per-user cache; ``download=False`` keeps this example offline.
try:
    orl = load("ORL", download=False)
except DatasetError as error:
    print(f"ORL is not in the data directory here, so this part is skipped ({error})")
else:
    # The registry knows each image dataset's shape and pixel order (ORL: column by column).
    heat_maps(orl.X, orl.y, orl.spec.image_shape, "ORL faces (brighter = more important)",
              order=orl.spec.image_order, hidden_layer_sizes=(300, 100), max_epochs=10, sparsity=0.9)
    plt.show()
