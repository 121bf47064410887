"""Seeded, stratified splits: the selector's train/validation split and the paper's split.

The paper's split (METHOD.md §2) is 80/20 train/test, then 80/20 train/validation inside the
training part, i.e. 64/16/20. ``paper_split(y, seed)`` followed by a selector fitted on the
train+validation part with ``validation_fraction=0.2, random_state=seed`` reproduces the same
train and validation rows, because both go through :func:`stratified_split`.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import train_test_split


def stratified_split(y, test_fraction: float, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(keep, held_out)`` with ``test_fraction`` of the rows held out.

    Stratified by ``y``; every class needs at least two members (one on each side). When the
    held-out part is too small to hold every class, the split falls back to a plain shuffled
    one, with a warning.
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        rare = classes[counts < 2][0]
        rare = rare.item() if hasattr(rare, "item") else rare
        raise ValueError(
            f"class {rare!r} has only {counts.min()} sample(s); a stratified split with "
            f"test_fraction={test_fraction} needs at least 2 samples of every class"
        )
    n = len(y)
    n_held = int(np.ceil(test_fraction * n))
    stratify = y if min(n_held, n - n_held) >= len(classes) else None
    if stratify is None:
        warnings.warn(
            f"{n_held} held-out rows cannot hold all {len(classes)} classes; the split is not stratified",
            stacklevel=2,
        )
    indices = np.arange(n)
    keep, held = train_test_split(indices, test_size=test_fraction, stratify=stratify, random_state=random_state)
    return np.sort(keep), np.sort(held)


def paper_split(y, random_state=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's ``(train, validation, test)`` row indices: 64/16/20, stratified, seeded."""
    train_val, test = stratified_split(y, 0.2, random_state)
    train, validation = stratified_split(np.asarray(y)[train_val], 0.2, random_state)
    return train_val[train], train_val[validation], test
