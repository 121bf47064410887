"""What every baseline shares: the scikit-learn selector shell around a package's own model.

A baseline is fitted like :class:`~sparsefs.SparseFeatureSelector`: the rows passed to ``fit``
are split (stratified, ``validation_fraction``, ``random_state``) into training and validation
rows with the same function, so a study fitting both on the same rows gives them the same
training and validation data. Features are standardised with the training rows' statistics.
Subclasses implement :meth:`BaselineSelector._fit_model` with the wrapped package.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .._ranking import available_device, check_layer_sizes, check_selection_input, parse_device, top_k_mask
from .._sklearn import Interval, _fit_context
from ..splitting import stratified_split


class BaselineUnavailable(ImportError):
    """The package a baseline wraps is not installed (or cannot be imported).

    Examples
    --------
    Raised by ``fit`` when the baseline's package is not installed:

    >>> import sys
    >>> from sparsefs.baselines import BaselineUnavailable, LassoNetSelector
    >>> installed = sys.modules.pop("lassonet", None)
    >>> sys.modules["lassonet"] = None  # as if the package were not installed
    >>> try:
    ...     LassoNetSelector(1).fit([[0.0, 1.0], [1.0, 0.0]] * 5, [0, 1] * 5)
    ... except BaselineUnavailable as error:
    ...     print(str(error).split("; ")[-1])
    ... finally:
    ...     del sys.modules["lassonet"]
    ...     if installed is not None:
    ...         sys.modules["lassonet"] = installed
    install it with: pip install 'sparsefs[baselines]'
    """


@dataclass(frozen=True)
class FittedModel:
    """What a baseline's package returns, in the terms the study records."""

    importances: np.ndarray  # one score per feature, larger = more important
    val_loss: float  # cross-entropy of the model on the validation rows
    n_parameters: int  # parameters the model stores
    training_flops: int  # theoretical FLOPs of the whole fit (the method page §6)
    n_iterations: int  # solver iterations / epochs actually run


@dataclass(frozen=True)
class SplitData:
    """Standardised training and validation rows, labels in ``0..n_classes-1``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    n_classes: int


class BaselineSelector(SelectorMixin, BaseEstimator):
    """Base class: parameter checks, split, standardisation, the fitted attributes.

    Fitted attributes: ``feature_importances_``, ``ranking_`` (most important first, ties in
    column order), ``val_loss_``, ``n_parameters_``, ``training_flops_``, ``n_iter_``,
    ``classes_``, ``n_features_in_``.

    Examples
    --------
    Every baseline is used like :class:`~sparsefs.SparseFeatureSelector`:

    >>> from sklearn.datasets import load_digits
    >>> from sparsefs.baselines import BASELINES, BaselineSelector
    >>> sorted(BASELINES)
    ['lasso', 'lassonet', 'stg']
    >>> issubclass(BASELINES["lasso"], BaselineSelector)
    True
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = BASELINES["lasso"](10, C=0.1, random_state=0).fit(X, y)
    >>> int(selector.get_support().sum()), bool(selector.val_loss_ > 0)
    (10, True)
    """

    #: Short name used in study configurations and result stores.
    name: str = ""
    #: What the importance scores are (recorded as the study's importance metric).
    metric: str = ""

    _parameter_constraints: dict = {
        "n_features_to_select": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the wrapped model on the training part of ``(X, y)`` and rank the features."""
        X, y, codes = check_selection_input(self, X, y)
        if sp.issparse(X):
            X = X.toarray()
        train, val = stratified_split(y, self.validation_fraction, self.random_state)
        scaler = StandardScaler().fit(X[train])
        data = SplitData(
            scaler.transform(X[train]).astype(np.float32),
            codes[train],
            scaler.transform(X[val]).astype(np.float32),
            codes[val],
            len(self.classes_),
        )
        fitted = self._fit_model(data)
        self.feature_importances_ = np.asarray(fitted.importances, dtype=np.float64)
        self.ranking_ = np.argsort(-self.feature_importances_, kind="stable")
        self.val_loss_ = float(fitted.val_loss)
        self.n_parameters_ = int(fitted.n_parameters)
        self.training_flops_ = int(fitted.training_flops)
        self.n_iter_ = int(fitted.n_iterations)
        return self

    @abstractmethod
    def _fit_model(self, data: SplitData) -> FittedModel:
        """Train the wrapped package's model on ``data`` and score every feature."""

    def _get_support_mask(self):
        check_is_fitted(self)
        return top_k_mask(self.ranking_, self.n_features_to_select)

    def _check_settings(self) -> None:
        """What the parameter constraints cannot say (layer sizes, device names), checked
        without fitting, as a study's configuration is before any cell runs."""
        if hasattr(self, "hidden_dims"):
            check_layer_sizes(self.hidden_dims, "hidden_dims")
        if hasattr(self, "device"):
            parse_device(self.device)

    def _seed(self) -> int:
        """One integer seed from ``random_state``, for packages that take ints."""
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(np.random.RandomState(self.random_state).randint(np.iinfo(np.int32).max))


def cross_entropy(logits: torch.Tensor, y: np.ndarray) -> float:
    """Mean cross-entropy of ``logits`` against the labels ``y``."""
    target = torch.as_tensor(y, dtype=torch.long, device=logits.device)
    return float(torch.nn.functional.cross_entropy(logits, target))


def mlp_weights(n_features: int, hidden: tuple[int, ...], n_outputs: int) -> list[int]:
    """Weights of each linear layer of a dense MLP ``n_features -> hidden -> n_outputs``."""
    sizes = [n_features, *hidden, n_outputs]
    return [n_in * n_out for n_in, n_out in pairwise(sizes)]


def count_parameters(module: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def torch_device(device: str) -> torch.device:
    """The torch device to fit on (``"auto"``: CUDA when available); ``ValueError`` if unusable here."""
    return available_device(device)
