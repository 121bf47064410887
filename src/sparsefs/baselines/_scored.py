"""What the classical selectors share: they only score the features, with nothing to choose.

A filter (ANOVA F, mutual information, ReliefF, mRMR) or a tree ensemble's impurity
importance has no hyperparameter that a validation loss would pick, so it scores the features
on every row given to ``fit``: the training and the validation rows that
:class:`~sparsefs.baselines.BaselineSelector` splits off are joined again. This is what the
recommended preset does too (``validation_fraction=0``): a comparison in which our selector
trains on all fit rows and a filter on 80 % of them would handicap the filter. Their
``val_loss_`` is NaN (no validation loss), which a study's model selection treats like the
recommended preset's: a configuration without one is chosen only where no other has one, so a
study refuses a grid of several configurations for them (``has_validation_loss``).

Each selector is a small class that provides :meth:`ScoreSelector._scores`.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

import numpy as np

from ._base import BaselineSelector, FittedModel, SplitData


@dataclass(frozen=True)
class Scores:
    """A classical selector's scores (larger = more important) and what computing them cost."""

    importances: np.ndarray
    n_parameters: int  # numbers the fitted scorer keeps (a score per feature, a forest's nodes)
    flops: int  # an estimate of the arithmetic of the fit, as documented by each selector
    n_iterations: int = 1  # trees grown, greedy steps taken; 1 for a one-pass filter


class ScoreSelector(BaselineSelector):
    """Base of the baselines that only score features on all fit rows (no validation loss).

    A subclass sets ``name``, ``label``, ``metric``, ``tasks`` and ``style``, its parameters,
    and implements ``_scores``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.baselines import BASELINES, ScoreSelector
    >>> sorted(name for name, part in BASELINES.items() if isinstance(part, ScoreSelector))
    ['anova', 'extratrees', 'mrmr', 'mutualinfo', 'randomforest', 'relieff']
    >>> X = np.random.RandomState(0).randn(40, 5)
    >>> y = (X[:, 3] > 0).astype(int)
    >>> from sklearn.base import clone
    >>> selector = clone(BASELINES["anova"])
    >>> selector = selector.set_params(n_features_to_select=1, random_state=0)
    >>> selector = selector.fit(X, y)
    >>> int(selector.ranked_features_[0]), bool(np.isnan(selector.val_loss_))
    (3, True)
    """

    #: No validation loss: a study cannot choose among several configurations of it.
    has_validation_loss = False

    def _fit_model(self, data: SplitData) -> FittedModel:
        X = np.vstack([data.X_train, data.X_val]).astype(np.float64)
        y = None if data.y_train is None else np.concatenate([data.y_train, data.y_val])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf and NaN scores: finite_scores
            scores = self._scores(X, y, data)
        return FittedModel(finite_scores(scores.importances), float("nan"), int(scores.n_parameters), int(scores.flops),
                           int(scores.n_iterations))

    @abstractmethod
    def _scores(self, X: np.ndarray, y: np.ndarray | None, data: SplitData) -> Scores:
        """Score every feature of the standardised rows ``X`` (float64) for the targets ``y``:
        labels ``0..n_classes-1`` (classification) or standardised targets of shape
        ``(n, n_outputs)`` (regression); ``data`` tells the task and the number of classes."""


def finite_scores(scores) -> np.ndarray:
    """Scores as finite numbers in the same order: +inf (an F statistic of a feature with no
    spread within the classes) above every finite score, -inf below, NaN (a constant feature)
    at the bottom with -inf."""
    scores = np.array(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    if finite.all():
        return scores
    low, high = (scores[finite].min(), scores[finite].max()) if finite.any() else (0.0, 0.0)
    scores[np.isposinf(scores)] = high + abs(high) + 1.0
    scores[np.isneginf(scores) | np.isnan(scores)] = min(low, 0.0) - abs(low) - 1.0
    return scores


def target_columns(y: np.ndarray) -> list[np.ndarray]:
    """The columns of a regression target (one or several outputs), for scorers that take one."""
    y = np.asarray(y, dtype=np.float64)
    return [y] if y.ndim == 1 else [y[:, j] for j in range(y.shape[1])]
