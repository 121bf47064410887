"""How many features to keep: a count, a fraction, a threshold on the importance, or "auto".

The count and fraction follow scikit-learn's ``RFE``/``SequentialFeatureSelector``, the
threshold follows ``SelectFromModel``; ``"auto"`` scores the downstream estimator on the top-K
features over a grid of K (:func:`k_grid`) and stops when the gain falls below ``tol``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import check_cv, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def resolve_k(n_features_to_select, n_features: int) -> int | None:
    """The number of features an int, a fraction or ``None`` stands for (``None`` -> half).

    A fraction ``f`` in (0, 1] keeps ``int(f * n_features)`` features, as ``RFE`` and
    ``SequentialFeatureSelector`` do, but never fewer than one.

    Examples
    --------
    >>> from sparsefs.selector._kselect import resolve_k
    >>> resolve_k(10, 200), resolve_k(0.25, 10), resolve_k(None, 9), resolve_k(0.01, 50)
    (10, 2, 4, 1)
    """
    if n_features_to_select is None:
        return max(1, n_features // 2)
    if isinstance(n_features_to_select, Integral):
        return int(n_features_to_select)
    return max(1, int(n_features * float(n_features_to_select)))


def threshold_value(threshold, importances: np.ndarray) -> float:
    """``SelectFromModel``'s reading of a threshold: a number, ``"mean"``, ``"median"`` or
    ``"<scale>*mean"`` / ``"<scale>*median"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.selector._kselect import threshold_value
    >>> importances = np.array([1.0, 2.0, 3.0, 10.0])
    >>> threshold_value("mean", importances), threshold_value("1.5*median", importances), threshold_value(0.5, importances)
    (4.0, 3.75, 0.5)
    """
    if isinstance(threshold, str):
        try:  # a number written as text, as the command line passes it
            number = float(threshold)
        except ValueError:
            number = None
        if number is not None:
            return _finite(number, threshold)
        scale, star, reference = threshold.rpartition("*")
        reference = reference.strip()
        if reference not in ("mean", "median"):
            raise ValueError(
                f"threshold={threshold!r}: expected a number, 'mean', 'median' or e.g. '1.5*mean'"
            )
        try:
            factor = float(scale) if star else 1.0
        except ValueError:
            raise ValueError(f"threshold={threshold!r}: {scale.strip()!r} is not a number") from None
        _finite(factor, threshold)
        return factor * float(np.mean(importances) if reference == "mean" else np.median(importances))
    return _finite(float(threshold), threshold)


def _finite(value: float, threshold) -> float:
    if not np.isfinite(value):
        raise ValueError(f"threshold={threshold!r}: not a finite number")
    return value


def check_threshold(threshold) -> None:
    """Reject an unreadable threshold before training (the parameter constraints allow any str).

    Examples
    --------
    >>> from sparsefs.selector._kselect import check_threshold
    >>> check_threshold("2*mean")
    """
    if threshold is not None:
        threshold_value(threshold, np.zeros(1))


def threshold_mask(importances: np.ndarray, threshold, max_features: int | None) -> np.ndarray:
    """``SelectFromModel``'s support: importance ``>= threshold``, at most ``max_features`` of them.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.selector._kselect import threshold_mask
    >>> threshold_mask(np.array([1.0, 5.0, 3.0, 0.0]), "mean", None)
    array([False,  True,  True, False])
    """
    mask = np.ones(len(importances), dtype=bool)
    if max_features is not None:
        mask[:] = False
        mask[np.argsort(-importances, kind="mergesort")[:max_features]] = True
    mask[importances < threshold_value(threshold, importances)] = False
    return mask


def k_grid(n_features: int) -> list[int]:
    """The K tried by ``"auto"``: 1, 2, 5, 10, 20, 50, ... below ``n_features``, then ``n_features``.

    Examples
    --------
    >>> from sparsefs.selector._kselect import k_grid
    >>> k_grid(617)
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 617]
    """
    grid, decade = [], 1
    while decade < n_features:
        grid += [decade * step for step in (1, 2, 5) if decade * step < n_features]
        decade *= 10
    return grid + [n_features]


def default_estimator(task="classification"):
    """The downstream estimator of ``"auto"``: standardisation, then an RBF SVM (``SVC`` for
    a task of class labels, ``SVR`` for continuous targets), as in the paper's evaluation.
    ``task``: a :class:`~sparsefs.tasks.Task` or its registered name.

    Examples
    --------
    >>> from sparsefs.selector._kselect import default_estimator
    >>> [name for name, _ in default_estimator().steps], [name for name, _ in default_estimator("regression").steps]
    (['standardscaler', 'svc'], ['standardscaler', 'svr'])
    """
    from sklearn.svm import SVC, SVR

    from ..registry import TASKS

    task = TASKS[task] if isinstance(task, str) else task
    return make_pipeline(StandardScaler(), SVC() if task.class_labels else SVR())


#: The smallest rise of the "auto" score worth a larger K, unless a selector sets its own ``tol``.
DEFAULT_TOL = 0.01

#: "auto" stops after this many grid steps in a row without a gain of ``tol`` over the best K
#: so far: one step is too few, since a ranking's next features may be redundant with the first.
AUTO_PATIENCE = 2


def auto_folds(X, y, estimator, cv, classes=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train, test)`` rows of every fold ``"auto"`` scores each K on, checked before any
    training: ``cv`` as ``cross_val_score`` reads it (stratified folds for a classifier).

    Refused, with a ``ValueError`` naming ``cv``: folds scikit-learn cannot make (stratified
    folds need ``cv`` rows of some class; ``classes`` names the labels behind class indices
    ``y``), and for a regressor, scored by R², a test fold of fewer than 2 rows, where R² is
    undefined (NaN): a NaN score must never choose K.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs._kselect import auto_folds, default_estimator
    >>> X, y = np.zeros((8, 2)), np.arange(8.0)
    >>> len(auto_folds(X, y, default_estimator("regression"), cv=4))
    4
    >>> auto_folds(X, y, default_estimator("regression"), cv=5)
    Traceback (most recent call last):
    ...
    ValueError: n_features_to_select='auto' scores each K by R² on cv=5 folds, but a test fold of the 8 rows holds only 1 (R² needs 2): pass a smaller cv (at most 4 here)
    """
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    try:
        folds = list(splitter.split(X, y))
    except ValueError as error:
        hint = ""
        if is_classifier(estimator):
            codes, counts = np.unique(y, return_counts=True)
            largest = codes[np.argmax(counts)]
            label = classes[largest] if classes is not None else largest
            label = label.item() if isinstance(label, np.generic) else label
            hint = f" (the largest class, {label!r}, has {counts.max()} rows)"
        raise ValueError(f"n_features_to_select='auto' cannot cross-validate with cv={cv!r}: "
                         f"{str(error).rstrip('.')}{hint}; pass a smaller cv") from None
    smallest = min(len(test) for _, test in folds)
    if is_regressor(estimator) and smallest < 2:
        n_rows = _n_rows(X)
        raise ValueError(f"n_features_to_select='auto' scores each K by R² on cv={cv!r} folds, but a test fold of the "
                         f"{n_rows} rows holds only {smallest} (R² needs 2): pass a smaller cv "
                         f"(at most {max(2, n_rows // 2)} here)")
    return folds


def choose_k_auto(X, y, importances: np.ndarray, estimator, tol: float, cv) -> tuple[int, dict[int, float]]:
    """K by the cross-validated score of ``estimator`` on the top-K features, K over :func:`k_grid`.

    K moves up the grid while the mean score rises; a K becomes the choice when its score
    beats the current choice's by at least ``tol``, and the search stops after
    ``AUTO_PATIENCE`` (2) grid steps in a row that do not. Returns the choice and every score
    computed. ``cv``: as ``cross_val_score`` takes it, or the folds of :func:`auto_folds`. A fit
    that fails in a fold raises its error, and a score that is not a number is refused: a K is
    never chosen by NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sparsefs.selector._kselect import choose_k_auto, default_estimator
    >>> X, y = make_classification(200, 30, n_informative=4, n_redundant=0, shuffle=False, random_state=0)
    >>> importances = np.r_[np.ones(4), np.zeros(26)]
    >>> k, scores = choose_k_auto(X, y, importances, default_estimator(), tol=0.01, cv=3)
    >>> k in scores, 1 <= k <= 30
    (True, True)
    """
    if not isinstance(cv, list):
        cv = auto_folds(X, y, estimator, cv)
    order = np.argsort(-importances, kind="stable")
    scores: dict[int, float] = {}
    best_k, misses = None, 0
    for k in k_grid(len(importances)):
        columns = _columns(X, order[:k])
        fold_scores = cross_val_score(clone(estimator), columns, y, cv=cv, error_score="raise")
        if not np.isfinite(fold_scores).all():
            raise ValueError(f"n_features_to_select='auto': the score of the top {k} feature(s) is {fold_scores.tolist()} "
                             f"over the folds: not a number, so no K can be chosen by it; check the estimator's "
                             "score on folds this small, or pass another cv")
        scores[k] = float(np.mean(fold_scores))
        if best_k is None or scores[k] - scores[best_k] >= tol:
            best_k, misses = k, 0
            continue
        misses += 1
        if misses == AUTO_PATIENCE:
            break
    return best_k, scores


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _columns(X, features: np.ndarray) -> np.ndarray:
    if sp.issparse(X):
        return sp.csc_matrix(X)[:, features].toarray()
    return np.asarray(X)[:, features]


def is_fraction(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, Integral)
