"""Unsupervised baselines: the variance of each feature, the Laplacian score, a random ranking.

QuickSelection (Atashgahi et al., Machine Learning 2022) compares its autoencoder's neuron
strength with these. Neither looks at labels; like every baseline they are fitted on the
training rows of the same split as the networks, and have no validation loss (a single
configuration each: their ``val_loss_`` is 0).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.neighbors import kneighbors_graph

from .._sklearn import Interval, StrOptions
from ._base import BaselineSelector, FittedModel, SplitData


class VarianceSelector(BaselineSelector):
    """Rank features by their variance on the training rows (scikit-learn's
    ``VarianceThreshold`` criterion), the simplest unsupervised ranking.

    Parameters
    ----------
    n_features_to_select : int, float or None, default=100
        How many features ``transform`` keeps: a count, a fraction of the features, or
        ``None`` (half; with a ``threshold``, no limit).
    threshold : str, float or None, default=None
        Keep the features whose importance is at least this (``SelectFromModel``'s: a number,
        ``"mean"``, ``"median"``, ``"1.5*mean"``); ``n_features_to_select`` then caps the count.
    validation_fraction : float in (0, 1), default=0.2
        Rows left out, as for every selector (the networks' validation rows).
    random_state : int, RandomState instance or None, default=None
        Seeds the split.

    See Also
    --------
    LaplacianScoreSelector : An unsupervised ranking that looks at the rows' neighbourhoods.
    sklearn.feature_selection.VarianceThreshold : The same criterion as a threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.baselines import VarianceSelector
    >>> X = np.random.RandomState(0).randn(50, 4) * [1, 5, 0.1, 2]
    >>> VarianceSelector(2, random_state=0).fit(X).ranked_features_[:2].tolist()
    [1, 3]
    """

    name = "variance"
    label = "Variance"
    metric = "variance"
    tasks = ("unsupervised",)
    style = {"color": "#8c564b", "marker": "v"}

    def __init__(self, n_features_to_select=100, *, threshold=None, validation_fraction=0.2, random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _fit_model(self, data: SplitData) -> FittedModel:
        n_train, n_features = data.X_train.shape
        return FittedModel(data.feature_scale**2, 0.0, n_features, 3 * n_train * n_features, 1)


class LaplacianScoreSelector(BaselineSelector):
    """Rank features by the Laplacian score (He, Cai and Niyogi, NeurIPS 2005): how well a
    feature respects the neighbourhoods of a k-nearest-neighbour graph of the rows.

    On the (standardised) training rows, the graph joins each row to its ``n_neighbors``
    nearest, weighted ``exp(-|x_i - x_j|^2 / t)`` with ``t`` the mean squared distance of the
    joined pairs. A feature's score is ``f~' L f~ / f~' D f~`` (``L = D - S``, ``f~`` the feature
    centred with the degrees as weights); smaller is better, and the importance is the largest
    score minus the feature's own, so that larger means more important.

    Parameters
    ----------
    n_features_to_select : int, float or None, default=100
        How many features ``transform`` keeps: a count, a fraction of the features, or
        ``None`` (half; with a ``threshold``, no limit).
    threshold : str, float or None, default=None
        Keep the features whose importance is at least this (``SelectFromModel``'s: a number,
        ``"mean"``, ``"median"``, ``"1.5*mean"``); ``n_features_to_select`` then caps the count.
    n_neighbors : int, default=5
        The graph's neighbours per row (the paper's choice).
    validation_fraction : float in (0, 1), default=0.2
        Rows left out, as for every selector (the networks' validation rows).
    random_state : int, RandomState instance or None, default=None
        Seeds the split.

    See Also
    --------
    VarianceSelector : The simplest unsupervised ranking.
    sparsefs.SparseFeatureSelector : Unsupervised selection with a sparse autoencoder (``fit(X)``).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.baselines import LaplacianScoreSelector
    >>> rng = np.random.RandomState(0)
    >>> groups = np.repeat([0.0, 5.0], 30)
    >>> X = np.c_[rng.randn(60), groups + rng.randn(60) * 0.3, rng.randn(60)]
    >>> int(LaplacianScoreSelector(1, random_state=0).fit(X).ranked_features_[0])
    1
    """

    name = "laplacian"
    label = "Laplacian"
    metric = "laplacian_score"
    tasks = ("unsupervised",)
    style = {"color": "#e377c2", "marker": "^"}

    _parameter_constraints: dict = {
        **BaselineSelector._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, n_neighbors=5, validation_fraction=0.2,
                 random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.n_neighbors = n_neighbors
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _fit_model(self, data: SplitData) -> FittedModel:
        X = data.X_train.astype(np.float64)
        n_train, n_features = X.shape
        k = min(self.n_neighbors, n_train - 1)
        distances = kneighbors_graph(X, k, mode="distance", include_self=False)
        distances = distances.maximum(distances.T).tocsr()  # symmetric: i~j if either is a neighbour
        squared = distances.data**2
        t = squared.mean() if squared.size and squared.mean() > 0 else 1.0
        weights = distances.copy()
        weights.data = np.exp(-squared / t)
        degree = np.asarray(weights.sum(axis=1)).ravel()
        centred = X - (degree @ X) / degree.sum()
        spread = degree @ centred**2  # f~' D f~, per feature
        smoothness = spread - np.einsum("ij,ij->j", centred, weights @ centred)  # f~' (D - S) f~
        scores = np.divide(smoothness, spread, out=np.full(n_features, np.inf), where=spread > 1e-12)
        finite = np.isfinite(scores)
        importances = np.zeros(n_features)
        if finite.any():
            importances[finite] = scores[finite].max() - scores[finite]  # constant features stay at 0
        flops = 2 * n_train * n_train * n_features + 4 * weights.nnz * n_features
        return FittedModel(importances, 0.0, int(weights.nnz), int(flops), 1)


class RandomSelector(BaselineSelector):
    """A seeded random ranking: the yardstick any selection must beat (for every task).

    Parameters
    ----------
    n_features_to_select : int, float, None or "auto", default=100
        How many features ``transform`` keeps, as for :class:`~sparsefs.SparseFeatureSelector`:
        a count, a fraction of the features, ``None`` (half; with a ``threshold``, no limit) or
        ``"auto"`` (the cross-validated score of ``estimator`` over a grid of K).
    threshold : str, float or None, default=None
        Keep the features whose importance is at least this (``SelectFromModel``'s: a number,
        ``"mean"``, ``"median"``, ``"1.5*mean"``); ``n_features_to_select`` then caps the count.
    estimator : estimator or None, default=None
        The downstream estimator ``"auto"`` scores (``None``: standardisation and an RBF SVM).
    cv : int, cross-validation generator or iterable, default=5
        The cross-validation of ``"auto"``.
    task : {"auto", "classification", "regression", "unsupervised"}, default="auto"
        What ``y`` is for (the ranking ignores it, but the split follows it); ``"auto"`` follows
        ``type_of_target(y)``, and no ``y`` is unsupervised.
    validation_fraction : float in (0, 1), default=0.2
        Rows left out, as for every selector.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the ranking.

    See Also
    --------
    sparsefs.importance.RandomImportance : The same yardstick inside the network (``importance="random"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.baselines import RandomSelector
    >>> X = np.random.RandomState(0).randn(20, 6)
    >>> a = RandomSelector(3, random_state=1).fit(X).ranked_features_
    >>> b = RandomSelector(3, random_state=1).fit(X).ranked_features_
    >>> bool((a == b).all())
    True
    """

    name = "random"
    label = "Random"
    metric = "random"
    tasks = ("classification", "regression", "unsupervised")
    style = {"color": "#c7c7c7", "marker": "x"}

    _parameter_constraints: dict = {
        **BaselineSelector._parameter_constraints,
        "task": [StrOptions({"auto", *tasks})],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, estimator=None, cv=5, task="auto",
                 validation_fraction=0.2, random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.cv = cv
        self.task = task
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _fit_model(self, data: SplitData) -> FittedModel:
        n_features = data.X_train.shape[1]
        rng = np.random.default_rng(self._seed())
        return FittedModel(rng.random(n_features), 0.0, 0, 0, 1)

