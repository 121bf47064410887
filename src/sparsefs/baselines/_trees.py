"""Tree ensembles from scikit-learn: the impurity importance of extremely randomised trees
and of a random forest.

A feature's importance is the forest's ``feature_importances_``: the impurity decrease
(Gini; squared error for regression) of every split on it, weighted by the rows reaching the
split, averaged over the trees (Breiman 2001; Geurts et al. 2006). The forest's other settings
are scikit-learn's defaults; ``n_estimators`` is 500 (more trees than the default 100 settle
the ranking of thousands of features). Trees see features together, so they find features
that act through interactions, and their importance is biased towards features with many
distinct values.

FLOPs (an estimate): each node compares each of the features it tries with the rows that
reach it, ``Σ_nodes rows(node) × max_features`` over the trees.
"""

from __future__ import annotations

import textwrap
from numbers import Integral, Real

from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor

from .._sklearn import Interval, StrOptions
from ._scored import Scores, ScoreSelector


class _ForestSelector(ScoreSelector):
    """The forest selectors' parameters and scoring; subclasses name their two forests."""

    tasks = ("classification", "regression")
    _forests: tuple = ()  # (classifier, regressor)

    _parameter_constraints: dict = {
        **ScoreSelector._parameter_constraints,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="right"),
                         StrOptions({"sqrt", "log2", "default"}), None],
        "n_jobs": [Integral, None],
        "task": [StrOptions({"auto", "classification", "regression"})],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, estimator=None, cv=5, n_estimators=500,
                 max_features="default", n_jobs=None, task="auto", validation_fraction=0.2, random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.cv = cv
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.n_jobs = n_jobs
        self.task = task
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _scores(self, X, y, data):
        forest_class = self._forests[data.task_name == "regression"]
        options = {} if self.max_features == "default" else {"max_features": self.max_features}
        forest = forest_class(n_estimators=self.n_estimators, n_jobs=self.n_jobs, random_state=self._seed(), **options)
        forest.fit(X, y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y)
        tried = _features_tried(forest.estimators_[0].max_features_, X.shape[1])
        node_rows = sum(int(tree.tree_.n_node_samples.sum()) for tree in forest.estimators_)
        nodes = sum(int(tree.tree_.node_count) for tree in forest.estimators_)
        return Scores(forest.feature_importances_, nodes, node_rows * tried, len(forest.estimators_))


def _features_tried(max_features: int, n_features: int) -> int:
    return max(1, min(int(max_features), n_features))


#: The parameters both forest selectors share, described once: each class's docstring stands
#: where its ``{forest parameters}`` line is (numpydoc pages list every parameter of a class).
_FOREST_PARAMETERS = """\
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
n_estimators : int, default=500
    Trees in the forest.
max_features : int, float, "sqrt", "log2", None or "default", default="default"
    Features tried at each split; "default" keeps scikit-learn's (``"sqrt"`` for classes,
    every feature for regression).
n_jobs : int or None, default=None
    Trees grown in parallel (a study sets its threads per cell).
task : {"auto", "classification", "regression"}, default="auto"
    What ``y`` is for; ``"auto"`` follows ``type_of_target(y)``.
validation_fraction : float in (0, 1), default=0.2
    Rows a study's split sets apart as for every selector; the forest uses them too.
"""


def _with_forest_parameters(cls):
    """Put the shared parameter descriptions in ``cls``'s docstring (absent under ``python -OO``)."""
    if cls.__doc__:
        cls.__doc__ = cls.__doc__.replace("    {forest parameters}\n", textwrap.indent(_FOREST_PARAMETERS, "    "))
    return cls


@_with_forest_parameters
class ExtraTreesSelector(_ForestSelector):
    """Rank features by the impurity importance of extremely randomised trees (scikit-learn's
    ``ExtraTreesClassifier`` / ``ExtraTreesRegressor``).

    Parameters
    ----------
    {forest parameters}
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the forest.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sparsefs.baselines import ExtraTreesSelector
    >>> X, y = make_classification(200, 20, n_informative=3, n_redundant=0, shuffle=False,
    ...                            random_state=0)
    >>> selector = ExtraTreesSelector(3, n_estimators=100, random_state=0).fit(X, y)
    >>> sorted(selector.ranked_features_[:3].tolist())
    [0, 1, 2]
    """

    name = "extratrees"
    label = "ExtraTrees"
    metric = "impurity_importance"
    style = {"color": "#98df8a", "marker": "d"}
    _forests = (ExtraTreesClassifier, ExtraTreesRegressor)


@_with_forest_parameters
class RandomForestSelector(_ForestSelector):
    """Rank features by the impurity importance of a random forest (scikit-learn's
    ``RandomForestClassifier`` / ``RandomForestRegressor``).

    Parameters
    ----------
    {forest parameters}
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the forest (its bootstrap samples and feature draws).

    Examples
    --------
    The features whose importance is at least the mean importance, as many as there are:

    >>> from sklearn.datasets import make_classification
    >>> from sparsefs.baselines import RandomForestSelector
    >>> X, y = make_classification(200, 20, n_informative=3, n_redundant=0, shuffle=False,
    ...                            random_state=0)
    >>> selector = RandomForestSelector(None, threshold="mean", n_estimators=100,
    ...                                 random_state=0).fit(X, y)
    >>> selector.get_support().nonzero()[0].tolist()
    [0, 1, 2]
    """

    name = "randomforest"
    label = "Random forest"
    metric = "impurity_importance"
    style = {"color": "#2ca02c", "marker": "h"}
    _forests = (RandomForestClassifier, RandomForestRegressor)
