"""
SET against dense training: cost and accuracy
=============================================

Dynamic sparse training keeps a fixed fraction of the weights from the first step to the
last, so memory (stored parameters) and compute (training FLOPs) shrink with the density,
while the features it finds stay good. This example trains a dense network and SET networks
of growing sparsity on the paper's synthetic benchmark (200 features, of which 100 are
informative) and measures, for each:

- the stored parameters (``n_parameters_``) and theoretical training FLOPs
  (``training_flops_``, see :ref:`method-costs`);
- the SVM test accuracy of the top 50 features (the paper's quality measure,
  :func:`sparsefs.evaluation.svm_accuracy`);
- the coverage: the share of the 100 informative features among the top 100.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sparsefs import SparseFeatureSelector
from sparsefs.datasets import make_synthetic
from sparsefs.evaluation import coverage, svm_accuracy
from sparsefs.splitting import paper_split

X, y, informative = make_synthetic(1000, random_state=0)
train, validation, test = paper_split(y, 0)
fit_rows = np.concatenate([train, validation])  # the selector splits validation off

# %%
# Every run uses the same seed, epochs and network shape; only the training mode and the
# sparsity change. ``max_epochs=30`` keeps the example short (the paper trains up to
# 200).
runs = [("dense", 0.0)] + [("set", s) for s in (0.5, 0.8, 0.9, 0.95)]
rows = []
for training, sparsity in runs:
    selector = SparseFeatureSelector(
        50, training=training, sparsity=sparsity, hidden_layer_sizes=(500, 50),
        max_epochs=30, patience=10, random_state=0,
    ).fit(X[fit_rows], y[fit_rows])
    top50 = selector.ranked_features_[:50]
    rows.append({
        "method": "Dense" if training == "dense" else f"SET {sparsity:.0%} sparse",
        "parameters": selector.n_parameters_,
        "training GFLOPs": selector.training_flops_ / 1e9,
        "SVM accuracy (top 50)": svm_accuracy(
            X[fit_rows], y[fit_rows], X[test], y[test], top50
        ),
        "coverage (top 100)": coverage(selector.ranked_features_, informative, 100),
        "best epoch": selector.best_epoch_,
    })
table = pd.DataFrame(rows).set_index("method")
print(table.round(3).to_string())

# %%
# Savings against the dense network, as the paper reports them:
dense = table.loc["Dense"]
costs = ["parameters", "training GFLOPs"]
savings = 1 - table[costs] / dense[costs]
print((100 * savings).round(1).add_suffix(" saved (%)").to_string())

# %%
# Accuracy and coverage against training FLOPs (log scale): sparser networks sit to the
# left at similar height.
fig, ax = plt.subplots(figsize=(6, 3.8))
for name, row in table.iterrows():
    ax.scatter(row["training GFLOPs"], row["coverage (top 100)"], s=60)
    ax.annotate(name, (row["training GFLOPs"], row["coverage (top 100)"]),
                textcoords="offset points", xytext=(6, 4), fontsize=8)
ax.set_xscale("log")
ax.set_xlabel("training GFLOPs (log scale)")
ax.set_ylabel("coverage of the informative features")
ax.set_title("Synthetic benchmark, 1000 samples")
fig.tight_layout()
plt.show()
