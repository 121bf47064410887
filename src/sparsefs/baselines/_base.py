"""What every baseline shares: the scikit-learn selector shell around a package's own model.

A baseline is a :class:`~sparsefs.selector.RankingSelector`, as :class:`~sparsefs.SparseFeatureSelector`
is: the rows passed to ``fit`` are split (stratified, ``validation_fraction``, ``random_state``)
into training and validation rows by the same method, so a study fitting both on the same rows
gives them the same training and validation data, and K is chosen the same ways (a count, a
fraction, a threshold or "auto"). Features are standardised with the training rows'
statistics. Subclasses implement :meth:`BaselineSelector._fit_model` with the wrapped package.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.preprocessing import StandardScaler

from ..selector import _kselect
from ..selector._ranking import RankingSelector, check_layer_sizes
from ..devices import parse_device, resolve_device
from ..tasks import CLASSIFICATION, Task, resolve_task


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
    """Standardised training and validation rows and their targets: labels in
    ``0..n_classes-1`` (classification), targets standardised with the training rows'
    statistics, shape ``(n, n_outputs)`` (regression), or ``None`` (unsupervised)."""

    X_train: np.ndarray
    y_train: np.ndarray | None
    X_val: np.ndarray
    y_val: np.ndarray | None
    n_classes: int  # classes; regression targets; 0 without targets
    task: Task | None = None
    feature_scale: np.ndarray | None = None  # the training rows' standard deviation of each feature

    @property
    def task_name(self) -> str:
        return "classification" if self.task is None else self.task.name


class BaselineSelector(RankingSelector):
    """Base class of the baselines: the ranking selector's steps (:class:`sparsefs.selector.RankingSelector`:
    input checks, split, ranks, K by count, fraction, threshold or "auto"), around a package's
    model fitted on the standardised training rows.

    Fitted attributes: ``feature_importances_``, ``ranking_`` (each feature's rank, 1 = most
    important, ties in column order), ``ranked_features_`` (indices, most important first),
    ``n_features_to_select_``, ``k_scores_`` (with ``"auto"``), ``val_loss_``, ``n_parameters_``,
    ``training_flops_``, ``n_iter_``, ``task_``, ``classes_``, ``n_features_in_``.

    Examples
    --------
    Every baseline is used like :class:`~sparsefs.SparseFeatureSelector`:

    >>> from sklearn.base import clone
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs.baselines import BASELINES, BaselineSelector
    >>> sorted(BASELINES)[:6]
    ['anova', 'extratrees', 'laplacian', 'lasso', 'lassonet', 'mrmr']
    >>> isinstance(BASELINES["lasso"], BaselineSelector)
    True
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = clone(BASELINES["lasso"]).set_params(
    ...     n_features_to_select=10, C=0.1, random_state=0).fit(X, y)
    >>> int(selector.get_support().sum()), bool(selector.val_loss_ > 0)
    (10, True)
    >>> selector = selector.set_params(n_features_to_select=None, threshold="mean")
    >>> selector.fit(X, y).n_features_to_select_ < 64
    True
    """

    #: Short name used in study configurations and result stores.
    name: str = ""
    #: The name in tables and plots.
    label: str = ""
    #: What the importance scores are (recorded as the study's importance metric).
    metric: str = ""
    #: The tasks it selects for (sparsefs.registry.TASKS names).
    tasks: tuple[str, ...] = ("classification",)
    #: One of the paper's baselines (its comparison tables report it).
    in_paper: bool = False
    #: matplotlib style of its marks in report figures.
    style: dict = {}

    def fit(self, X, y=None):
        """Fit the wrapped model on the training part of ``(X, y)`` and rank the features.

        The task follows ``y`` as for :class:`~sparsefs.SparseFeatureSelector` (no ``y``:
        unsupervised); a baseline refuses a task it does not do, naming the ones it does.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            The data (sparse input is densified: the wrapped packages need dense arrays).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Class labels, continuous targets, or ``None`` for the unsupervised baselines.

        Returns
        -------
        self : BaselineSelector
            The fitted selector.
        """
        return super().fit(X, y)

    def _task(self, y):
        # A baseline with a ``task`` parameter can be told (e.g. "regression" for whole-number
        # targets, which type_of_target reads as classes); else the task follows y.
        requested = getattr(self, "task", "auto")
        if requested == "auto" and self.tasks == ("unsupervised",):
            requested = "unsupervised"
        task = resolve_task(requested, y)
        if task.name not in self.tasks:
            raise ValueError(f"{self.label or type(self).__name__} selects features for {' and '.join(self.tasks)}, "
                             f"not {task.name}" + (" (y was given)" if task.supervised else " (no y was given)"))
        return task

    def _rank(self, X, targets, task) -> None:
        if sp.issparse(X):
            X = X.toarray()
        train, val = self._split(X.shape[0], targets.strata, self.random_state, self.validation_fraction)
        scaler = StandardScaler().fit(X[train])
        values = targets.scaled(train)  # regression targets standardised like the networks'
        data = SplitData(
            scaler.transform(X[train]).astype(np.float32),
            None if values is None else values[train],
            scaler.transform(X[val]).astype(np.float32),
            None if values is None else values[val],
            targets.n_outputs or 0,
            task,
            np.sqrt(scaler.var_),  # not scale_, which scikit-learn sets to 1 for constant columns
        )
        fitted = self._fit_model(data)
        self.feature_importances_ = np.asarray(fitted.importances, dtype=np.float64)
        self.val_loss_ = float(fitted.val_loss)
        self.n_parameters_ = int(fitted.n_parameters)
        self.training_flops_ = int(fitted.training_flops)
        self.n_iter_ = int(fitted.n_iterations)

    def _auto_tol(self) -> float:
        # a baseline's ``tol`` is its solver's (Lasso's liblinear): "auto" keeps the default rule
        return _kselect.DEFAULT_TOL

    @abstractmethod
    def _fit_model(self, data: SplitData) -> FittedModel:
        """Train the wrapped package's model on ``data`` and score every feature."""

    def _check_settings(self) -> None:
        """What the parameter constraints cannot say (layer sizes, device names, the threshold),
        checked without fitting, as a study's configuration is before any cell runs."""
        if hasattr(self, "hidden_dims"):
            check_layer_sizes(self.hidden_dims, "hidden_dims")
        if hasattr(self, "device"):
            parse_device(self.device)
        super()._check_settings()

    def _seed(self) -> int:
        """One integer seed from ``random_state``, for packages that take ints."""
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(np.random.RandomState(self.random_state).randint(np.iinfo(np.int32).max))


def validation_loss(outputs: torch.Tensor, data: SplitData) -> float:
    """The task's own loss (:meth:`sparsefs.tasks.Task.loss`) of ``outputs`` on the validation
    rows: cross-entropy for classification, squared error summed over the standardised targets
    for regression."""
    task = data.task or CLASSIFICATION
    target = torch.as_tensor(data.y_val, dtype=task.target_dtype, device=outputs.device)
    if task.target_dtype.is_floating_point:
        target = target.to(outputs.dtype).reshape(outputs.shape)
    return float(task.loss(outputs, target))


def mlp_weights(n_features: int, hidden: tuple[int, ...], n_outputs: int) -> list[int]:
    """Weights of each linear layer of a dense MLP ``n_features -> hidden -> n_outputs``."""
    sizes = [n_features, *hidden, n_outputs]
    return [n_in * n_out for n_in, n_out in pairwise(sizes)]


def count_parameters(module: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def torch_device(device: str) -> torch.device:
    """The torch device to fit on (``"auto"``: CUDA when available); ``ValueError`` if unusable here."""
    return resolve_device(device)
