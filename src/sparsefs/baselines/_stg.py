"""STG, stochastic gates (Yamada et al., ICML 2020), through the ``stg`` package.

An MLP is trained behind one stochastic gate per input feature, with a penalty on the
expected number of open gates; a feature's importance is its gate mean μ (the package's
``get_gates("raw")``; the clipped ``"prob"`` gates tie at 0 and 1). The package trains for a
fixed number of epochs; the recorded validation loss is the cross-entropy of the final
network, gates deterministic, on the validation rows.

Compatibility: stg 0.1.2 refers to ``collections.Sequence``, ``collections.Mapping`` and
friends, removed from ``collections`` in Python 3.10 (they live in ``collections.abc``), in the
helper that converts every training step's loss: training fails on any current Python. The
shim gives the package's own modules a ``collections`` that also carries those aliases; the
standard library's ``collections`` is left untouched.

FLOPs (the method page §6): every epoch passes each training row through the network once
(``3 × 2 × weights``, the gates' element-wise products not counted), plus one forward pass of
the validation rows at the end.
"""

from __future__ import annotations

import collections
import collections.abc
import types
import warnings
from numbers import Integral, Real

import numpy as np
import torch

from .. import costs
from ..selector._ranking import check_layer_sizes
from ..batches import auto_batch_size
from .._sklearn import Interval, StrOptions
from ._base import (
    BaselineSelector,
    BaselineUnavailable,
    FittedModel,
    SplitData,
    count_parameters,
    validation_loss,
    mlp_weights,
    torch_device,
)

_ABC_ALIASES = ("Sequence", "Set", "Mapping", "Iterable", "MutableMapping", "Callable")


def _import_stg():
    try:
        from stg import STG, matching, utils
    except ImportError as error:
        raise BaselineUnavailable(
            f"the STG baseline needs the 'stg' package ({error}); install it with: pip install 'sparsefs[baselines]'"
        ) from None
    for module in (utils, matching):
        if not hasattr(module.collections, "Sequence"):
            module.collections = _collections_with_abc_aliases()
    return STG


def _collections_with_abc_aliases() -> types.ModuleType:
    compat = types.ModuleType("collections", "collections plus the pre-3.10 aliases of collections.abc")
    compat.__dict__.update({name: value for name, value in vars(collections).items() if not name.startswith("__")})
    for name in _ABC_ALIASES:
        setattr(compat, name, getattr(collections.abc, name))
    return compat


class STGSelector(BaselineSelector):
    """Rank features by the gate means of a network trained with stochastic gates.

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
    hidden_dims : tuple of int, default=(1000, 100)
        Hidden layers (the paper's MLP by default).
    activation : str, default="relu"
        The hidden layers' activation, by the package's name for it (``"relu"``,
        ``"selu"``, ``"sigmoid"``, ``"tanh"``, ``"identity"``).
    sigma : float, default=0.5
        Standard deviation of the gates' noise (the package's default).
    lam : float, default=0.1
        Weight of the gate penalty (the package's default).
    learning_rate : float, default=1e-3
        The optimiser's learning rate.
    optimizer : str, default="Adam"
        A ``torch.optim`` class name.
    weight_decay : float, default=1e-3
        L2 weight decay (the package's default).
    batch_size : int or "auto", default="auto"
        ``"auto"``: 32 below 200 rows, else 100 (the paper's rule for its MLP).
    max_epochs : int, default=200
        Epochs trained: the package trains for a fixed number, without early stopping.
    task : {"auto", "classification", "regression"}, default="auto"
        What ``y`` is for; ``"auto"`` follows ``type_of_target(y)``. Name ``"regression"`` for
        whole-number targets (counts), which would otherwise be read as classes.
    validation_fraction : float in (0, 1), default=0.2
        Rows held out (stratified for classification) for the validation loss, as for
        :class:`~sparsefs.SparseFeatureSelector`.
    device : str, default="auto"
        A torch device; ``"auto"`` takes CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights, the gate noise and the batch order.

    See Also
    --------
    sparsefs.SparseFeatureSelector : The sparse network's selection these baselines are compared with.
    LassoNetSelector : The other neural baseline of the paper.

    Examples
    --------
    Needs the ``stg`` package (``pip install 'sparsefs[baselines]'``):

    >>> from sklearn.datasets import make_classification
    >>> from sparsefs.baselines import STGSelector
    >>> X, y = make_classification(200, 10, n_informative=3, n_redundant=0, shuffle=False,
    ...                            random_state=0)
    >>> selector = STGSelector(3, hidden_dims=(16,), max_epochs=20, random_state=0)
    >>> selector = selector.fit(X, y)
    >>> selector.feature_importances_.shape
    (10,)
    """

    name = "stg"
    label = "STG"
    metric = "gate_mean"
    tasks = ("classification", "regression")
    in_paper = True
    style = {"color": "#17becf", "marker": "P"}

    _parameter_constraints: dict = {
        **BaselineSelector._parameter_constraints,
        "hidden_dims": [list, tuple],
        "activation": [str],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "lam": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [str],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "task": [StrOptions({"auto", *tasks})],
    }

    def __init__(self, n_features_to_select=100, *, threshold=None, estimator=None, cv=5, hidden_dims=(1000, 100),
                 activation="relu", sigma=0.5, lam=0.1, learning_rate=1e-3, optimizer="Adam", weight_decay=1e-3, batch_size="auto", max_epochs=200,
                 task="auto", validation_fraction=0.2, device="auto", random_state=None):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.cv = cv
        self.task = task
        self.hidden_dims = hidden_dims
        self.activation = activation
        self.sigma = sigma
        self.lam = lam
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state

    def _fit_model(self, data: SplitData) -> FittedModel:
        STG = _import_stg()
        regression = not data.task.class_labels
        if regression and data.n_classes != 1:
            raise ValueError(f"STG's regression mode predicts one target; y has {data.n_classes} columns")
        device = torch_device(self.device)
        n_train, n_features = data.X_train.shape
        hidden = list(check_layer_sizes(self.hidden_dims, "hidden_dims"))
        batch_size = auto_batch_size(n_train + len(data.y_val)) if self.batch_size == "auto" else self.batch_size
        # The package draws its initial weights, gate noise (even when evaluating) and batch
        # order from torch's global generator: seed it for this fit only.
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(self._seed())
            model = STG(
                device=device, input_dim=n_features, output_dim=data.n_classes, hidden_dims=hidden,
                activation=self.activation, sigma=float(self.sigma), lam=float(self.lam), optimizer=self.optimizer,
                learning_rate=float(self.learning_rate), batch_size=int(batch_size),
                weight_decay=float(self.weight_decay), task_type=regression and "regression" or "classification",
            )
            targets = data.y_train.astype(np.float32) if regression else data.y_train.astype(np.int64)
            model.fit(data.X_train, targets, nr_epochs=self.max_epochs, verbose=False, shuffle=True)
            val_loss = _validation_loss(model, data, device)
        weights = mlp_weights(n_features, tuple(hidden), data.n_classes)
        return FittedModel(
            importances=model.get_gates("raw"),
            val_loss=val_loss,
            n_parameters=count_parameters(model._model),
            training_flops=self.max_epochs * costs.training_step_flops(weights, n_train)
            + costs.forward_flops(weights, len(data.y_val)),
            n_iterations=self.max_epochs,
        )


def _validation_loss(model, data: SplitData, device: torch.device) -> float:
    network = model._model
    network.eval()  # deterministic gates: clip(mu + 0.5, 0, 1)
    inputs = torch.as_tensor(data.X_val, dtype=torch.float32, device=device)
    with torch.no_grad(), warnings.catch_warnings():
        # The package's own softmax output (unused here) leaves its dimension implicit.
        warnings.filterwarnings("ignore", message="Implicit dimension choice for softmax", category=UserWarning)
        outputs = network({"input": inputs})
    # the package's outputs: logits for classes, predictions for regression targets
    return validation_loss(outputs["logits" if data.task.class_labels else "pred"], data)
