"""What every ranking selector in sparsefs shares: :class:`RankingSelector`, the base of
:class:`~sparsefs.SparseFeatureSelector` and of every baseline, with its input checks, its
split, its ranks and its selection by count, fraction, threshold or "auto"."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kselect
from .._sklearn import HasMethods, Interval, RealNotInt, StrOptions, _fit_context
from ..batches import check_sparse_input, zero_variance_features
from ..splitting import validation_split


class RankingSelector(SelectorMixin, BaseEstimator):
    """Base class of every selector that ranks features by an importance: the steps they share.

    ``fit`` resolves the task (``_task``), checks ``X`` and ``y`` (``check_selection_input``),
    forgets every fitted attribute of an earlier fit, lets the subclass score the features
    (``_rank``, which sets ``feature_importances_``), ranks
    them (``ranking_``, ``ranked_features_``) and chooses how many to keep
    (``n_features_to_select_``): ``n_features_to_select`` as a count, a fraction of the
    features (``None``: half), ``"auto"`` (the cross-validated score of ``estimator`` over a
    grid of K, ``k_scores_``), or ``threshold`` (``SelectFromModel``'s, capped by a count). Its
    split of the rows into training and validation rows (``_split``) is the same for
    every selector, so that selectors fitted on the same rows train and validate on the same
    rows.

    Subclasses set their parameters and implement ``_rank``; the parameters ``threshold``,
    ``estimator``, ``tol`` and ``cv`` are read where a subclass has them (else: no threshold,
    the default estimator, ``tol=0.01``, ``cv=5``; ``_auto_tol`` says which ``tol``).

    Examples
    --------
    A selector that ranks features by their variance on the training rows:

    >>> import numpy as np
    >>> from sparsefs.selector import RankingSelector
    >>> class Spread(RankingSelector):
    ...     def __init__(self, n_features_to_select=None, *, threshold=None,
    ...                  validation_fraction=0.2, random_state=None):
    ...         self.n_features_to_select = n_features_to_select
    ...         self.threshold = threshold
    ...         self.validation_fraction = validation_fraction
    ...         self.random_state = random_state
    ...     def _rank(self, X, targets, task):
    ...         train, _ = self._split(X.shape[0], targets.strata, self.random_state,
    ...                                self.validation_fraction)
    ...         self.feature_importances_ = X[train].var(axis=0)
    >>> X = np.random.RandomState(0).randn(40, 4) * [1, 5, 0.1, 2]
    >>> Spread(0.5, random_state=0).fit(X).get_support().tolist()
    [False, True, False, True]
    >>> Spread(threshold="mean", random_state=0).fit(X).n_features_to_select_
    1
    """

    _parameter_constraints: dict = {
        "n_features_to_select": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            StrOptions({"auto"}),
            None,
        ],
        "threshold": [str, Interval(Real, None, None, closed="neither"), None],
        "estimator": [HasMethods(["fit", "score"]), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, **fit_params):
        """Score the features on ``(X, y)`` (or ``X`` alone, unsupervised), rank them and choose K."""
        self._check_settings()
        task = self._task(y)
        self._check_task(task)
        self._forget_fit()
        X, targets = check_selection_input(self, X, y, task)
        values = targets.values
        if values is not None and values.ndim == 2 and values.shape[1] == 1:
            values = values.ravel()  # one regression target: the 1-D y estimators expect
        # "auto"'s folds, checked before the work: a cv these rows cannot take fails now, not after it
        folds = None if self.n_features_to_select != "auto" else _kselect.auto_folds(
            X, values, self._auto_estimator(task), getattr(self, "cv", 5), targets.classes)
        self.task_ = task.name
        self._rank(X, targets, task, **fit_params)
        self.ranking_, self.ranked_features_ = ranks(self.feature_importances_)
        self._choose_k(X, values, task, folds)
        self._after_selection()
        return self

    def _rank(self, X, targets, task, **fit_params) -> None:
        """Score every feature of the checked ``X``: set ``feature_importances_`` (and whatever
        else the selector reports)."""
        raise NotImplementedError

    def _after_selection(self) -> None:
        """Called once K is chosen (the selector's stability over repeats, for one)."""

    def _task(self, y):
        """The task of this fit: the ``task`` parameter where the selector has one, else ``y``'s."""
        from ..tasks import resolve_task

        return resolve_task(getattr(self, "task", "auto"), y)

    def _check_task(self, task) -> None:
        """What this fit's task rules out, before any work."""
        if self.n_features_to_select == "auto" and not task.supervised:
            raise ValueError("n_features_to_select='auto' scores a downstream estimator on y; it needs a supervised task")

    def _check_settings(self) -> None:
        """What the parameter constraints cannot say, checked without fitting (a study's
        configuration is judged by this before any cell runs, possibly on other machines).
        Subclasses extend it."""
        threshold = getattr(self, "threshold", None)
        _kselect.check_threshold(threshold)
        if threshold is not None and self.n_features_to_select == "auto":
            raise ValueError("n_features_to_select='auto' chooses K itself; it cannot be combined with a threshold")

    def _forget_fit(self) -> None:
        """Remove every fitted attribute (``name_``) of an earlier fit: a refit leaves nothing of
        it behind, whichever attributes this fit sets (scikit-learn's convention)."""
        for name in [name for name in vars(self) if name.endswith("_") and not name.startswith("_")]:
            delattr(self, name)

    @staticmethod
    def _split(n_samples: int, strata, random_state, fraction: float) -> tuple[np.ndarray, np.ndarray | None]:
        """``(training rows, validation rows)`` (:func:`sparsefs.splitting.validation_split`:
        stratified by ``strata`` when given); ``fraction`` 0: every row trains, none validates."""
        if fraction > 0:
            return validation_split(n_samples, fraction, random_state, strata=strata)
        return np.arange(n_samples), None

    def _choose_k(self, X, y, task, folds=None) -> None:
        """``n_features_to_select_`` from ``n_features_to_select``, ``threshold`` and the importances
        (``folds``: those "auto" was checked with)."""
        importances, n_features = self.feature_importances_, self.n_features_in_
        threshold = getattr(self, "threshold", None)
        if threshold is not None:
            cap = None if self.n_features_to_select is None else _kselect.resolve_k(self.n_features_to_select, n_features)
            self.n_features_to_select_ = int(_kselect.threshold_mask(importances, threshold, cap).sum())
        elif self.n_features_to_select == "auto":
            self.n_features_to_select_, self.k_scores_ = _kselect.choose_k_auto(
                X, y, importances, self._auto_estimator(task), self._auto_tol(),
                getattr(self, "cv", 5) if folds is None else folds,
            )
        else:
            self.n_features_to_select_ = _kselect.resolve_k(self.n_features_to_select, n_features)

    def _auto_estimator(self, task):
        """The downstream estimator that ``"auto"`` scores: ``estimator`` where the selector has
        one, else the default for the task."""
        estimator = getattr(self, "estimator", None)
        return _kselect.default_estimator(task) if estimator is None else estimator

    def _auto_tol(self) -> float:
        """The smallest rise of the ``"auto"`` score worth a larger K: ``tol`` where the selector
        has it for that, else ``sparsefs.selector._kselect.DEFAULT_TOL``."""
        return float(getattr(self, "tol", _kselect.DEFAULT_TOL))

    def _get_support_mask(self):
        check_is_fitted(self)
        return top_k_mask(self.ranked_features_, self.n_features_to_select_)

    def __sklearn_tags__(self):
        from ..registry import TASKS
        from ..tasks import Task

        tags = super().__sklearn_tags__()
        task = getattr(self, "task", "auto")
        task = TASKS[task] if isinstance(task, str) and task in TASKS else task
        # fit(X) alone is unsupervised selection, unless a supervised task is named
        tags.target_tags.required = isinstance(task, Task) and task.supervised
        tags.input_tags.sparse = True
        return tags



def check_selection_input(estimator, X, y, task=None):
    """Validate ``(X, y)`` for ``estimator``: ``X`` as float32 (CSR if sparse), ``y`` as the task's targets.

    Sets ``n_features_in_`` (and ``feature_names_in_``), and ``classes_`` for classification.
    Returns ``(X, targets)`` (a :class:`sparsefs.tasks.Targets`). Raises a ``ValueError``
    naming the problem for non-numeric columns, NaN or infinite values, mismatched lengths, a
    1-D ``X``, a missing ``y`` where the task needs one, the task's own target problems (missing
    labels, fewer than 2 classes, non-finite or constant regression targets), or
    ``n_features_to_select`` larger than the number of features. An unsupervised task ignores
    ``y``, as scikit-learn's unsupervised estimators do (a pipeline passes it to every step).
    A malformed sparse matrix (negative or out-of-range indices, index arrays that disagree with
    the shape) is refused too; torch sparse tensors are accepted and converted.
    """
    from ..tasks import CLASSIFICATION

    task = CLASSIFICATION if task is None else task
    _reject_non_numeric_columns(X)
    if sp.issparse(X) or (isinstance(X, torch.Tensor) and X.layout != torch.strided):
        X = check_sparse_input(X)  # malformed indices or shapes: one message, before any copy
    X = validate_data(estimator, X, accept_sparse="csr", dtype=np.float32, ensure_min_samples=2)
    if zero_variance_features(X).all():  # every importance would be 0, the ranking the column order
        raise ValueError(f"every feature of X is constant (the same value in all {X.shape[0]} rows): there is "
                         "nothing to rank them by")
    if task.supervised:
        if y is None:
            raise ValueError(f"task={task.name!r} needs y; leave y out only for task='unsupervised' (or 'auto')")
        if isinstance(y, (pd.Series, pd.DataFrame)):
            y = y.to_numpy()
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {'no rows' if y.ndim == 0 else len(y)}")
    targets = task.targets(y if task.supervised else None, X.shape[0])
    if targets.classes is not None:
        estimator.classes_ = targets.classes
    elif hasattr(estimator, "classes_"):
        del estimator.classes_  # from an earlier classification fit
    k = getattr(estimator, "n_features_to_select", None)
    # A fraction, None or "auto" always fits; with a threshold an int is only a cap.
    if isinstance(k, Integral) and k > estimator.n_features_in_ and getattr(estimator, "threshold", None) is None:
        raise ValueError(
            f"n_features_to_select={k} is larger than the {estimator.n_features_in_} features of X"
        )
    return X, targets


def ranks(importances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ranking, order)``: each feature's rank (1 = most important, scikit-learn's ``ranking_``)
    and the feature indices from most to least important; ties go to the lower index."""
    order = np.argsort(-np.asarray(importances), kind="stable")
    ranking = np.empty(len(order), dtype=np.int64)
    ranking[order] = np.arange(1, len(order) + 1)
    return ranking, order


def warn_tied_cut(importances: np.ndarray, order: np.ndarray, k: int) -> None:
    """Warn when the top ``k`` of ``order`` end inside a group of equal importances: which of
    them are selected is then the column order's choice, not the importance's."""
    if not 0 < k < len(order) or importances[order[k - 1]] != importances[order[k]]:
        return
    value = importances[order[k - 1]]
    tied = int(np.sum(importances == value))
    taken = k - int(np.sum(importances > value))
    warnings.warn(f"the top {k} features end among {tied} tied at importance {value:.4g}: {taken} of them "
                  f"{'is' if taken == 1 else 'are'} selected by column order (lowest index first), not by importance",
                  UserWarning, stacklevel=2)


def check_layer_sizes(sizes, name: str) -> tuple[int, ...]:
    """Hidden layer sizes as positive ints; ``ValueError`` naming ``name`` otherwise."""
    sizes = tuple(sizes)
    if not all(isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 1 for size in sizes):
        raise ValueError(f"{name} must be positive integers, got {list(sizes)!r}")
    return tuple(int(size) for size in sizes)


def top_k_mask(ranking: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the first ``k`` features of ``ranking``."""
    mask = np.zeros(len(ranking), dtype=bool)
    mask[ranking[:k]] = True
    return mask


def _reject_non_numeric_columns(X) -> None:
    if isinstance(X, pd.DataFrame):
        bad = [str(col) for col, dtype in X.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
        if bad:
            shown = ", ".join(bad[:5]) + (", ..." if len(bad) > 5 else "")
            raise ValueError(f"X has {len(bad)} non-numeric column(s): {shown}; encode them as numbers first")
