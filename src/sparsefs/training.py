"""The one training loop: dense, SET or RigL training of the MLP, feeding importance metrics.

Per step: forward, the task's loss (cross-entropy for classification, squared error for
regression and the autoencoder of unsupervised selection), backward, every metric observes the
step, the optimiser steps, and every ``update_interval`` steps each sparse layer moves a cosine-decayed
fraction of its weights (SET: regrown at random, RigL: where the loss gradient is largest).
Each epoch ends with the validation loss, which drives early stopping and marks the best
epoch, the one whose accumulated importance is reported.
"""

from __future__ import annotations

import copy
import math
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from . import costs
from .batches import BatchSource, standardization, zero_variance_features
from .importance import ImportanceAccumulator, TrainingStep, get_metric
from .network import SparseMLP
from .network.dst import TrainingMethod, get_training_method
from .tasks import CLASSIFICATION, Task

#: Evaluation batches hold at most this many input values (64 MB in float32).
_EVAL_BLOCK_ELEMENTS = 1 << 24

#: A kept epoch whose loss is this many times the untrained network's has diverged, not learnt.
DIVERGENCE_FACTOR = 100.0


@dataclass(frozen=True)
class TrainingConfig:
    """Every setting of one training run (the method page §2–§3).

    Examples
    --------
    >>> from sparsefs.training import TrainingConfig
    >>> config = TrainingConfig(training="rigl", sparsity=0.95)
    >>> round(config.density, 2), config.method.label
    (0.05, 'RigL')
    """

    training: str = "set"
    sparsity: float = 0.9
    hidden_layer_sizes: tuple[int, ...] = (1000, 100)
    l2: float = 1e-4
    learning_rate: float = 1e-3
    max_epochs: int = 200
    patience: int = 50
    #: No epoch before this one (1-based) can be best: the authors' code keeps each of the first
    #: five epochs as best whatever its validation loss (the method page §10); 1 = no such rule.
    min_best_epoch: int = 1
    batch_size: int = 100
    update_interval: int = 10
    prune_fraction: float = 0.3
    backend: str = "auto"
    n_weights: int | None = None  # the size as a number of active weights; overrides sparsity
    max_time: float | None = None  # seconds; the run stops after the first epoch that ends later
    #: (sample, output) columns the attribution back-propagates per step; None: all of them (exact)
    attribution_columns: int | None = None

    @property
    def density(self) -> float:
        return 1.0 - self.sparsity if self.method.sparse else 1.0

    @property
    def method(self) -> TrainingMethod:
        """The registered training method named by ``training``."""
        return get_training_method(self.training)


@dataclass
class TrainingResult:
    """What a run leaves behind. ``network`` is the final (not the best-epoch) network.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sparsefs.batches import BatchSource
    >>> X = np.random.RandomState(0).randn(60, 6).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> mean, scale = np.zeros(6), np.ones(6)
    >>> train = BatchSource(X[:40], y[:40], mean, scale, torch.device("cpu"))
    >>> validation = BatchSource(X[40:], y[40:], mean, scale, torch.device("cpu"))

    >>> from sparsefs.training import TrainingConfig, train_network
    >>> config = TrainingConfig(hidden_layer_sizes=(8,), max_epochs=3, batch_size=10)
    >>> result = train_network(train, validation, 2, config, ["attribution"], seed=0,
    ...                        device=torch.device("cpu"))
    >>> result.n_epochs, result.n_steps, sorted(result.importances["attribution"])
    (3, 12, ['all_epochs', 'best_epoch', 'last_iteration'])
    """

    importances: dict[str, dict[str, np.ndarray]]  # metric -> window -> (n_features,)
    history: dict[str, list]
    best_epoch: int  # 1-based
    n_epochs: int
    n_steps: int
    n_parameters: int
    n_active_weights: list[int]
    training_flops: int
    layer_densities: list[float] = field(default_factory=list)
    network: SparseMLP | None = None
    stop_reason: str = "max_epochs"  # or "patience", "max_time", "callback"


#: Called with each epoch's history record; returning ``True`` stops the run after that epoch.
EpochCallback = Callable[[dict], "bool | None"]


class Trainer:
    """One training run's network, optimiser and metrics, advanced one batch at a time.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.training import Trainer, TrainingConfig
    >>> config = TrainingConfig(hidden_layer_sizes=(8,), update_interval=1)
    >>> trainer = Trainer(10, 2, config, ["strength"], seed=0, device=torch.device("cpu"),
    ...                   steps_per_epoch=5)
    >>> loss, hits = trainer.step(torch.randn(4, 10), torch.tensor([0, 1, 0, 1]))
    >>> trainer.n_steps, loss.ndim
    (1, 0)
    """

    def __init__(self, n_features: int, n_outputs: int, config: TrainingConfig, metrics: Sequence[str], *,
                 seed: int, device: torch.device, steps_per_epoch: int, task: Task = CLASSIFICATION):
        self.config = config
        self.task = task
        self.method = config.method
        self.generator = torch.Generator().manual_seed(seed)
        # The task's own randomness (input noise, sampled outputs) has generators of its own,
        # so classification draws exactly what it drew before tasks existed.
        self._noise = _metric_generator(seed, "task/noise")
        self._outputs = _metric_generator(seed, "task/outputs")
        self.network = SparseMLP(
            n_features, config.hidden_layer_sizes, n_outputs, config.density, config.backend, self.generator, device,
            n_weights=config.n_weights if self.method.sparse else None,
        ).to(device)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=config.learning_rate, weight_decay=config.l2,
                                          **_adam_kernel(device))
        self.accumulators = []
        for name in metrics:
            metric = get_metric(name)
            metric.configure(config)
            metric.start(n_features, _metric_generator(seed, name), device)
            self.accumulators.append(ImportanceAccumulator(metric, n_features, device))
        self.flops = _FlopCounter(self.network, [acc.metric for acc in self.accumulators],
                                  task.attributed_outputs(n_outputs))
        self.total_steps = config.max_epochs * steps_per_epoch
        self.n_steps = 0

    def step(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step on a batch; returns its (detached) loss and the task's score statistics."""
        config, network, method, task = self.config, self.network, self.method, self.task
        self.n_steps += 1
        update_topology = method.sparse and self.n_steps % config.update_interval == 0
        network.capture_gradient(update_topology and method.needs_gradient)
        inputs = task.corrupt(inputs, self._noise)
        logits, pre_activations = network(inputs)
        loss = task.loss(logits, targets)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            observed = TrainingStep(network, inputs, logits.detach(), pre_activations, self._output_jacobian)
            for accumulator in self.accumulators:
                accumulator.observe(observed)
            self.optimizer.step()
            if update_topology:
                fraction = method.moved_fraction(config.prune_fraction, self.n_steps, self.total_steps)
                sparse_layers = network.sparse_layers
                for layer in sparse_layers:
                    method.update_topology(layer, fraction, self.generator, self.optimizer)
                network.capture_gradient(False)
            statistics = task.score_statistics(logits, targets)
        self.flops.add_step(len(targets))
        if update_topology:
            self.flops.add_topology_update(method, sparse_layers, len(targets))
        return loss.detach(), statistics

    def _output_jacobian(self, logits: torch.Tensor) -> torch.Tensor:
        return self.task.output_jacobian(logits, self._outputs)


def train_network(
    train: BatchSource,
    validation: BatchSource | None,
    n_outputs: int,
    config: TrainingConfig,
    metrics: Sequence[str],
    *,
    seed: int,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
    task: Task = CLASSIFICATION,
    keep_best_network: bool = False,
) -> TrainingResult:
    """Train the MLP on ``train`` and return every metric's importance in every window.

    ``n_outputs``: the network's outputs (classes, regression targets, or the number of
    features for the autoencoder). Without a validation set there is no early stopping and
    the last epoch counts as best. ``on_epoch_end`` receives each epoch's history record; when
    it returns ``True`` the run stops there, as it does once ``config.max_time`` seconds have
    passed, and the best epoch so far is kept. ``keep_best_network``: ``result.network`` is a
    copy of the network as it was at the best epoch (else the final network). The history
    holds ``train_loss``, ``val_loss`` and the task's score, ``train_<score>`` and
    ``val_<score>`` (accuracy; R² for regression and reconstruction).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sparsefs.batches import BatchSource
    >>> X = np.random.RandomState(0).randn(60, 6).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> mean, scale = np.zeros(6), np.ones(6)
    >>> train = BatchSource(X[:40], y[:40], mean, scale, torch.device("cpu"))
    >>> validation = BatchSource(X[40:], y[40:], mean, scale, torch.device("cpu"))

    >>> from sparsefs.training import TrainingConfig, train_network
    >>> config = TrainingConfig(training="set", sparsity=0.5, hidden_layer_sizes=(8,),
    ...                         max_epochs=5, batch_size=10)
    >>> result = train_network(train, validation, 2, config, ["attribution", "strength"],
    ...                        seed=0, device=torch.device("cpu"))
    >>> result.importances["strength"]["all_epochs"].shape, 1 <= result.best_epoch <= 5
    ((6,), True)
    """
    trainer = Trainer(train.n_features, n_outputs, config, metrics, seed=seed, device=device,
                      steps_per_epoch=math.ceil(train.n_samples / config.batch_size), task=task)
    network, accumulators = trainer.network, trainer.accumulators
    eval_batch = max(config.batch_size, min(4096, _EVAL_BLOCK_ELEMENTS // train.n_features))
    train_score, val_score = f"train_{task.score_name}", f"val_{task.score_name}"
    history: dict[str, list] = {key: [] for key in ("epoch", "train_loss", train_score, "val_loss", val_score)}
    best_loss, best_epoch = math.inf, 0
    initial_loss = None  # the untrained network's loss (first batch): the yardstick of divergence
    started, stop_reason, best_network = time.perf_counter(), "max_epochs", None

    for epoch in range(1, config.max_epochs + 1):
        network.train()
        loss_sum = torch.zeros((), device=device)
        statistics = 0
        for inputs, targets in train.batches(config.batch_size, trainer.generator):
            loss, batch_statistics = trainer.step(inputs, targets)
            if initial_loss is None:
                initial_loss = float(loss)
            loss_sum += loss * len(targets)
            statistics = statistics + batch_statistics

        record = {
            "epoch": epoch,
            "train_loss": float(loss_sum) / train.n_samples,
            train_score: task.score(statistics, train.n_samples),
            "val_loss": math.nan,
            val_score: math.nan,
        }
        if validation is not None:
            record["val_loss"], record[val_score] = evaluate(network, validation, eval_batch, task)
            trainer.flops.add_evaluation(validation.n_samples)
        _check_finite(record, ("train_loss", "val_loss") if validation is not None else ("train_loss",))
        # Without validation, or before min_best_epoch, every epoch replaces the best one.
        is_best = validation is None or epoch <= config.min_best_epoch or record["val_loss"] < best_loss
        if is_best:
            best_loss, best_epoch = record["val_loss"], epoch
            if keep_best_network:
                best_network = copy.deepcopy(network)
        for accumulator in accumulators:
            accumulator.end_epoch(is_best)
        for key, value in record.items():
            history[key].append(value)
        if on_epoch_end is not None and _stops(on_epoch_end(record)):
            stop_reason = "callback"
            break
        if validation is not None and epoch - best_epoch >= config.patience:
            stop_reason = "patience"
            break
        if config.max_time is not None and time.perf_counter() - started >= config.max_time and epoch < config.max_epochs:
            stop_reason = "max_time"
            break

    kept = "val_loss" if validation is not None else "train_loss"
    _check_not_diverged(kept, history[kept][best_epoch - 1], initial_loss,
                        train if validation is None else validation, n_outputs, task)
    importances = {acc.metric.name: acc.result() for acc in accumulators}
    for name, windows in importances.items():
        if not all(np.isfinite(values).all() for values in windows.values()):
            raise FloatingPointError(f"training diverged: the {name} importance is not finite; try a lower learning_rate")
    return TrainingResult(
        importances=importances,
        history=history,
        best_epoch=best_epoch,
        n_epochs=epoch,
        n_steps=trainer.n_steps,
        n_parameters=network.n_parameters(),
        n_active_weights=network.n_active_weights(),
        training_flops=trainer.flops.total,
        layer_densities=list(network.densities),
        network=best_network if keep_best_network else network,
        stop_reason=stop_reason,
    )


def _check_finite(record: dict, keys: tuple[str, ...]) -> None:
    """A NaN or infinite loss means the weights have diverged: stop rather than rank with them."""
    for key in keys:
        value = record[key]
        if not math.isfinite(value):
            raise FloatingPointError(
                f"training diverged in epoch {record['epoch']}: the {key.replace('_', ' ')} is {value}; "
                "try a lower learning_rate"
            )


def _check_not_diverged(kept: str, loss: float, initial_loss: float, rows: BatchSource, n_outputs: int,
                        task: Task) -> None:
    """The kept epoch's loss (on ``rows``) must not be absurdly above what no learning gives (e.g. 1e17).

    The yardstick is the larger of the untrained network's loss (on its first batch) and the
    loss on the same ``rows`` of a trivial predictor, whose outputs are all zero: the training
    rows' mean of the standardised targets (regression) or inputs (the autoencoder), equal
    probabilities for every class. A row far from the rest (a target of 50 where the others are
    near 2) makes the loss on its rows large whatever the network does, and the trivial
    predictor's as large: only a loss far above both is the training's doing.
    """
    if loss <= DIVERGENCE_FACTOR * initial_loss:
        return
    total = 0.0
    with torch.no_grad():
        for _, targets in rows.batches(_EVAL_BLOCK_ELEMENTS // max(1, n_outputs) or 1):
            zeros = torch.zeros(len(targets), n_outputs, dtype=torch.get_default_dtype(), device=targets.device)
            total += float(task.loss(zeros, targets, reduction="sum"))
    trivial = total / rows.n_samples
    if loss > DIVERGENCE_FACTOR * trivial:
        raise FloatingPointError(
            f"training diverged: the {kept.replace('_', ' ')} of the kept epoch, {loss:.4g}, is over "
            f"{DIVERGENCE_FACTOR:g} times the untrained network's loss ({initial_loss:.4g}) and a constant "
            f"prediction's ({trivial:.4g}); try a lower learning_rate"
        )


def _adam_kernel(device: torch.device) -> dict:
    """How Adam runs: torch's multi-tensor ("foreach") implementation, 2.7x faster per step
    than the default loop over 6M weights (measured) and identical to it bit for bit. Not the
    fused kernel, though it is 4x faster again: its vectorised rounding depends on where a
    weight sits in its tensor, so the masked and sparse backends would no longer make the same
    moves from the same state (tests/test_backends.py), nor would stored results repeat."""
    return {"foreach": True} if torch.device(device).type in ("cpu", "cuda") else {}


def _metric_generator(seed: int, name: str) -> torch.Generator:
    """A generator of the metric's own, so adding a metric never changes the training."""
    state = np.random.SeedSequence([seed, zlib.crc32(name.encode())]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


@torch.no_grad()
def evaluate(network: SparseMLP, data: BatchSource, batch_size: int = 1024,
             task: Task = CLASSIFICATION) -> tuple[float, float]:
    """Mean loss and score of ``network`` on every row of ``data`` (classification: cross-entropy
    and accuracy; regression and the autoencoder: squared error and R²), without input noise.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sparsefs.batches import BatchSource
    >>> X = np.random.RandomState(0).randn(60, 6).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> mean, scale = np.zeros(6), np.ones(6)
    >>> train = BatchSource(X[:40], y[:40], mean, scale, torch.device("cpu"))
    >>> validation = BatchSource(X[40:], y[40:], mean, scale, torch.device("cpu"))

    >>> from sparsefs.network import SparseMLP
    >>> from sparsefs.training import evaluate
    >>> network = SparseMLP(6, (8,), 2, generator=torch.Generator().manual_seed(0))
    >>> loss, accuracy = evaluate(network, validation)
    >>> loss > 0, 0 <= accuracy <= 1
    (True, True)
    """
    network.eval()
    loss_sum = torch.zeros((), device=data.device)
    statistics = 0
    for inputs, targets in data.batches(batch_size):
        logits, _ = network(inputs)
        loss_sum += task.loss(logits, targets, reduction="sum")
        statistics = statistics + task.score_statistics(logits, targets)
    network.train()
    return float(loss_sum) / data.n_samples, task.score(statistics, data.n_samples)


class _FlopCounter:
    """Adds up the theoretical FLOPs of a run, recounting the active weights after each
    topology update (a method need not keep every layer's count constant)."""

    def __init__(self, network: SparseMLP, metrics, n_outputs: int):
        self._network = network
        self._metrics = metrics
        self._n_outputs = n_outputs
        self._weights = network.n_active_weights()
        self._per_step: dict[int, int] = {}  # batch size -> FLOPs of a step, until the next recount
        self.total = 0

    def add_step(self, batch_size: int) -> None:
        # counted once per batch size and topology: a masked layer counts its weights with a
        # reduction over its whole mask, too slow for every step
        if batch_size not in self._per_step:
            self._per_step[batch_size] = costs.training_step_flops(self._weights, batch_size) + sum(
                metric.flops(self._network, batch_size, self._n_outputs) for metric in self._metrics)
        self.total += self._per_step[batch_size]

    def add_topology_update(self, method: TrainingMethod, layers, batch_size: int) -> None:
        """The update's own cost (``method.extra_flops``), then the recount for later steps."""
        self.total += method.extra_flops([(layer.in_features, layer.out_features) for layer in layers], batch_size)
        weights = self._network.n_active_weights()
        if weights != self._weights:  # a method that changes the counts
            self._weights, self._per_step = weights, {}

    def add_evaluation(self, n_samples: int) -> None:
        self.total += costs.forward_flops(self._weights, n_samples)


def _stops(answer) -> bool:
    """Whether an ``on_epoch_end`` answer stops the run: ``True`` (numpy's too) stops it, ``None``
    or ``False`` goes on; anything else is refused, since a logger that returns what it wrote
    (a count, a string) must not stop a fit by accident."""
    if answer is None or isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    raise TypeError(f"on_epoch_end returned {type(answer).__name__} {answer!r:.40}: return True to stop the fit, "
                    "None or False to go on")


@dataclass
class SelectionRun:
    """One training run of a feature selector (:func:`train_selection_run`): the training result,
    its importances with the features constant in the training rows set to 0, and the
    standardisation of the training rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.training import SelectionRun, TrainingConfig, train_selection_run
    >>> X, y = np.random.RandomState(0).randn(40, 5).astype(np.float32), np.arange(40) % 2
    >>> X[:, 4] = 1.0  # constant: it gets no importance
    >>> config = TrainingConfig(hidden_layer_sizes=(8,), sparsity=0.5, max_epochs=2,
    ...                         batch_size=10)
    >>> run = train_selection_run(X, y, np.arange(30), np.arange(30, 40), 2, config,
    ...                           ["strength"], seed=0)
    >>> isinstance(run, SelectionRun), float(run.importances["strength"]["all_epochs"][4])
    (True, 0.0)
    """

    result: TrainingResult
    importances: dict[str, dict[str, np.ndarray]]  # metric -> window -> vector, constant features at 0
    mean: np.ndarray
    scale: np.ndarray


def train_selection_run(X, values, train_rows: np.ndarray, val_rows: np.ndarray | None, n_outputs: int | None,
                        config: TrainingConfig, metrics: Sequence[str], *, seed: int, device: torch.device | str = "cpu",
                        standardize: bool = True, task: Task = CLASSIFICATION, on_epoch_end: Callable | None = None,
                        keep_network: bool = False) -> SelectionRun:
    """One training run of a selector on the rows of ``X`` it was given: standardise with the
    training rows' statistics (``standardize``), batch the training and validation rows
    (``values``: the task's targets of every row, or None), train (:func:`train_network`), and
    zero the importance of the features constant in the training rows. ``n_outputs``: the
    task's outputs (None: one per feature, the autoencoder). The network is kept only with
    ``keep_network`` (it is not sent back from a worker otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.training import TrainingConfig, train_selection_run
    >>> X, y = np.random.RandomState(0).randn(40, 5).astype(np.float32), np.arange(40) % 2
    >>> config = TrainingConfig(hidden_layer_sizes=(8,), sparsity=0.5, max_epochs=3,
    ...                         batch_size=10)
    >>> run = train_selection_run(X, y, np.arange(30), None, 2, config, ["attribution"],
    ...                           seed=0)
    >>> (run.result.n_epochs, run.importances["attribution"]["all_epochs"].shape,
    ...  run.result.network is None)
    (3, (5,), True)
    """
    X_train = X[train_rows]
    mean, scale = standardization(X_train, standardize)
    device = torch.device(device)
    train = BatchSource(X_train, None if values is None else values[train_rows], mean, scale, device)
    validation = None if val_rows is None else BatchSource(
        X[val_rows], None if values is None else values[val_rows], mean, scale, device)
    result = train_network(train, validation, n_outputs or X.shape[1], config, metrics, seed=seed, device=device,
                           on_epoch_end=on_epoch_end, task=task, keep_best_network=keep_network)
    if not keep_network:
        result.network = None
    constant = zero_variance_features(X_train)
    importances = {metric: {window: np.where(constant, 0.0, vector) for window, vector in windows.items()}
                   for metric, windows in result.importances.items()}
    return SelectionRun(result, importances, mean, scale)
