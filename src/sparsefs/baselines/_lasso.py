"""Lasso: L1-regularised logistic regression (scikit-learn), features ranked by |coefficient|;
for regression, scikit-learn's ``Lasso`` (least squares with an L1 penalty, ``alpha = 1 / (C·n)``
so that ``C`` means the same trade-off as in the logistic model).

scikit-learn's ``liblinear`` solver fits the L1 problem (one binary problem per class,
one-vs-rest, when there are more than two classes); a feature's importance is the sum over
the class problems of its absolute coefficient. Features the L1 penalty zeroes share
importance 0 and rank after every feature with a non-zero coefficient, in column order.

FLOPs (the method page §6): each liblinear outer iteration evaluates the linear model and its
gradient on all training rows; it is counted as one full-batch training step of a linear
layer, ``3 × 2 × n_train × n_features``, summed over the iterations of every class problem.
"""

from __future__ import annotations

import threading
from numbers import Integral, Real

import numpy as np
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.metrics import log_loss
from sklearn.multiclass import OneVsRestClassifier

from .. import costs
from .._sklearn import L1_PENALTY, Interval, StrOptions
from ._base import BaselineSelector, FittedModel, SplitData


#: liblinear draws its coordinate order from the C library's process-wide ``rand()``, seeded by
#: ``srand(random_state)`` at the start of each fit, and releases the GIL while it trains: two
#: fits in threads of one process (joblib's threading backend) interleave their draws, so each
#: one's result depends on the other's timing. Fits in one process take turns instead, each
#: drawing its whole sequence from its own seed. (Processes have their own ``rand()`` state.)
_LIBLINEAR = threading.Lock()


class LassoSelector(BaselineSelector):
    """Rank features by the absolute coefficients of an L1-regularised logistic regression.

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
    C : float, default=1.0
        Inverse L1 regularisation strength (smaller: fewer non-zero coefficients).
    max_iter : int, default=1000
        Iteration limit of the liblinear solver.
    tol : float, default=1e-4
        Stopping tolerance of the solver.
    task : {"auto", "classification", "regression"}, default="auto"
        What ``y`` is for; ``"auto"`` follows ``type_of_target(y)``. Name ``"regression"`` for
        whole-number targets (counts), which would otherwise be read as classes.
    validation_fraction : float in (0, 1), default=0.2
        Rows held out (stratified) for the validation loss.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and liblinear's coordinate order.

    See Also
    --------
    sparsefs.SparseFeatureSelector : The sparse network's selection these baselines are compared with.
    sklearn.linear_model.LogisticRegression : The L1 logistic regression it fits.
    sklearn.linear_model.Lasso : The regression it fits for continuous targets.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sparsefs.baselines import LassoSelector
    >>> X, y = make_classification(200, 20, n_informative=3, n_redundant=0, shuffle=False,
    ...                            random_state=0)
    >>> selector = LassoSelector(3, C=0.1, random_state=0).fit(X, y)
    >>> sorted(selector.ranked_features_[:3].tolist())
    [0, 1, 2]
    >>> selector.training_flops_ > 0
    True
    """

    name = "lasso"
    label = "Lasso"
    metric = "abs_coefficient"
    tasks = ("classification", "regression")
    in_paper = True
    style = {"color": "#7f7f7f", "marker": "s"}

    _parameter_constraints: dict = {
        **BaselineSelector._parameter_constraints,
        "C": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "task": [StrOptions({"auto", *tasks})],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, estimator=None, cv=5, C=1.0, max_iter=1000,
                 tol=1e-4, task="auto", validation_fraction=0.2, random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.cv = cv
        self.task = task
        self.C = C
        self.max_iter = max_iter
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _fit_model(self, data: SplitData) -> FittedModel:
        if not data.task.class_labels:  # continuous targets: least squares with the L1 penalty
            return self._fit_regression(data)
        l1 = LogisticRegression(C=self.C, **L1_PENALTY, solver="liblinear", max_iter=self.max_iter, tol=self.tol,
                                random_state=self._seed())
        # n_jobs=1: the binary problems run one after another under the lock. With n_jobs=None,
        # inside a joblib backend (a Dask worker) they would become tasks of that backend, waited
        # for while the lock is held: another cell's thread on the same worker, blocked on the
        # lock, could hold the only slot those tasks need (a deadlock seen on a Dask cluster).
        model = l1 if data.n_classes == 2 else OneVsRestClassifier(l1, n_jobs=1)
        with _LIBLINEAR:
            model.fit(data.X_train, data.y_train)
        problems = [model] if data.n_classes == 2 else model.estimators_
        coefficients = np.vstack([problem.coef_ for problem in problems])
        iterations = sum(int(np.max(problem.n_iter_)) for problem in problems)
        n_train, n_features = data.X_train.shape
        probabilities = model.predict_proba(data.X_val)
        return FittedModel(
            importances=np.abs(coefficients).sum(axis=0),
            val_loss=log_loss(data.y_val, probabilities, labels=np.arange(data.n_classes)),
            n_parameters=coefficients.size + len(problems),  # coefficients and intercepts
            training_flops=iterations * costs.training_step_flops([n_features], n_train),
            n_iterations=iterations,
        )

    def _fit_regression(self, data: SplitData) -> FittedModel:
        n_train, n_features = data.X_train.shape
        # liblinear minimises C * sum(loss) + |w|_1; Lasso minimises sum(loss) / (2 n) + alpha |w|_1
        model = Lasso(alpha=1.0 / (2.0 * self.C * n_train), max_iter=self.max_iter, tol=self.tol,
                      selection="random", random_state=self._seed())
        model.fit(data.X_train, data.y_train)
        coefficients = np.atleast_2d(model.coef_)
        predictions = model.predict(data.X_val).reshape(len(data.X_val), -1)
        iterations = int(np.max(model.n_iter_))
        return FittedModel(
            importances=np.abs(coefficients).sum(axis=0),
            val_loss=float(((predictions - data.y_val) ** 2).sum(axis=1).mean()),
            n_parameters=coefficients.size + coefficients.shape[0],
            training_flops=iterations * costs.training_step_flops([n_features * coefficients.shape[0]], n_train),
            n_iterations=iterations,
        )
