"""SparseFeatureSelector: feature selection with a sparse MLP trained by SET, RigL or densely."""

from __future__ import annotations

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._ranking import available_device, check_selection_input, parse_device, top_k_mask
from ._sklearn import Interval, StrOptions, _fit_context
from .data import BatchSource, standardization, zero_variance_features
from .importance import METRICS, WINDOWS
from .network import BACKENDS
from .presets import PRESETS, preset_params
from .splitting import stratified_split
from .training import GROWTH, TrainingConfig, train_network


class SparseFeatureSelector(SelectorMixin, BaseEstimator):
    """Rank features by the importance a sparse neural network gives them while it learns.

    An MLP (``n_features -> hidden_layer_sizes -> n_classes``) is trained on the data, densely
    or with dynamic sparse training (SET: weights regrown at random; RigL: regrown where the
    loss gradient is largest). At every training step an importance metric scores each input
    feature; the scores are summed over training up to the epoch with the lowest validation
    loss. The ``n_features_to_select`` features with the highest total are selected.

    Parameters
    ----------
    n_features_to_select : int, default=100
        Number of features ``transform`` keeps.
    training : {"set", "rigl", "dense"}, default="set"
        How the network is trained. ``"dense"`` ignores ``sparsity``.
    importance : {"attribution", "strength", "random"} or list of them, default="attribution"
        The importance metric. ``"attribution"``: mean absolute gradient of the class
        probabilities with respect to each input, summed over classes. ``"strength"``: sum of the
        absolute first-layer weights leaving each input. ``"random"``: a random ranking (sanity
        baseline). A list computes every listed metric in the same run (``importances_``);
        the first one drives the selection.
    sparsity : float in [0, 1), default=0.9
        Fraction of zero weights over the whole network, spread over layers by ERK.
    l2 : float, default=1e-4
        L2 weight decay of the Adam optimiser.
    hidden_layer_sizes : tuple of int, default=(1000, 100)
    learning_rate : float, default=1e-3
    max_epochs : int, default=200
    patience : int, default=50
        Training stops after this many epochs without a lower validation loss.
    batch_size : int or "auto", default="auto"
        ``"auto"``: 32 when ``X`` has fewer than 200 rows, else 100.
    update_interval : int, default=10
        Optimiser steps between topology updates (SET and RigL).
    prune_fraction : float in (0, 1), default=0.3
        Fraction of each layer's active weights moved at the first update; decays to zero
        with a cosine schedule over ``max_epochs``.
    accumulate : {"all_epochs", "best_epoch", "last_iteration"}, default="all_epochs"
        Which importance becomes ``feature_importances_``: the sum over every iteration up to
        the best epoch, the sum within the best epoch, or the value at its last iteration.
    validation_fraction : float in [0, 1), default=0.2
        Share of the rows held out for early stopping, stratified: every class needs at least
        two samples, one to train on and one to validate with. ``0`` trains on every row for
        ``max_epochs`` epochs and uses the last epoch.
    backend : {"auto", "sparse", "masked"}, default="auto"
        How sparse layers are stored and multiplied. ``"sparse"``: only active weights (CSR),
        so time and memory follow the number of active weights; ``"masked"``: a dense matrix
        times a mask (the reference); ``"auto"``: per layer, whichever was measured faster
        for its shape, density and device. The results agree to float precision.
    standardize : bool, default=True
        Scale features to zero mean and unit variance with statistics of the training rows.
    device : str, default="auto"
        A torch device; ``"auto"`` takes CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and topology, the batch order and the regrowth.
    verbose : int, default=0
        Print one line per epoch when positive.
    preset : {"paper", "recommended"}, default="paper"
        A named configuration (:mod:`sparsefs.presets`). ``"paper"``: the paper's settings,
        which are the defaults above. ``"recommended"``: the settings measured to select
        better features on small and noisy data (see the user guide's "Presets"). Every
        parameter the preset sets that is left at its default takes the preset's value;
        a parameter set to another value wins over the preset.

    Attributes
    ----------
    feature_importances_ : ndarray of shape (n_features,)
        Accumulated importance of every feature (0 for features constant in the training rows).
    ranking_ : ndarray of shape (n_features,)
        Feature indices, most important first.
    importances_ : dict
        ``importances_[metric][window]``: the importance of every computed metric in every
        accumulation window, as of the best epoch.
    classes_ : ndarray
        The class labels, in the order of the network's outputs.
    best_epoch_ : int
        The (1-based) epoch with the lowest validation loss.
    n_epochs_ : int
        Epochs trained.
    history_ : dict of lists
        Per epoch: ``epoch``, ``train_loss``, ``train_accuracy``, ``val_loss``, ``val_accuracy``.
    n_parameters_ : int
        Stored parameters of the trained network (active weights and biases).
    layer_densities_ : list of float
        Density of each weight layer.
    training_flops_ : int
        Theoretical FLOPs of the whole run, importance computation included.
    preset_params_ : dict
        The settings the preset changed in this fit (empty for ``preset="paper"``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs import SparseFeatureSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SparseFeatureSelector(16, training="set", sparsity=0.8, hidden_layer_sizes=(64, 16),
    ...                                  max_epochs=3, random_state=0).fit(X[:500], y[:500])
    >>> selector.transform(X).shape
    (1797, 16)
    >>> selector.ranking_.shape, selector.feature_importances_.shape
    ((64,), (64,))
    >>> sorted(selector.importances_["attribution"])
    ['all_epochs', 'best_epoch', 'last_iteration']
    >>> selector.n_parameters_ < 64 * 64 + 64 * 16 + 16 * 10
    True
    """

    _parameter_constraints: dict = {
        "n_features_to_select": [Interval(Integral, 1, None, closed="left")],
        "training": [StrOptions(set(GROWTH))],
        "importance": [StrOptions(set(METRICS)), list, tuple],
        "sparsity": [Interval(Real, 0, 1, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "hidden_layer_sizes": [list, tuple],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
        "prune_fraction": [Interval(Real, 0, 1, closed="neither")],
        "accumulate": [StrOptions(set(WINDOWS))],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "backend": [StrOptions(set(BACKENDS))],
        "standardize": ["boolean"],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "preset": [StrOptions(set(PRESETS))],
    }

    def __init__(
        self,
        n_features_to_select=100,
        *,
        training="set",
        importance="attribution",
        sparsity=0.9,
        l2=1e-4,
        hidden_layer_sizes=(1000, 100),
        learning_rate=1e-3,
        max_epochs=200,
        patience=50,
        batch_size="auto",
        update_interval=10,
        prune_fraction=0.3,
        accumulate="all_epochs",
        validation_fraction=0.2,
        backend="auto",
        standardize=True,
        device="auto",
        random_state=None,
        verbose=0,
        preset="paper",
    ):
        self.n_features_to_select = n_features_to_select
        self.training = training
        self.importance = importance
        self.sparsity = sparsity
        self.l2 = l2
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.patience = patience
        self.batch_size = batch_size
        self.update_interval = update_interval
        self.prune_fraction = prune_fraction
        self.accumulate = accumulate
        self.validation_fraction = validation_fraction
        self.backend = backend
        self.standardize = standardize
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.preset = preset

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, on_epoch_end=None):
        """Train the network on ``(X, y)`` and rank the features.

        ``X`` may be a numpy array, a pandas DataFrame (column names are kept) or a scipy
        sparse matrix (densified one batch at a time). ``on_epoch_end``, if given, is called
        with each epoch's history record.
        """
        # The settings of this fit: the parameters, with the preset's values where left at default.
        changed = preset_params(self.preset, self.get_params(deep=False))
        s = copy.copy(self)
        vars(s).update(changed)
        metrics = s._metric_names()
        hidden = s._hidden_sizes()
        device = self._torch_device()
        X, labels, y = check_selection_input(self, X, y)

        rng = check_random_state(self.random_state)
        if s.validation_fraction > 0:
            train_rows, val_rows = stratified_split(labels, s.validation_fraction, self.random_state)
        else:
            train_rows, val_rows = np.arange(len(y)), None
        X_train = X[train_rows]
        mean, scale = standardization(X_train, self.standardize)
        train = BatchSource(X_train, y[train_rows], mean, scale, device)
        validation = None if val_rows is None else BatchSource(X[val_rows], y[val_rows], mean, scale, device)

        config = TrainingConfig(
            training=s.training,
            sparsity=float(s.sparsity),
            hidden_layer_sizes=hidden,
            l2=float(s.l2),
            learning_rate=float(s.learning_rate),
            max_epochs=s.max_epochs,
            patience=s.patience,
            batch_size=s._batch_size(X.shape[0]),
            update_interval=s.update_interval,
            prune_fraction=float(s.prune_fraction),
            backend=self.backend,
        )
        result = train_network(
            train,
            validation,
            len(self.classes_),
            config,
            metrics,
            seed=int(rng.randint(np.iinfo(np.int32).max)),
            device=device,
            on_epoch_end=_epoch_printer(self.verbose, s.max_epochs, on_epoch_end),
        )

        constant = zero_variance_features(X_train)
        self.importances_ = {
            metric: {window: np.where(constant, 0.0, values) for window, values in windows.items()}
            for metric, windows in result.importances.items()
        }
        self.feature_importances_ = self.importances_[metrics[0]][s.accumulate]
        self.ranking_ = np.argsort(-self.feature_importances_, kind="stable")
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.history_ = result.history
        self.n_parameters_ = result.n_parameters
        self.layer_densities_ = result.layer_densities
        self.training_flops_ = result.training_flops
        self.preset_params_ = changed
        return self

    def _get_support_mask(self):
        check_is_fitted(self)
        return top_k_mask(self.ranking_, self.n_features_to_select)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags

    def _metric_names(self) -> list[str]:
        names = [self.importance] if isinstance(self.importance, str) else list(self.importance)
        unknown = [name for name in names if name not in METRICS]
        if not names or unknown:
            raise ValueError(
                f"importance must name one or more of {sorted(METRICS)}, got {self.importance!r}"
            )
        return names

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = tuple(self.hidden_layer_sizes)
        if not all(isinstance(size, Integral) and size >= 1 for size in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}")
        return tuple(int(size) for size in sizes)

    def _batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return 32 if n_samples < 200 else 100
        return self.batch_size

    def _torch_device(self) -> torch.device:
        return available_device(self.device)

    def _check_settings(self) -> None:
        """What the parameter constraints cannot say, checked without fitting (a study's
        configuration is judged by this before any cell runs, possibly on other machines)."""
        self._metric_names()
        self._hidden_sizes()
        parse_device(self.device)


def _epoch_printer(verbose, max_epochs, callback):
    if not verbose:
        return callback

    def report(record):
        print(
            f"epoch {record['epoch']}/{max_epochs}  train loss {record['train_loss']:.4f} "
            f"acc {record['train_accuracy']:.3f}  val loss {record['val_loss']:.4f} "
            f"acc {record['val_accuracy']:.3f}",
            flush=True,
        )
        if callback is not None:
            callback(record)

    return report
