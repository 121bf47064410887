"""Seeded, stratified splits: the selector's train/validation split and the paper's split.

The paper's split (the method page §2) is 80/20 train/test, then 80/20 train/validation inside the
training part, i.e. 64/16/20, "stratified where the classes allow". ``paper_split(y, seed)``
followed by a selector fitted on the train+validation rows with ``validation_fraction=0.2,
random_state=seed`` reproduces the same train and validation rows: both go through
:func:`stratified_split`.

Written here rather than with scikit-learn's splitters because the benchmark has classes of
two samples (lymphoma, nci9): scikit-learn's stratified split needs two members per class at
*every* stage, and cannot keep a minimum number of each class on each side. Here the test split
keeps at least two of every class for training and validation, and the validation split holds
out at least one of every class and keeps at least one for training.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
from sklearn.utils import check_random_state


class TooFewToSplit(ValueError):
    """A class (or, for a random split, the data) has fewer rows than the split needs.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.splitting import TooFewToSplit, stratified_split
    >>> try:
    ...     stratified_split(np.array([0, 0, 1]), 0.5)
    ... except TooFewToSplit as error:
    ...     print(error.needed)
    2
    """

    def __init__(self, message: str, needed: int):
        super().__init__(message)
        self.needed = needed


def stratified_split(
    y, held_fraction: float, random_state=None, *, min_held: int = 1, min_kept: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row indices ``(kept, held_out)``, about ``held_fraction`` of the rows held out.

    Every class is split in proportion, with at least ``min_held`` of its rows held out and
    ``min_kept`` kept; as in scikit-learn, ``ceil(held_fraction * n)`` rows are held out in all
    where those bounds allow it, the rounding remainders going to the classes with the largest
    fractional share (ties broken at random).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.splitting import stratified_split
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> kept, held_out = stratified_split(y, 0.2, random_state=0)
    >>> np.bincount(y[held_out]).tolist()
    [1, 1]
    """
    y = np.asarray(y)
    rng = check_random_state(random_state)
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    needed = min_held + min_kept
    if counts.min() < needed:
        rare = classes[np.argmin(counts)]
        rare = rare.item() if hasattr(rare, "item") else rare
        raise TooFewToSplit(
            f"class {rare!r} has only {counts.min()} sample(s); the split needs at least {needed} "
            f"of every class ({min_kept} to train on, {min_held} held out)",
            needed,
        )
    n_held = _allocate(counts, held_fraction, min_held, min_kept, rng)
    held = [rng.permutation(np.flatnonzero(codes == c))[:n] for c, n in enumerate(n_held)]
    held = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(len(y)), held), held


def _allocate(counts: np.ndarray, fraction: float, min_held: int, min_kept: int, rng) -> np.ndarray:
    """Rows to hold out per class: proportional, within bounds, summing to the target if possible."""
    ideal = fraction * counts
    low, high = np.full_like(counts, min_held), counts - min_kept
    n_held = np.clip(np.floor(ideal).astype(int), low, high)
    remaining = math.ceil(fraction * counts.sum()) - n_held.sum()
    shuffled = rng.permutation(len(counts))  # random order among equal shares
    order = shuffled[np.argsort(-(ideal - np.floor(ideal))[shuffled], kind="stable")]
    while remaining != 0:
        step = 1 if remaining > 0 else -1
        room = (n_held < high) if step > 0 else (n_held > low)
        movable = [c for c in (order if step > 0 else order[::-1]) if room[c]][: abs(remaining)]
        if not movable:
            break
        n_held[movable] += step
        remaining -= step * len(movable)
    return n_held


def paper_split(y, random_state=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's ``(train, validation, test)`` row indices: 64/16/20, stratified, seeded.

    Every class keeps at least two rows for training and validation; a class of two samples
    therefore has none in the test part.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.splitting import paper_split
    >>> y = np.repeat([0, 1], 50)
    >>> train, validation, test = paper_split(y, random_state=0)
    >>> len(train), len(validation), len(test)
    (64, 16, 20)
    """
    train_val, test = stratified_split(y, 0.2, random_state, min_held=0, min_kept=2)
    train, validation = stratified_split(np.asarray(y)[train_val], 0.2, random_state)
    return train_val[train], train_val[validation], test


def validation_split(n_samples: int, fraction: float, random_state=None, strata=None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(train, validation)`` rows of a selector's fit: stratified by ``strata`` (class
    labels) when given, else a random ``fraction`` of the rows (regression, unsupervised).

    Examples
    --------
    >>> from sparsefs.splitting import validation_split
    >>> train, validation = validation_split(10, 0.2, random_state=0)
    >>> len(train), len(validation)
    (8, 2)
    """
    if strata is not None:
        return stratified_split(strata, fraction, random_state)
    # One class for every row makes stratified_split a plain seeded random split.
    with _rows_not_classes(n_samples):
        return stratified_split(np.zeros(n_samples, dtype=int), fraction, random_state)


@contextmanager
def _rows_not_classes(n_samples: int):
    """A random split's too-few-rows error in rows, not in the one class it splits by."""
    try:
        yield
    except TooFewToSplit as error:
        raise TooFewToSplit(f"{n_samples} row(s) are too few to split: the split needs at least {error.needed}",
                            error.needed) from None


def paper_fit_rows(y, random_state=None, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(train+validation, test)`` rows of :func:`paper_split`, sorted: what a selector is fitted
    on (its own validation split then reproduces the paper's validation rows) and what it is
    judged on. ``y=None`` (no labels to stratify by) splits ``n_samples`` rows at random.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.splitting import paper_fit_rows
    >>> fit_rows, test = paper_fit_rows(np.repeat([0, 1], 50), random_state=0)
    >>> len(fit_rows), len(test)
    (80, 20)
    """
    if y is None:
        with _rows_not_classes(n_samples):
            train, validation, test = paper_split(np.zeros(n_samples, dtype=int), random_state)
    else:
        train, validation, test = paper_split(y, random_state)
    return np.sort(np.concatenate([train, validation])), test


def dataset_fit_rows(dataset, random_state=None, task: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`paper_fit_rows` of a :class:`~sparsefs.datasets.Dataset`: stratified by its class
    labels whenever it has classes, whatever the selection is for (``task``), so that an
    unsupervised selection, a study's cells and a later evaluation on the labels all use the
    same rows; random for regression targets and unlabelled data. When the selection does not
    use the classes (``task`` other than "classification") and one of them is too rare to
    stratify by (a column of whole numbers read as labels), the split is random: the one split
    that every task but classification, which cannot run on such classes, then uses.

    Examples
    --------
    >>> from sparsefs.datasets import load
    >>> from sparsefs.splitting import dataset_fit_rows
    >>> fit_rows, test = dataset_fit_rows(load("synthetic-100"), random_state=0)
    >>> len(fit_rows), len(test)
    (80, 20)
    """
    from .registry import TASKS

    # a too-rare class is named as the user knows it
    labels = dataset.labels if TASKS[dataset.task].class_labels else None
    if labels is not None and task is not None and not TASKS[task].class_labels:
        try:
            return paper_fit_rows(labels, random_state, dataset.n_samples)
        except TooFewToSplit:
            labels = None
    return paper_fit_rows(labels, random_state, dataset.n_samples)
