"""What every ranking selector in sparsefs shares: its input and device checks, its top-k support."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.utils.validation import validate_data

from .data import check_sparse_input, zero_variance_features



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
    from .tasks import CLASSIFICATION

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
                  f"{'is' if taken == 1 else 'are'} selected by column order (lowest index first), not by importance", UserWarning, stacklevel=2)


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
