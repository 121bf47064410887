"""What every ranking selector in sparsefs shares: its input checks and its top-k support."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data


def check_selection_input(estimator, X, y) -> tuple[object, np.ndarray, np.ndarray]:
    """Validate ``(X, y)`` for ``estimator``: ``X`` as float32 (CSR if sparse), the labels, their codes.

    Sets ``n_features_in_`` (and ``feature_names_in_``) and ``classes_``; raises a
    ``ValueError`` naming the problem for non-numeric columns, NaN or infinite values,
    mismatched lengths, a 1-D ``X``, fewer than 2 classes, or ``n_features_to_select`` larger
    than the number of features.
    """
    _reject_non_numeric_columns(X)
    X, y = validate_data(estimator, X, y, accept_sparse="csr", dtype=np.float32, ensure_min_samples=2)
    check_classification_targets(y)
    estimator.classes_, codes = np.unique(y, return_inverse=True)
    if len(estimator.classes_) < 2:
        raise ValueError(f"y has 1 class ({estimator.classes_[0]!r}); feature selection needs at least 2 classes")
    if estimator.n_features_to_select > estimator.n_features_in_:
        raise ValueError(
            f"n_features_to_select={estimator.n_features_to_select} is larger than the "
            f"{estimator.n_features_in_} features of X"
        )
    return X, y, codes


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
