"""Stability of a feature selection over repeated runs (Nogueira, Sechidis and Brown, 2018).

S. Nogueira, K. Sechidis and G. Brown, "On the Stability of Feature Selection Algorithms",
JMLR 18(174):1-54, 2018. With ``Z`` the ``M x d`` 0/1 matrix of M selections among d features,
``p_f`` the frequency with which feature f is selected and ``k`` the mean selection size,

    stability = 1 - mean_f( M/(M-1) * p_f * (1 - p_f) ) / ( k/d * (1 - k/d) ),

1 when every run selects the same features and about 0 when runs select independently at
random; its asymptotic variance (their Theorem 8) gives a normal confidence interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stability:
    """A stability estimate and its ``(1 - alpha)`` confidence interval.

    Examples
    --------
    >>> from sparsefs.stability import Stability
    >>> Stability(0.8, 0.7, 0.9, 5).value
    0.8
    """

    value: float
    lower: float
    upper: float
    n_selections: int


def selection_matrix(selections, n_features: int) -> np.ndarray:
    """The 0/1 matrix ``Z`` of selections given as index lists (or already as masks).

    Examples
    --------
    >>> from sparsefs.stability import selection_matrix
    >>> selection_matrix([[0, 2], [1, 2]], 4).astype(int).tolist()
    [[1, 0, 1, 0], [0, 1, 1, 0]]
    """
    Z = np.zeros((len(selections), n_features), dtype=bool)
    for row, selected in zip(Z, selections):
        selected = np.asarray(selected)
        if selected.dtype == bool:
            row[:] = selected
        else:
            row[selected.astype(np.intp)] = True
    return Z


def nogueira_stability(Z, alpha: float = 0.05) -> Stability:
    """The stability estimate of Nogueira et al. (2018) of the selections in the rows of ``Z``.

    ``Z``: ``(M, d)`` booleans (or 0/1), one row per run, ``M >= 2``. The interval is
    ``value -+ z_{1-alpha/2} * sqrt(variance)`` with the paper's asymptotic variance.

    Examples
    --------
    >>> from sparsefs.stability import nogueira_stability
    >>> nogueira_stability([[1, 1, 0, 0], [1, 1, 0, 0]]).value
    1.0
    >>> round(nogueira_stability([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0]]).value, 4)
    0.3333
    """
    from scipy.stats import norm

    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[0] < 2:
        raise ValueError(f"stability needs at least 2 selections (rows of Z), got an array of shape {Z.shape}")
    if not np.isin(Z, (0.0, 1.0)).all():
        raise ValueError("Z must hold 0/1 (or boolean) selections")
    M, d = Z.shape
    p = Z.mean(axis=0)
    k_bar = p.sum()
    spread = (k_bar / d) * (1 - k_bar / d)
    if spread == 0:  # every run selects nothing, or everything: no variation is possible
        raise ValueError("stability is undefined when every run selects no feature or every feature")
    value = 1 - (M / (M - 1)) * np.mean(p * (1 - p)) / spread
    # The per-run terms of the estimator's influence function (the paper's Theorem 8).
    k = Z.sum(axis=1)
    phi = (Z @ p / d - k * k_bar / d**2 + value / 2 * (2 * k * k_bar / d**2 - k / d - k_bar / d + 1)) / spread
    variance = 4 / M**2 * np.sum((phi - phi.mean()) ** 2)
    half = norm.ppf(1 - alpha / 2) * np.sqrt(variance)
    return Stability(float(value), float(value - half), float(value + half), M)


def selection_frequency(Z) -> np.ndarray:
    """The share of runs that selected each feature (column means of ``Z``).

    Examples
    --------
    >>> from sparsefs.stability import selection_frequency
    >>> selection_frequency([[1, 0], [1, 1]]).tolist()
    [1.0, 0.5]
    """
    return np.asarray(Z, dtype=float).mean(axis=0)


def combine_importances(importances: np.ndarray) -> np.ndarray:
    """One importance from several runs: the mean of each run's importance divided by its sum.

    Each run's scale depends on its training length, so runs are put on one scale first.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.stability import combine_importances
    >>> combine_importances(np.array([[1.0, 3.0], [10.0, 10.0]])).tolist()
    [0.375, 0.625]
    """
    importances = np.asarray(importances, dtype=float)
    totals = importances.sum(axis=1, keepdims=True)
    shares = np.divide(importances, totals, out=np.zeros_like(importances), where=totals > 0)
    return shares.mean(axis=0)


def combine_runs(runs) -> dict[str, dict[str, np.ndarray]]:
    """One ``importances_`` from the ``importances_`` of several runs (``metric -> window ->
    vector``): each vector by :func:`combine_importances`; a single run's as it is.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.stability import combine_runs
    >>> runs = [{"attribution": {"all_epochs": np.array([1.0, 3.0])}},
    ...         {"attribution": {"all_epochs": np.array([10.0, 10.0])}}]
    >>> combine_runs(runs)["attribution"]["all_epochs"].tolist()
    [0.375, 0.625]
    """
    runs = list(runs)
    if len(runs) == 1:
        return runs[0]
    return {metric: {window: combine_importances([run[metric][window] for run in runs]) for window in windows}
            for metric, windows in runs[0].items()}


def selection_stability(importances, k: int) -> tuple[np.ndarray, float, tuple[float, float]]:
    """How much runs agree on their top ``k`` features, from each run's importance (rows of
    ``importances``): the share of runs selecting each feature, and the stability
    (:func:`nogueira_stability`) with its 95% interval; NaN when ``k`` is 0 or every feature
    (every run then agrees, and the measure is undefined).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.stability import selection_stability
    >>> importances = np.array([[3.0, 2, 1, 0], [3, 1, 2, 0]])
    >>> frequency, value, interval = selection_stability(importances, 2)
    >>> frequency.tolist(), round(value, 3)
    ([1.0, 0.5, 0.5, 0.0], 0.0)
    """
    importances = np.asarray(importances)
    n_features = importances.shape[1]
    Z = selection_matrix([np.argsort(-row, kind="stable")[:k] for row in importances], n_features)
    frequency = Z.mean(axis=0)
    if 0 < k < n_features:
        stability = nogueira_stability(Z)
        return frequency, stability.value, (stability.lower, stability.upper)
    return frequency, float("nan"), (float("nan"), float("nan"))
