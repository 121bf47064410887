"""SparseFeatureSelector: feature selection with a sparse MLP trained by SET, RigL or densely."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _kselect
from ._predictor import TrainedNetwork
from ._ranking import available_device, check_selection_input, parse_device, top_k_mask
from ._sklearn import HasMethods, Interval, RealNotInt, StrOptions, _fit_context
from .stability import combine_importances, nogueira_stability, selection_matrix
from .data import BatchSource, standardization, zero_variance_features
from .importance import METRICS, WINDOWS
from .network import BACKENDS
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
    n_features_to_select : int, float, None or "auto", default=100
        How many features ``transform`` keeps. An int: that many. A float in (0, 1]: that
        fraction of the features, ``int(fraction * n_features)`` but at least 1 (as ``RFE``).
        ``None``: half of them (as ``RFE``), or with a ``threshold``, no limit. ``"auto"``:
        a K of the grid 1, 2, 5, 10, 20, 50, ... (and ``n_features``), by the cross-validated
        score of ``estimator`` on the top-K features: K grows along the grid, a K is chosen
        when its score beats the previous choice's by at least ``tol``, and the search stops
        after two grid steps in a row that do not (``SequentialFeatureSelector``'s ``tol``
        rule, with one step of patience); see ``k_scores_``.
    threshold : str, float or None, default=None
        As in ``SelectFromModel``: keep the features whose ``feature_importances_`` is at least
        this number, or ``"mean"``, ``"median"``, or a multiple such as ``"1.5*mean"`` of the
        importances. ``n_features_to_select`` (an int or fraction) then caps the count.
    estimator : estimator or None, default=None
        The downstream estimator scored by ``"auto"`` (``fit`` and ``score``). ``None``:
        standardisation and ``SVC()`` (an RBF SVM, the paper's evaluation).
    tol : float >= 0, default=0.01
        The smallest rise of the ``"auto"`` score (accuracy for classifiers) worth a larger K.
    cv : int, cross-validation generator or iterable, default=5
        The cross-validation of ``"auto"`` (stratified folds for classifiers).
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
    n_repeats : int, default=1
        Independent fits, each with its own seed for the split, the initialisation and the
        batch order. With more than one, each fit's importance is divided by its sum and the
        mean becomes ``feature_importances_``, and ``selection_frequency_`` and
        ``stability_`` say how much the fits agree.
    bootstrap : bool, default=False
        With repeats: each fit trains on a bootstrap resample (per class, with replacement)
        of its training rows; the validation rows are left as they are.
    n_jobs : int or None, default=None
        Repeats run in parallel in this many processes (joblib; ``None``: 1, ``-1``: every
        core). The result does not depend on it.
    max_time : float or None, default=None
        Seconds after which each fit stops at the end of the current epoch, keeping the best
        epoch so far (``stop_reason_`` is ``"max_time"``).
    keep_network : bool, default=False
        Keep the network of the best epoch as ``network_``, a classifier on the full feature
        set (``predict``, ``predict_proba``, ``score``). Off by default: it can be far
        larger than the rest of the fitted selector, and pickles with it.
    verbose : int, default=0
        Print one line per epoch when positive.

    Attributes
    ----------
    feature_importances_ : ndarray of shape (n_features,)
        Accumulated importance of every feature (0 for features constant in the training rows).
    ranking_ : ndarray of shape (n_features,)
        Feature indices, most important first.
    n_features_to_select_ : int
        The number of features selected (from ``n_features_to_select`` and ``threshold``).
    k_scores_ : dict
        Only with ``"auto"``: ``{K: mean cross-validated score}`` of every K tried.
    importances_per_repeat_ : ndarray of shape (n_repeats, n_features)
        Each repeat's own ``feature_importances_`` (``importance`` and ``accumulate`` as set).
    selection_frequency_ : ndarray of shape (n_features,)
        Only with ``n_repeats > 1``: the share of repeats whose own top
        ``n_features_to_select_`` features include each feature.
    stability_ : float
        Only with ``n_repeats > 1``: the stability of those selections (Nogueira, Sechidis
        and Brown, JMLR 2018): 1 when every repeat selects the same features, about 0 when
        they agree no more than random selections would.
    stability_interval_ : tuple of float
        Its 95% confidence interval.
    stop_reason_ : str
        Why the (first) fit stopped: ``"max_epochs"``, ``"patience"``, ``"max_time"`` or
        ``"callback"`` (``on_epoch_end`` returned ``True``).
    network_ : TrainedNetwork
        Only with ``keep_network=True``: the best epoch's network (of the first repeat) as a classifier.
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
        Per epoch: ``epoch``, ``train_loss``, ``train_accuracy``, ``val_loss``, ``val_accuracy``
        (of the first repeat).
    n_parameters_ : int
        Stored parameters of the trained network (active weights and biases).
    layer_densities_ : list of float
        Density of each weight layer.
    training_flops_ : int
        Theoretical FLOPs of the whole run (every repeat), importance computation included.
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
        "n_features_to_select": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            StrOptions({"auto"}),
            None,
        ],
        "threshold": [str, Interval(Real, None, None, closed="neither"), None],
        "estimator": [HasMethods(["fit", "score"]), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
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
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "bootstrap": ["boolean"],
        "n_jobs": [Integral, None],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "keep_network": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_features_to_select=100,
        *,
        threshold=None,
        estimator=None,
        tol=0.01,
        cv=5,
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
        n_repeats=1,
        bootstrap=False,
        n_jobs=None,
        max_time=None,
        keep_network=False,
        verbose=0,
    ):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.tol = tol
        self.cv = cv
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
        self.n_repeats = n_repeats
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.max_time = max_time
        self.keep_network = keep_network
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, on_epoch_end=None):
        """Train the network on ``(X, y)`` and rank the features.

        ``X`` may be a numpy array, a pandas DataFrame (column names are kept) or a scipy
        sparse matrix (densified one batch at a time). ``on_epoch_end``, if given, is called
        with each epoch's history record; returning ``True`` from it stops the fit after that
        epoch, keeping the best epoch so far (with ``n_jobs > 1`` it runs in the workers).
        """
        metrics = self._metric_names()
        hidden = self._hidden_sizes()
        device = self._torch_device()
        self._check_k_settings()
        X, labels, y = check_selection_input(self, X, y)

        if self.n_repeats == 1:
            runs = [self._fit_once(X, labels, y, self.random_state, metrics, hidden, device, on_epoch_end)]
        else:
            # One seed per repeat, drawn from random_state: each repeat is then the fit that
            # random_state=seed would make, in whichever process runs it.
            seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=self.n_repeats)
            runs = Parallel(n_jobs=self.n_jobs)(
                delayed(self._fit_once)(X, labels, y, int(seed), metrics, hidden, device, on_epoch_end)
                for seed in seeds
            )
        result, constant = runs[0][0], runs[0][1]
        if self.n_repeats == 1:
            self.importances_ = {
                metric: {window: np.where(constant, 0.0, values) for window, values in windows.items()}
                for metric, windows in result.importances.items()
            }
        else:
            self.importances_ = {
                metric: {
                    window: combine_importances([np.where(c, 0.0, r.importances[metric][window]) for r, c, _ in runs])
                    for window in windows
                }
                for metric, windows in result.importances.items()
            }
        self.importances_per_repeat_ = np.stack(
            [np.where(c, 0.0, r.importances[metrics[0]][self.accumulate]) for r, c, _ in runs]
        )
        self.feature_importances_ = self.importances_[metrics[0]][self.accumulate]
        self.ranking_ = np.argsort(-self.feature_importances_, kind="stable")
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.stop_reason_ = result.stop_reason
        self.history_ = result.history
        self.n_parameters_ = result.n_parameters
        self.layer_densities_ = result.layer_densities
        self.training_flops_ = sum(r.training_flops for r, _, _ in runs)
        if self.keep_network:
            mean, scale = runs[0][2]
            self.network_ = TrainedNetwork(result.network, mean, scale, self.classes_)
        self._choose_k(X, y)
        if self.n_repeats > 1:
            self._measure_stability()
        return self

    def _fit_once(self, X, labels, y, random_state, metrics, hidden, device, on_epoch_end):
        """One training run: its result, the features constant in its training rows, and
        its standardisation."""
        rng = check_random_state(random_state)
        if self.validation_fraction > 0:
            train_rows, val_rows = stratified_split(labels, self.validation_fraction, random_state)
        else:
            train_rows, val_rows = np.arange(len(y)), None
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if self.bootstrap:
            train_rows = _stratified_bootstrap(train_rows, y[train_rows], rng)
        X_train = X[train_rows]
        mean, scale = standardization(X_train, self.standardize)
        train = BatchSource(X_train, y[train_rows], mean, scale, device)
        validation = None if val_rows is None else BatchSource(X[val_rows], y[val_rows], mean, scale, device)

        config = TrainingConfig(
            training=self.training,
            sparsity=float(self.sparsity),
            hidden_layer_sizes=hidden,
            l2=float(self.l2),
            learning_rate=float(self.learning_rate),
            max_epochs=self.max_epochs,
            patience=self.patience,
            batch_size=self._batch_size(X.shape[0]),
            update_interval=self.update_interval,
            prune_fraction=float(self.prune_fraction),
            backend=self.backend,
            max_time=None if self.max_time is None else float(self.max_time),
        )
        result = train_network(
            train,
            validation,
            len(self.classes_),
            config,
            metrics,
            seed=seed,
            device=device,
            on_epoch_end=_epoch_printer(self.verbose, self.max_epochs, on_epoch_end),
            keep_best_network=self.keep_network,
        )
        if not self.keep_network:
            result.network = None  # not sent back from a worker, not kept
        return result, zero_variance_features(X_train), (mean, scale)

    def _choose_k(self, X, y) -> None:
        """``n_features_to_select_`` from ``n_features_to_select``, ``threshold`` and the importances."""
        importances, n_features = self.feature_importances_, self.n_features_in_
        if self.threshold is not None:
            cap = None if self.n_features_to_select is None else _kselect.resolve_k(self.n_features_to_select, n_features)
            self.n_features_to_select_ = int(_kselect.threshold_mask(importances, self.threshold, cap).sum())
        elif self.n_features_to_select == "auto":
            estimator = _kselect.default_estimator() if self.estimator is None else self.estimator
            self.n_features_to_select_, self.k_scores_ = _kselect.choose_k_auto(
                X, y, importances, estimator, float(self.tol), self.cv
            )
        else:
            self.n_features_to_select_ = _kselect.resolve_k(self.n_features_to_select, n_features)

    def _measure_stability(self) -> None:
        k = self.n_features_to_select_
        selections = [np.argsort(-row, kind="stable")[:k] for row in self.importances_per_repeat_]
        Z = selection_matrix(selections, self.n_features_in_)
        self.selection_frequency_ = Z.mean(axis=0)
        if 0 < k < self.n_features_in_:
            stability = nogueira_stability(Z)
            self.stability_, self.stability_interval_ = stability.value, (stability.lower, stability.upper)
        else:  # selecting none or all features: every repeat agrees, and the measure is undefined
            self.stability_, self.stability_interval_ = float("nan"), (float("nan"), float("nan"))

    def _get_support_mask(self):
        check_is_fitted(self)
        return top_k_mask(np.argsort(-self.feature_importances_, kind="stable"), self.n_features_to_select_)

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
        self._check_k_settings()

    def _check_k_settings(self) -> None:
        _kselect.check_threshold(self.threshold)
        if self.threshold is not None and self.n_features_to_select == "auto":
            raise ValueError("n_features_to_select='auto' chooses K itself; it cannot be combined with a threshold")


def _stratified_bootstrap(rows: np.ndarray, labels: np.ndarray, rng) -> np.ndarray:
    """``rows`` resampled with replacement within each class (every class keeps its count)."""
    drawn = [rng.choice(rows[labels == c], size=int(np.sum(labels == c)), replace=True) for c in np.unique(labels)]
    return np.sort(np.concatenate(drawn))


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
            return callback(record)
        return None

    return report
