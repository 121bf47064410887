"""Univariate filters from scikit-learn: the ANOVA F statistic and mutual information.

Each scores every feature on its own against the target (scikit-learn's ``f_classif`` /
``f_regression`` and ``mutual_info_classif`` / ``mutual_info_regression``); with several
regression targets the scores of the targets are summed. They see each feature alone, so
they miss features that act only together (an interaction, a product).

FLOPs (estimates): the F statistic passes over the data a few times, ``3 × n × d``; the
mutual-information estimator (Kraskov et al., Ross) searches ``n_neighbors`` nearest
neighbours of each row in a tree per feature, counted as ``n × log2(n) × (n_neighbors + 1)``
per feature.
"""

from __future__ import annotations

from numbers import Integral

import joblib
import numpy as np
from sklearn.feature_selection import f_classif, f_regression, mutual_info_classif, mutual_info_regression

from .._sklearn import Interval, StrOptions
from ._scored import Scores, ScoreSelector, target_columns


class ANOVASelector(ScoreSelector):
    """Rank features by the ANOVA F statistic between the classes (``f_classif``); for
    regression by the F statistic of each feature's linear fit to the target (``f_regression``).

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
    task : {"auto", "classification", "regression"}, default="auto"
        What ``y`` is for; ``"auto"`` follows ``type_of_target(y)``.
    validation_fraction : float in (0, 1), default=0.2
        Rows a study's split sets apart as for every selector; the scores use them too.
    random_state : int, RandomState instance or None, default=None
        Seeds the split (the scores themselves draw nothing).

    Examples
    --------
    The classes differ in the means of features 2 and 4:

    >>> import numpy as np
    >>> from sparsefs.baselines import ANOVASelector
    >>> y = np.repeat([0, 1], 50)
    >>> X = np.random.RandomState(0).randn(100, 6) + np.outer(y, [0, 0, 2, 0, 1, 0])
    >>> ANOVASelector(2, random_state=0).fit(X, y).ranked_features_[:2].tolist()
    [2, 4]
    """

    name = "anova"
    label = "ANOVA F"
    metric = "f_statistic"
    tasks = ("classification", "regression")
    style = {"color": "#ff7f0e", "marker": "*"}

    _parameter_constraints: dict = {
        **ScoreSelector._parameter_constraints,
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

    def _scores(self, X, y, data):
        n, d = X.shape
        if data.task_name == "regression":
            importances = sum(f_regression(X, column)[0] for column in target_columns(y))
        else:
            importances = f_classif(X, y)[0]
        return Scores(importances, d, 3 * n * d)


class MutualInfoSelector(ScoreSelector):
    """Rank features by their estimated mutual information with the target
    (``mutual_info_classif``; ``mutual_info_regression`` for regression).

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
    n_neighbors : int, default=3
        Neighbours of the nearest-neighbour estimator (scikit-learn's default).
    n_jobs : int or None, default=None
        Features scored in parallel (a study sets its threads per cell).
    task : {"auto", "classification", "regression"}, default="auto"
        What ``y`` is for; ``"auto"`` follows ``type_of_target(y)``.
    validation_fraction : float in (0, 1), default=0.2
        Rows a study's split sets apart as for every selector; the scores use them too.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the small noise the estimator adds to continuous features.

    Examples
    --------
    The class is whether feature 1 is far from 0, which no linear trend shows:

    >>> import numpy as np
    >>> from sparsefs.baselines import MutualInfoSelector
    >>> X = np.random.RandomState(0).randn(200, 5)
    >>> y = (np.abs(X[:, 1]) > 0.7).astype(int)
    >>> int(MutualInfoSelector(1, random_state=0).fit(X, y).ranked_features_[0])
    1
    """

    name = "mutualinfo"
    label = "Mutual info"
    metric = "mutual_information"
    tasks = ("classification", "regression")
    style = {"color": "#9467bd", "marker": "X"}

    _parameter_constraints: dict = {
        **ScoreSelector._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "task": [StrOptions({"auto", *tasks})],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, estimator=None, cv=5, n_neighbors=3, n_jobs=None,
                 task="auto", validation_fraction=0.2, random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.cv = cv
        self.n_neighbors = n_neighbors
        self.n_jobs = n_jobs
        self.task = task
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _scores(self, X, y, data):
        n, d = X.shape
        options = {"n_neighbors": self.n_neighbors, "random_state": self._seed(), "n_jobs": self.n_jobs}
        # threads, not scikit-learn's default worker processes: starting those took seconds per
        # fit, more than scoring a small dataset
        with joblib.parallel_config(backend="threading"):
            if data.task_name == "regression":
                importances = sum(mutual_info_regression(X, column, **options) for column in target_columns(y))
            else:
                importances = mutual_info_classif(X, y, **options)
        flops = d * n * max(1, int(np.log2(max(n, 2)))) * (self.n_neighbors + 1)
        return Scores(importances, d, flops)
