"""What every ranking selector in sparsefs shares: its input and device checks, its top-k support."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._labels import encode_labels


def check_selection_input(estimator, X, y) -> tuple[object, np.ndarray, np.ndarray]:
    """Validate ``(X, y)`` for ``estimator``: ``X`` as float32 (CSR if sparse), the labels, their codes.

    Sets ``n_features_in_`` (and ``feature_names_in_``) and ``classes_``; raises a
    ``ValueError`` naming the problem for non-numeric columns, NaN or infinite values,
    mismatched lengths, a 1-D ``X``, fewer than 2 classes, or ``n_features_to_select`` larger
    than the number of features.
    """
    _reject_non_numeric_columns(X)
    X, y = validate_data(estimator, X, y, accept_sparse="csr", dtype=np.float32, ensure_min_samples=2)
    estimator.classes_, codes = encode_labels(y)  # refuses missing labels before they become a class
    check_classification_targets(y)
    if len(estimator.classes_) < 2:
        only = estimator.classes_[0]
        only = only.item() if isinstance(only, np.generic) else only  # 0, not np.int64(0)
        raise ValueError(f"y has 1 class ({only!r}); feature selection needs at least 2 classes")
    k = estimator.n_features_to_select
    # A fraction, None or "auto" always fits; with a threshold an int is only a cap.
    if isinstance(k, Integral) and k > estimator.n_features_in_ and getattr(estimator, "threshold", None) is None:
        raise ValueError(
            f"n_features_to_select={estimator.n_features_to_select} is larger than the "
            f"{estimator.n_features_in_} features of X"
        )
    return X, y, codes


def parse_device(device) -> torch.device:
    """``device`` as a torch device (``"auto"``: CUDA when available, else the CPU).

    ``ValueError`` when torch does not know the name, or for ``meta`` (shapes without data:
    nothing can be trained there). Whether the device exists on this machine is
    :func:`available_device`'s question: a study checks names before its cells run elsewhere.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device={device!r} is not a torch device: {str(error).splitlines()[0]}") from None
    if parsed.type == "meta":
        raise ValueError("device='meta' holds shapes without data, so nothing can be trained on it; use 'cpu' or 'cuda'")
    return parsed


def available_device(device) -> torch.device:
    """:func:`parse_device`, then a ``ValueError`` unless this machine can put a tensor there."""
    parsed = parse_device(device)
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available")
    try:
        torch.empty(1, device=parsed)
    except Exception as error:  # torch raises RuntimeError, AssertionError, NotImplementedError... by backend
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"device={device!r} is not available on this machine ({reason})") from None
    return parsed


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
