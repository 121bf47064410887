"""SparseFeatureSelector: feature selection with a sparse MLP trained by SET, RigL or densely."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import check_random_state

from .._sklearn import Interval, StrOptions
from ..batches import auto_batch_size
from ..devices import fit_threads, parse_device, resolve_device, torch_threads
from ..importance import METRICS, WINDOWS
from ..network import BACKENDS
from ..registry import TASKS, TRAINING_METHODS, added_parts, call_with_parts
from ..stability import combine_runs, selection_stability
from ..tasks import Task
from ..training import TrainingConfig, train_selection_run
from ._predictor import TrainedNetwork
from ._ranking import RankingSelector, check_layer_sizes, warn_tied_cut
from .presets import PRESETS, preset_params, resolve_settings


class SparseFeatureSelector(RankingSelector):
    """Rank features by the importance a sparse neural network gives them while it learns.

    An MLP (``n_features -> hidden_layer_sizes -> outputs``) is trained on the data, densely
    or with dynamic sparse training (SET: weights regrown at random; RigL: regrown where the
    loss gradient is largest). At every training step an importance metric scores each input
    feature; the scores are summed over training up to the epoch with the lowest validation
    loss. The ``n_features_to_select`` features with the highest total are selected.

    The task follows ``y`` (``task="auto"``): class labels are classified (softmax outputs,
    cross-entropy), continuous targets, one column or several, are regressed (linear outputs,
    squared error on standardised targets), and without ``y`` the network is a denoising
    autoencoder that reconstructs its input (unsupervised selection, as in QuickSelection).

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
        standardisation and ``SVC()`` for classification, ``SVR()`` for regression (RBF kernels,
        the paper's evaluation); ``"auto"`` needs a supervised task.
    tol : float >= 0, default=0.01
        The smallest rise of the ``"auto"`` score (accuracy for classifiers) worth a larger K.
    cv : int, cross-validation generator or iterable, default=5
        The cross-validation of ``"auto"`` (stratified folds for classifiers).
    task : {"auto", "classification", "regression", "unsupervised"}, default="auto"
        What the network learns. ``"auto"``: ``fit(X)`` without ``y`` is unsupervised; otherwise
        scikit-learn's ``type_of_target(y)`` decides: "binary"/"multiclass" is classification
        (so whole-number targets are classes: name ``"regression"`` for counts), "continuous"
        (one or several columns) is regression. An unsupervised fit ignores a given ``y``, as
        scikit-learn's unsupervised estimators do.
    training : {"set", "rigl", "dense"}, default="set"
        How the network is trained. ``"dense"`` ignores ``sparsity``.
    importance : {"attribution", "strength", "random"} or list of them, default="attribution"
        The importance metric. ``"attribution"``: mean absolute gradient of the outputs (class
        probabilities; regression outputs; the reconstruction) with respect to each input,
        summed over outputs. ``"strength"``: sum of the
        absolute first-layer weights leaving each input. ``"random"``: a random ranking (sanity
        baseline). A list computes every listed metric in the same run (``importances_``);
        the first one drives the selection.
    sparsity : float in [0, 1), default=0.9
        Fraction of zero weights over the whole network, spread over layers by ERK.
    n_weights : int or None, default=None
        The network's size as a number of active weights in all layers together (ERK
        shape kept); overrides ``sparsity`` when given. With a million features,
        ``n_weights=1_000_000`` says "about a million weights" directly.
    l2 : float or None, default=None
        L2 weight decay of the Adam optimiser. ``None``: the preset's (``1e-4``, the paper's).
    hidden_layer_sizes : tuple of int or None, default=None
        Widths of the hidden layers, from the input side (ReLU after each). ``None``: the
        preset's: the paper's network is ``n_features -> 1000 -> 100 -> outputs``; on small
        data a single layer of 100 (``preset="recommended"``) selects better and trains much
        faster.
    learning_rate : float, default=1e-3
        Adam's learning rate.
    max_epochs : int, default=200
        The most epochs trained: fewer when ``patience``, ``max_time`` or ``on_epoch_end``
        stops the fit earlier. It also sets the length of ``prune_fraction``'s cosine
        schedule, which reaches zero after ``max_epochs`` epochs.
    patience : int, default=50
        Training stops after this many epochs without a lower validation loss.
    min_best_epoch : int, default=5
        No epoch before this one (1-based) counts as best: each of the first ``min_best_epoch``
        epochs replaces the best epoch whatever its validation loss, so the importance is
        summed over at least that many epochs and patience counts from there. 5 follows the
        authors' code (``epoch < 5`` with 0-based epochs); ``1`` keeps the epoch of lowest
        validation loss however early it is. Without validation the last epoch is best anyway.
    batch_size : int, "auto" or None, default=None
        ``"auto"``: 32 when ``X`` has fewer than 200 rows, else 100. ``None``: the preset's
        (``"auto"``, the paper's).
    update_interval : int, default=10
        Optimiser steps between topology updates (SET and RigL).
    prune_fraction : float in (0, 1), default=0.3
        Fraction of each layer's active weights moved at the first update; decays to zero
        with a cosine schedule over ``max_epochs``.
    attribution_columns : int or None, default=None
        The attribution back-propagates, at every step, one gradient column per row of the
        batch and output (class): ``batch_size x C`` columns, the largest cost of a step when
        there are many classes. An int estimates each step's sum from that many columns
        instead, drawn with probability proportional to their size and reweighted (unbiased;
        ``sparsefs.importance.NeuronAttribution``); ``None``: every column, the exact sum (the
        paper's).
    accumulate : {"all_epochs", "best_epoch", "last_iteration"} or None, default=None
        Which importance becomes ``feature_importances_``: the sum over every iteration up to
        the best epoch, the sum within the best epoch, or the value at its last iteration.
        ``None``: the preset's (``"all_epochs"``, the paper's).
    validation_fraction : float in [0, 1) or None, default=None
        Share of the rows held out for early stopping; stratified for classification (every
        class needs at least two samples, one to train on and one to validate with), random
        otherwise. ``0`` trains on every row for ``max_epochs`` epochs and uses the last
        epoch. ``None``: the preset's (``0.2``, the paper's).
    backend : {"auto", "sparse", "masked"}, default="auto"
        How sparse layers are stored and multiplied. ``"sparse"``: only active weights (CSR),
        so time and memory follow the number of active weights; ``"masked"``: a dense matrix
        times a mask (the reference); ``"auto"``: per layer, whichever was measured faster
        for its shape, density and device. The results agree to float precision.
    standardize : bool, default=True
        Scale features to zero mean and unit variance with statistics of the training rows.
        Sparse ``X`` is scaled to unit variance but never centred (centring would make every
        zero non-zero); for classification and regression it is never densified, not per batch
        either (unsupervised selection adds noise to every input and reconstructs every
        feature, so its batches are dense).
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
        With repeats (``n_repeats > 1``, refused otherwise): each fit trains on a bootstrap
        resample (per class, with replacement) of its training rows; the validation rows are
        left as they are.
    n_jobs : int or None, default=None
        Repeats run in parallel in this many processes (joblib; ``None``: 1, ``-1``: every
        core). The result does not depend on it.
    n_threads : int or None, default=None
        CPU threads of each fit. ``None``: the cores shared among the fits that run at once,
        and one thread when the machine is already busy (load average at least its number
        of cores; see :func:`sparsefs.devices.fit_threads`). The result does not depend on it.
    max_time : float or None, default=None
        Seconds after which each fit stops at the end of the current epoch, keeping the best
        epoch so far (``stop_reason_`` is ``"max_time"``).
    keep_network : bool, default=False
        Classification: keep the network of the best epoch as ``network_``, a classifier on
        the full feature set (``predict``, ``predict_proba``, ``score``). Off by default: it can be far
        larger than the rest of the fitted selector, and pickles with it.
    verbose : int, default=0
        Print one line per epoch when positive.
    preset : {"paper", "recommended"}, default="paper"
        A named configuration (:mod:`sparsefs.selector.presets`) of the parameters whose default is
        ``None`` above. ``"paper"``: the paper's settings. ``"recommended"``: the settings
        measured to select better features on small and noisy data (see the user guide's
        "Presets"). A parameter left at ``None`` takes the preset's value; any value given,
        the paper's included, wins over the preset.

    Attributes
    ----------
    feature_importances_ : ndarray of shape (n_features,)
        Accumulated importance of every feature (0 for features constant in the training rows).
    ranking_ : ndarray of shape (n_features,)
        The rank of each feature by ``feature_importances_``: the integers 1 to
        ``n_features``, each exactly once, 1 = most important; equal importances are ranked
        by column order (the earlier column first). The selected features are those with
        ``ranking_ <= n_features_to_select_``. Unlike scikit-learn's ``RFE.ranking_``, which
        gives rank 1 to every selected feature, no two features share a rank.
    ranked_features_ : ndarray of shape (n_features,)
        Feature indices, most important first (``ranked_features_[0]`` has rank 1).
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
    task_ : str
        The task that was fitted: "classification", "regression" or "unsupervised".
    importances_ : dict
        ``importances_[metric][window]``: the importance of every computed metric in every
        accumulation window, as of the best epoch.
    classes_ : ndarray
        Classification only: the class labels, in the order of the network's outputs.
    best_epoch_ : int
        The (1-based) epoch with the lowest validation loss.
    n_epochs_ : int
        Epochs trained.
    history_ : dict of lists
        Per epoch: ``epoch``, ``train_loss``, ``val_loss`` and the task's score, ``train_accuracy``
        and ``val_accuracy`` (classification) or ``train_r2`` and ``val_r2`` (regression; the
        reconstruction's R² for unsupervised selection), of the first repeat.
    n_parameters_ : int
        Stored parameters of the trained network (active weights and biases).
    layer_densities_ : list of float
        Density of each weight layer.
    training_flops_ : int
        Theoretical FLOPs of the whole run (every repeat), importance computation included.
    preset_params_ : dict
        The settings the preset supplied to this fit: the parameters it sets that were left at
        ``None`` (empty for ``preset="paper"``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.

    See Also
    --------
    sparsefs.baselines.LassoSelector : L1-regularised linear selection, a strong baseline.
    sparsefs.baselines.LassoNetSelector : A network with a LassoNet path (the paper's baseline).
    sparsefs.baselines.STGSelector : A network with stochastic gates (the paper's baseline).
    sparsefs.selector.presets : The paper's and the recommended settings (``preset``).
    sparsefs.plot.plot_importances : Bar chart of the most important features.
    sklearn.feature_selection.SelectFromModel : Selection by a fitted model's importances.
    sklearn.feature_selection.RFE : Recursive feature elimination.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs import SparseFeatureSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SparseFeatureSelector(16, training="set", sparsity=0.8,
    ...                                  hidden_layer_sizes=(64, 16), max_epochs=3,
    ...                                  random_state=0).fit(X[:500], y[:500])
    >>> selector.transform(X).shape
    (1797, 16)
    >>> selector.ranking_.shape, selector.feature_importances_.shape
    ((64,), (64,))
    >>> int(selector.ranking_[selector.ranked_features_[0]])  # the most important: rank 1
    1
    >>> sorted(selector.importances_["attribution"])
    ['all_epochs', 'best_epoch', 'last_iteration']
    >>> selector.n_parameters_ < 64 * 64 + 64 * 16 + 16 * 10
    True
    """

    _parameter_constraints: dict = {
        **RankingSelector._parameter_constraints,
        # names are checked against the registries at fit time (_check_settings), so that a
        # part registered after this class was defined is accepted
        "task": [str, Task],
        "training": [str],
        "importance": [str, list, tuple],
        "sparsity": [Interval(Real, 0, 1, closed="left")],
        "n_weights": [Interval(Integral, 1, None, closed="left"), None],
        "l2": [Interval(Real, 0, None, closed="left"), None],
        "hidden_layer_sizes": [list, tuple, None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "min_best_epoch": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
        "prune_fraction": [Interval(Real, 0, 1, closed="neither")],
        "attribution_columns": [Interval(Integral, 1, None, closed="left"), None],
        "accumulate": [StrOptions(set(WINDOWS)), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "backend": [StrOptions(set(BACKENDS))],
        "standardize": ["boolean"],
        "device": [str, torch.device],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "bootstrap": ["boolean"],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), Interval(Integral, None, -1, closed="right"), None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "keep_network": ["boolean"],
        "verbose": ["verbose"],
        "preset": [StrOptions(set(PRESETS))],
    }

    def __init__(
        self,
        n_features_to_select=100,
        *,
        threshold=None,
        estimator=None,
        tol=0.01,
        cv=5,
        task="auto",
        training="set",
        importance="attribution",
        sparsity=0.9,
        n_weights=None,
        l2=None,
        hidden_layer_sizes=None,
        learning_rate=1e-3,
        max_epochs=200,
        patience=50,
        min_best_epoch=5,
        batch_size=None,
        update_interval=10,
        prune_fraction=0.3,
        attribution_columns=None,
        accumulate=None,
        validation_fraction=None,
        backend="auto",
        standardize=True,
        device="auto",
        random_state=None,
        n_repeats=1,
        bootstrap=False,
        n_jobs=None,
        n_threads=None,
        max_time=None,
        keep_network=False,
        verbose=0,
        preset="paper",
    ):
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.estimator = estimator
        self.tol = tol
        self.cv = cv
        self.task = task
        self.training = training
        self.importance = importance
        self.sparsity = sparsity
        self.n_weights = n_weights
        self.l2 = l2
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.patience = patience
        self.min_best_epoch = min_best_epoch
        self.batch_size = batch_size
        self.update_interval = update_interval
        self.prune_fraction = prune_fraction
        self.attribution_columns = attribution_columns
        self.accumulate = accumulate
        self.validation_fraction = validation_fraction
        self.backend = backend
        self.standardize = standardize
        self.device = device
        self.random_state = random_state
        self.n_repeats = n_repeats
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.n_threads = n_threads
        self.max_time = max_time
        self.keep_network = keep_network
        self.verbose = verbose
        self.preset = preset

    def fit(self, X, y=None, *, on_epoch_end=None):
        """Train the network on ``(X, y)`` (or on ``X`` alone, unsupervised) and rank the features.

        Parameters
        ----------
        X : array-like, DataFrame, sparse matrix or sparse Tensor of shape (n_samples, n_features)
            The data: a numpy array, a pandas DataFrame (column names are kept), a scipy
            sparse matrix or a torch sparse tensor (for classification and regression never
            densified: the network reads each batch's non-zeros; a malformed one is refused).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Class labels, continuous targets (1-D, or 2-D for several outputs), or ``None``
            for unsupervised selection (see ``task``).
        on_epoch_end : callable, default=None
            Called with each epoch's history record (a dict, as a row of ``history_``);
            returning ``True`` (or numpy's ``True``) stops the fit after that epoch, keeping
            the best epoch so far (``None`` or ``False`` go on; other answers are refused).
            With ``n_jobs > 1`` it runs in the worker processes.

        Returns
        -------
        self : SparseFeatureSelector
            The fitted selector; a refit forgets everything of the previous fit.
        """
        if on_epoch_end is not None and not callable(on_epoch_end):
            raise TypeError(f"on_epoch_end must be a function of the epoch's record, got {type(on_epoch_end).__name__}")
        return super().fit(X, y, on_epoch_end=on_epoch_end)

    def _rank(self, X, targets, task, *, on_epoch_end=None) -> None:
        settings = self._settings()
        metrics = self._metric_names()
        run = _RunPlan(
            config=self._training_config(settings, X.shape[0]),
            metrics=metrics,
            validation_fraction=float(settings["validation_fraction"]),
            bootstrap=self.bootstrap,
            standardize=self.standardize,
            device=self._torch_device(),
            task=task,
            keep_network=self.keep_network,
            on_epoch_end=_epoch_printer(self.verbose, self.max_epochs, task.score_name, on_epoch_end),
            threads=fit_threads(self.n_threads, 1 if self.n_repeats == 1 else
                                min(self.n_repeats, effective_n_jobs(self.n_jobs))),
        )
        if self.n_repeats == 1:
            runs = [run(X, targets, self.random_state)]
        else:
            # One seed per repeat, drawn from random_state: each repeat is then the fit that
            # random_state=seed would make, in whichever process runs it.
            seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=self.n_repeats)
            parts = added_parts()  # parts registered in this process, which worker processes lack
            runs = Parallel(n_jobs=self.n_jobs)(
                delayed(call_with_parts)(parts, run, X, targets, int(seed)) for seed in seeds
            )
        accumulate = settings["accumulate"]
        self.importances_ = combine_runs(r.importances for r in runs)
        self.importances_per_repeat_ = np.stack([r.importances[metrics[0]][accumulate] for r in runs])
        self.feature_importances_ = self.importances_[metrics[0]][accumulate]
        first = runs[0].result
        if not self.feature_importances_.any():  # a ranking in column order carries no information
            raise ValueError(_no_information(metrics[0], accumulate, first))
        self.best_epoch_ = first.best_epoch
        self.n_epochs_ = first.n_epochs
        self.stop_reason_ = first.stop_reason
        self.history_ = first.history
        self.n_parameters_ = first.n_parameters
        self.layer_densities_ = first.layer_densities
        self.training_flops_ = sum(r.result.training_flops for r in runs)
        self.preset_params_ = preset_params(self.preset, self.get_params(deep=False))
        if self.keep_network:
            self.network_ = TrainedNetwork(first.network, runs[0].mean, runs[0].scale, self.classes_)

    def _after_selection(self) -> None:
        if self.threshold is None:  # a threshold keeps or drops tied features together
            warn_tied_cut(self.feature_importances_, self.ranked_features_, self.n_features_to_select_)
        if self.n_repeats > 1:
            self.selection_frequency_, self.stability_, self.stability_interval_ = selection_stability(
                self.importances_per_repeat_, self.n_features_to_select_)

    def _settings(self) -> dict:
        """The preset's parameters as this fit uses them (:func:`sparsefs.selector.presets.resolve_settings`)."""
        return resolve_settings(self.preset, self.get_params(deep=False))

    def _training_config(self, settings: dict, n_samples: int) -> TrainingConfig:
        batch_size = settings["batch_size"]
        return TrainingConfig(
            training=self.training,
            sparsity=float(self.sparsity),
            hidden_layer_sizes=self._hidden_sizes(settings),
            l2=float(settings["l2"]),
            learning_rate=float(self.learning_rate),
            max_epochs=self.max_epochs,
            patience=self.patience,
            min_best_epoch=self.min_best_epoch,
            batch_size=auto_batch_size(n_samples) if batch_size == "auto" else batch_size,
            update_interval=self.update_interval,
            prune_fraction=float(self.prune_fraction),
            backend=self.backend,
            n_weights=None if self.n_weights is None else int(self.n_weights),
            max_time=None if self.max_time is None else float(self.max_time),
            attribution_columns=None if self.attribution_columns is None else int(self.attribution_columns),
        )

    def _task(self, y):
        from ..tasks import resolve_task

        return resolve_task(self.task, y)

    def _check_task(self, task) -> None:
        super()._check_task(task)
        if self.keep_network and not task.class_labels:
            raise ValueError(f"keep_network=True keeps a classifier; it is not available for task={task.name!r} yet")

    def _metric_names(self) -> list[str]:
        names = [self.importance] if isinstance(self.importance, str) else list(self.importance)
        unknown = [name for name in names if name not in METRICS]
        if not names or unknown:
            raise ValueError(
                f"importance must name one or more of {sorted(METRICS)}, got {self.importance!r}"
            )
        return names

    def _hidden_sizes(self, settings: dict | None = None) -> tuple[int, ...]:
        settings = self._settings() if settings is None else settings
        return check_layer_sizes(settings["hidden_layer_sizes"], "hidden_layer_sizes")

    def _torch_device(self) -> torch.device:
        return resolve_device(self.device)

    def _check_settings(self) -> None:
        """What the parameter constraints cannot say, checked without fitting (a study's
        configuration is judged by this before any cell runs, possibly on other machines)."""
        for name, registry, extra in (("task", TASKS, ("auto",)), ("training", TRAINING_METHODS, ())):
            value = getattr(self, name)
            if isinstance(value, str) and value not in extra and value not in registry:
                raise ValueError(f"The {name!r} parameter of {type(self).__name__} must be a str among "
                                 f"{sorted({*extra, *registry})}. Got {value!r} instead.")
        self._metric_names()
        self._hidden_sizes()
        parse_device(self.device)
        super()._check_settings()
        if self.bootstrap and self.n_repeats == 1:
            raise ValueError("bootstrap=True resamples the rows of each of several fits: it needs n_repeats > 1")


class _RunPlan:
    """One repeat of a fit, as a picklable callable (joblib sends it to worker processes): the
    split and the optional bootstrap of its seed, then one training run
    (:func:`sparsefs.training.train_selection_run`)."""

    def __init__(self, *, config, metrics, validation_fraction, bootstrap, standardize, device, task, keep_network,
                 on_epoch_end, threads):
        self.config, self.metrics, self.task = config, metrics, task
        self.validation_fraction, self.bootstrap, self.standardize = validation_fraction, bootstrap, standardize
        self.device, self.keep_network, self.on_epoch_end = device, keep_network, on_epoch_end
        self.threads = threads

    def __call__(self, X, targets, random_state):
        rng = check_random_state(random_state)
        train_rows, val_rows = RankingSelector._split(X.shape[0], targets.strata, random_state,
                                                      self.validation_fraction)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if self.bootstrap:
            train_rows = _bootstrap(train_rows, None if targets.strata is None else targets.strata[train_rows], rng)
        with torch_threads(self.threads):
            return train_selection_run(
                X, targets.scaled(train_rows), train_rows, val_rows, targets.n_outputs, self.config, self.metrics,
                seed=seed, device=self.device, standardize=self.standardize, task=self.task,
                on_epoch_end=self.on_epoch_end, keep_network=self.keep_network)


def _no_information(metric: str, window: str, result) -> str:
    """Why every importance of a fit is 0, for its error message (``result``: the first run's)."""
    return (f"every feature's {metric} importance ({window}) is 0: no input reached the outputs in training, the "
            f"network of {result.n_parameters} parameters (layer densities "
            f"{', '.join(f'{d:.3g}' for d in result.layer_densities)}) is too sparse to connect them; "
            "lower sparsity, raise n_weights or widen hidden_layer_sizes")


def _bootstrap(rows: np.ndarray, strata: np.ndarray | None, rng) -> np.ndarray:
    """``rows`` resampled with replacement, within each stratum (class) when there are strata."""
    if strata is None:
        return np.sort(rng.choice(rows, size=len(rows), replace=True))
    drawn = [rng.choice(rows[strata == c], size=int(np.sum(strata == c)), replace=True) for c in np.unique(strata)]
    return np.sort(np.concatenate(drawn))


def _epoch_printer(verbose, max_epochs, score_name, callback):
    if not verbose:
        return callback
    short = {"accuracy": "acc"}.get(score_name, score_name)

    def report(record):
        print(
            f"epoch {record['epoch']}/{max_epochs}  train loss {record['train_loss']:.4f} "
            f"{short} {record['train_' + score_name]:.3f}  val loss {record['val_loss']:.4f} "
            f"{short} {record['val_' + score_name]:.3f}",
            flush=True,
        )
        if callback is not None:
            return callback(record)
        return None

    return report
