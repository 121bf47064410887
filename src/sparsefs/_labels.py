"""Class labels to class indices, refusing labels that are missing instead of guessing."""

from __future__ import annotations

import numpy as np
import pandas as pd


def encode_labels(y, where: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """The classes (sorted) and each row's class index; ``ValueError`` for missing labels.

    An empty, blank, None or NaN label is not a class: ``np.unique`` would make NaN one of
    the classes (or fail comparing it with text), so such rows are named and refused.
    """
    y = np.asarray(y).ravel()
    missing = _missing(y)
    if missing.any():
        rows = np.flatnonzero(missing) + 1
        shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
        raise ValueError(
            f"{where}: {len(rows)} of {len(y)} labels are missing (empty or NaN), in row(s) {shown} of the data "
            "(counting from 1); drop those rows or give them a class"
        )
    try:
        classes, codes = np.unique(y, return_inverse=True)
    except TypeError:  # e.g. numbers and text in one object column
        kinds = sorted({type(value).__name__ for value in y})
        raise ValueError(f"{where}: the labels mix kinds of values ({', '.join(kinds)}); use one kind") from None
    return classes, codes.astype(np.int64)


def _missing(y: np.ndarray) -> np.ndarray:
    if y.dtype.kind in "fc":
        return np.isnan(y)
    if y.dtype.kind in "US":
        return np.char.strip(y) == ("" if y.dtype.kind == "U" else b"")
    if y.dtype.kind == "O":
        blank = np.array([isinstance(v, (str, bytes)) and not v.strip() for v in y], dtype=bool)
        return np.asarray(pd.isna(y), dtype=bool) | blank
    return np.zeros(len(y), dtype=bool)
