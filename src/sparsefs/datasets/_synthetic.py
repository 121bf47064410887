"""The synthetic benchmark of the paper's appendix C (the method page §8)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_classification
from sklearn.utils import check_random_state


def make_synthetic(n_samples: int, n_features: int = 200, n_informative: int = 100, random_state=None):
    """A binary problem whose informative features are known.

    ``n_informative`` informative features (scikit-learn's ``make_classification``: Gaussian
    clusters on a hypercube, no redundant or repeated features) are mixed at random positions
    among ``n_features - n_informative`` pure-noise features. Returns ``X, y, informative``,
    ``informative`` being the sorted column indices of the informative features.

    Examples
    --------
    >>> from sparsefs.datasets import make_synthetic
    >>> X, y, informative = make_synthetic(500, random_state=0)
    >>> X.shape, sorted(set(y.tolist())), len(informative)
    ((500, 200), [0, 1], 100)
    """
    if not 0 < n_informative <= n_features:
        raise ValueError(f"need 0 < n_informative <= n_features, got {n_informative} and {n_features}")
    rng = check_random_state(random_state)
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=0,
        n_repeated=0,
        n_classes=2,
        shuffle=False,
        random_state=rng,
    )
    order = rng.permutation(n_features)  # column j of the result is column order[j] of X
    informative = np.sort(np.flatnonzero(order < n_informative))
    return X[:, order], y, informative
