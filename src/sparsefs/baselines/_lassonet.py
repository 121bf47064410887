"""LassoNet (Lemhadri et al., JMLR 2021), through the ``lassonet`` package.

LassoNet trains a dense network with a linear skip connection, then follows a path of
growing L1 penalties λ until no feature is left. ``fit`` therefore ends, by design, with a
model that uses no feature; the feature order is the path itself: the package's
``feature_importances_`` holds, for every feature, the λ at which it left the model, and
features that stay longer rank higher (equal λ: column order). The validation rows drive the
package's early stopping at every λ; the recorded validation loss is the lowest along the path.

FLOPs (the method page §6): every epoch of the path (the dense start and every λ) is one pass of
the training rows through the network and its skip layer (``3 × 2 × weights`` per row) plus
the package's validation pass (``2 × weights`` per validation row), with one more validation
pass before each λ. The proximal step and the search for the first λ are not counted.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import torch

from .. import costs
from ..selector._ranking import check_layer_sizes
from .._sklearn import Interval, StrOptions
from ._base import (
    BaselineSelector,
    BaselineUnavailable,
    FittedModel,
    SplitData,
    count_parameters,
    mlp_weights,
    torch_device,
)


def _import_lassonet(regression: bool = False):
    try:
        from lassonet import LassoNetClassifier, LassoNetRegressor
    except ImportError as error:
        raise BaselineUnavailable(
            f"the LassoNet baseline needs the 'lassonet' package ({error}); "
            "install it with: pip install 'sparsefs[baselines]'"
        ) from None
    return LassoNetRegressor if regression else LassoNetClassifier


class LassoNetSelector(BaselineSelector):
    """Rank features by how long they survive on LassoNet's regularisation path.

    Parameters
    ----------
    n_features_to_select : int, float, None or "auto", default=100
        How many features ``transform`` keeps, as for :class:`~sparsefs.SparseFeatureSelector`:
        a count, a fraction of the features, ``None`` (half; with a ``threshold``, no limit) or
        ``"auto"`` (the cross-validated score of ``estimator`` over a grid of K).
    threshold : str, float or None, default=None
        Keep the features whose importance is at least this (``SelectFromModel``'s: a number,
        ``"mean"``, ``"median"``, ``"1.5*mean"``); ``n_features_to_select`` then caps the count.
    estimator : estimator or None, default=None
        The downstream estimator ``"auto"`` scores (``None``: standardisation and an RBF SVM).
    cv : int, cross-validation generator or iterable, default=5
        The cross-validation of ``"auto"``.
    hidden_dims : tuple of int, default=(100,)
        Hidden layers (the package's default: its proximal step costs a sort of every
        feature's first-layer weights at every step, so a wide first layer is slow).
    lambda_start : float or "auto", default="auto"
        First λ of the path; ``"auto"``: the package's estimate (a search that can take longer
        than the path itself on wide data).
    path_multiplier : float, default=1.02
        Ratio of successive λ on the path (the package's default).
    M : float, default=10
        Hierarchy coefficient (the package's default).
    n_iters : int or (int, int), default=(1000, 100)
        Epoch limits of the dense start and of each λ (the package's defaults).
    patience : int or (int, int), default=(100, 10)
        Early-stopping patience of the dense start and of each λ (the package's defaults).
    learning_rate : float or (float, float), default=(1e-3, 1e-3)
        Adam's learning rate for the dense start and SGD's (momentum 0.9) along the path.
    batch_size : int or None, default=None
        ``None``: full-batch training, as the package does by default.
    task : {"auto", "classification", "regression"}, default="auto"
        What ``y`` is for; ``"auto"`` follows ``type_of_target(y)``. Name ``"regression"`` for
        whole-number targets (counts), which would otherwise be read as classes.
    validation_fraction : float in (0, 1), default=0.2
        Rows held out (stratified for classification) for the validation loss, as for
        :class:`~sparsefs.SparseFeatureSelector`.
    device : str, default="auto"
        A torch device; ``"auto"`` takes CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and the batch order.

    See Also
    --------
    sparsefs.SparseFeatureSelector : The sparse network's selection these baselines are compared with.
    STGSelector : The other neural baseline of the paper.

    Examples
    --------
    Needs the ``lassonet`` package (``pip install 'sparsefs[baselines]'``):

    >>> from sklearn.datasets import make_classification
    >>> from sparsefs.baselines import LassoNetSelector
    >>> X, y = make_classification(200, 10, n_informative=3, n_redundant=0, shuffle=False,
    ...                            random_state=0)
    >>> selector = LassoNetSelector(3, hidden_dims=(8,), lambda_start=1.0,
    ...                             path_multiplier=1.3, n_iters=(100, 10),
    ...                             patience=(10, 5), random_state=0).fit(X, y)
    >>> selector.ranking_.shape
    (10,)
    """

    name = "lassonet"
    label = "LassoNet"
    metric = "path_lambda"
    tasks = ("classification", "regression")
    in_paper = True
    style = {"color": "#bcbd22", "marker": "D"}

    _parameter_constraints: dict = {
        **BaselineSelector._parameter_constraints,
        "hidden_dims": [list, tuple],
        "lambda_start": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "path_multiplier": [Interval(Real, 1, None, closed="neither")],
        "M": [Interval(Real, 0, None, closed="neither")],
        "n_iters": [Interval(Integral, 1, None, closed="left"), list, tuple],
        "patience": [Interval(Integral, 1, None, closed="left"), list, tuple],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), list, tuple],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str],
        "task": [StrOptions({"auto", *tasks})],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, estimator=None, cv=5, hidden_dims=(100,),
                 lambda_start="auto", path_multiplier=1.02, M=10, n_iters=(1000, 100), patience=(100, 10), learning_rate=(1e-3, 1e-3), batch_size=None,
                 task="auto", validation_fraction=0.2, device="auto", random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.cv = cv
        self.task = task
        self.hidden_dims = hidden_dims
        self.lambda_start = lambda_start
        self.path_multiplier = path_multiplier
        self.M = M
        self.n_iters = n_iters
        self.patience = patience
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state

    def _fit_model(self, data: SplitData) -> FittedModel:
        LassoNet = _import_lassonet(regression=not data.task.class_labels)
        device = torch_device(self.device)
        seed = self._seed()
        init_rate, path_rate = _pair(self.learning_rate)
        model = LassoNet(
            hidden_dims=check_layer_sizes(self.hidden_dims, "hidden_dims"),
            lambda_start=self.lambda_start if self.lambda_start == "auto" else float(self.lambda_start),
            path_multiplier=float(self.path_multiplier),
            M=float(self.M),
            n_iters=_pair(self.n_iters),
            patience=_pair(self.patience),
            optim=(partial(torch.optim.Adam, lr=init_rate), partial(torch.optim.SGD, lr=path_rate, momentum=0.9)),
            batch_size=self.batch_size,
            device=device,
            verbose=0,
            torch_seed=seed,
        )
        # The package seeds and draws from torch's global generator: keep that to this fit.
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            path = model.path(data.X_train, data.y_train, X_val=data.X_val, y_val=data.y_val)
        self.lambda_start_ = getattr(model, "lambda_start_", self.lambda_start)
        n_train, n_features = data.X_train.shape
        weights = [*mlp_weights(n_features, model.hidden_dims, data.n_classes), n_features * data.n_classes]
        return FittedModel(
            importances=model.feature_importances_.numpy(),
            val_loss=min(item.val_loss for item in path),
            n_parameters=count_parameters(model.model),
            training_flops=self._path_flops(path, weights, n_train, len(data.y_val)),
            n_iterations=sum(item.n_iters for item in path),
        )

    def _path_flops(self, path, weights: list[int], n_train: int, n_val: int) -> int:
        batch = n_train if self.batch_size is None else min(self.batch_size, n_train)
        rows_per_epoch = (n_train // batch) * batch  # the package skips the last partial batch
        per_epoch = costs.training_step_flops(weights, rows_per_epoch) + costs.forward_flops(weights, n_val)
        return sum(item.n_iters * per_epoch + costs.forward_flops(weights, n_val) for item in path)


def _pair(value) -> tuple:
    """``(first, second)`` from a scalar or a pair (the package's convention)."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"expected a number or a pair of numbers, got {list(value)!r}")
        return tuple(value)
    return (value, value)
