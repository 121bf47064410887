"""
High-dimensional sparse input: a bag of words
=============================================

Text and other count data arrive as sparse matrices with tens of thousands of columns,
almost all zero. :class:`~sparsefs.SparseFeatureSelector` takes a SciPy CSR matrix as it is
(it never densifies it, not even one batch: the first layer reads each batch's non-zeros,
and sparse input is scaled but not centred), and with ``backend="sparse"`` the
network stores only its active weights, so a 20,000-input network at 99% sparsity fits in a
fraction of a dense network's memory.

The data are generated, so we know the answer: 2,000 documents over a 20,000-word
vocabulary, two classes, and 40 words whose frequency depends on the class; every other word
is drawn the same way for both classes.
"""

# %%
import numpy as np
import scipy.sparse as sp

from sparsefs import SparseFeatureSelector

rng = np.random.default_rng(0)
n_documents, n_words, words_per_document = 2000, 20_000, 80
informative = rng.choice(n_words, 40, replace=False)

# Word frequencies follow Zipf's law; the informative words get a class-dependent boost.
base = 1.0 / np.arange(1, n_words + 1) ** 1.1
base = rng.permutation(base)
y = rng.integers(0, 2, n_documents)
rows, columns = [], []
for document, label in enumerate(y):
    weights = base.copy()
    weights[informative[:20] if label else informative[20:]] += 3 * base.mean() * 40
    words = rng.choice(n_words, words_per_document, p=weights / weights.sum())
    rows.append(np.full(words_per_document, document))
    columns.append(words)
counts = np.ones(n_documents * words_per_document)
positions = (np.concatenate(rows), np.concatenate(columns))
X = sp.csr_matrix((counts, positions), shape=(n_documents, n_words))
X.sum_duplicates()
print(f"X: {X.shape[0]} x {X.shape[1]} CSR, {X.nnz} stored counts "
      f"({X.nnz / np.prod(X.shape):.2%} non-zero)")

# %%
# A SET network at 99% sparsity with truly sparse layers. ``standardize=False`` keeps
# the counts as they are (standardising would give every rare word the same scale as the
# common ones).
selector = SparseFeatureSelector(
    40, training="set", sparsity=0.99, backend="sparse", standardize=False,
    hidden_layer_sizes=(500, 50), max_epochs=15, random_state=0,
).fit(X, y)

found = np.intersect1d(selector.ranked_features_[:40], informative).size
print(f"informative words among the top 40: {found} of 40")
print("layer densities:", [f"{d:.4f}" for d in selector.layer_densities_])

# %%
# What the dense network of the same shape would store (weights and biases), against
# what the sparse one stores:
shapes = [(n_words, 500), (500, 50), (50, 2)]
dense_parameters = sum(n_in * n_out + n_out for n_in, n_out in shapes)
share = selector.n_parameters_ / dense_parameters
print(f"stored parameters: {selector.n_parameters_:,} sparse "
      f"vs {dense_parameters:,} dense ({share:.1%})")

# %%
# The selected words form a sparse matrix too: ``transform`` keeps CSR input sparse.
X_selected = selector.transform(X)
print(type(X_selected).__name__, X_selected.shape)
