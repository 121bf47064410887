"""Tasks: what the network learns from, and how a selection of features is judged.

A task decides the targets (their checks and encoding), the output layer's size, the loss, the
score recorded per epoch, how rows are split for validation, the output map whose input
gradients the attribution metric measures, and the downstream evaluation of a feature subset.
Three are registered in :data:`sparsefs.registry.TASKS`:

- ``classification``: cross-entropy on class indices, softmax outputs, stratified splits,
  accuracy; evaluated by an RBF SVM's test accuracy (the paper's measure);
- ``regression`` (one or several outputs): mean squared error on targets standardised with
  training statistics, linear outputs, random splits, R²; evaluated by an RBF SVR's test R²
  (and RMSE);
- ``unsupervised``: a denoising autoencoder as in QuickSelection (Atashgahi et al., Machine
  Learning 2022): the network reconstructs the standardised input from a copy with Gaussian
  noise; evaluated by the test accuracy of an SVM on labels the selection never saw, where
  labels exist, and by how well the selected features reconstruct all of them.

The task is inferred from ``y`` with scikit-learn's ``type_of_target`` (no ``y``:
unsupervised), or named.

Examples
--------
>>> import numpy as np
>>> from sparsefs.tasks import resolve_task
>>> resolve_task("auto", np.array([0, 1, 1])).name, resolve_task("auto", np.array([0.5, 1.2, 3.1])).name
('classification', 'regression')
>>> resolve_task("auto", None).name
'unsupervised'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.multiclass import type_of_target

from ._labels import encode_labels
from .importance.attribution import softmax_jacobian
from .registry import TASKS

__all__ = ["Task", "Targets", "Classification", "Regression", "Unsupervised", "resolve_task", "softmax_jacobian"]


@dataclass(frozen=True)
class Targets:
    """What a task made of ``y``: the values the network is trained on and what they mean.

    ``values``: class indices (int64), targets of shape ``(n, n_outputs)`` (standardised per
    split by :meth:`Targets.scaled`), or ``None`` (the network reconstructs its input). ``strata``: the
    labels a split keeps in proportion (``None``: a random split). ``classes``: the class
    labels (classification).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.registry import TASKS
    >>> targets = TASKS["classification"].targets(np.array(["b", "a", "b"]), 3)
    >>> targets.values.tolist(), targets.n_outputs, targets.classes.tolist()
    ([1, 0, 1], 2, ['a', 'b'])
    """

    values: np.ndarray | None
    n_outputs: int | None  # None: as many as the input has features
    strata: np.ndarray | None = None
    classes: np.ndarray | None = None

    def scaled(self, train_rows: np.ndarray) -> np.ndarray | None:
        """The values with regression targets standardised by the training rows' statistics
        (outputs start at the right scale and each weighs the same in the loss); class indices
        and ``None`` pass through."""
        values = self.values
        if values is None or values.dtype.kind in "iub":
            return values
        mean, scale = values[train_rows].mean(axis=0), values[train_rows].std(axis=0)
        return (values - mean) / np.where(scale > 0, scale, 1.0)


class Task:
    """One kind of learning problem. Subclasses set the class attributes and the methods.

    ``score_name`` names the per-epoch score of ``history_`` (``train_<score_name>``,
    ``val_<score_name>``) and ``score_label`` the same in text; ``measure`` names the downstream
    evaluation's main number, ``measure_label`` its column title and ``evaluation_label`` the
    evaluation in words; ``class_labels`` says whether the targets are class labels.

    Examples
    --------
    >>> from sparsefs.registry import TASKS
    >>> [(task.name, task.score_name, task.measure) for task in TASKS.values()]
    [('classification', 'accuracy', 'accuracy'), ('regression', 'r2', 'r2'),
     ('unsupervised', 'r2', 'accuracy')]
    """

    name: str
    label: str
    supervised: bool = True
    class_labels: bool = False
    score_name: str
    score_label: str
    measure: str
    measure_label: str
    evaluation_label: str
    target_dtype: torch.dtype = torch.float32

    def describe_targets(self, n_classes: int) -> str:
        """The targets a dataset gives this task, in words (``n_classes``: its number of classes)."""
        raise NotImplementedError

    def targets(self, y, n_samples: int) -> Targets:
        """Check and encode ``y`` (already length-checked against ``X``)."""
        raise NotImplementedError

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        raise NotImplementedError

    def score_statistics(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Sums, over a batch, from which ``score`` computes the score of a whole pass."""
        raise NotImplementedError

    def score(self, statistics: torch.Tensor, n_samples: int) -> float:
        raise NotImplementedError

    def corrupt(self, inputs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The inputs the network is trained on (the unsupervised task adds noise)."""
        return inputs

    def output_jacobian(self, logits: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(m, O, C)``: the derivative of the ``O`` outputs the attribution sums over, with
        respect to the ``C`` values of the last layer, for each of the ``m`` samples."""
        raise NotImplementedError

    def attributed_outputs(self, n_outputs: int) -> int:
        """How many outputs :meth:`output_jacobian` returns for a network of ``n_outputs``."""
        return n_outputs

    def evaluate(self, X_train, y_train, X_test, y_test, features) -> dict[str, float]:
        """The downstream measures of a feature subset: ``{measure: value}``, the task's
        ``measure`` first. ``y`` are the original targets (for unsupervised selection, the
        hidden labels, or None)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<task {self.name}>"


def _identity_jacobian(logits: torch.Tensor) -> torch.Tensor:
    m, n = logits.shape
    return torch.eye(n, dtype=logits.dtype, device=logits.device).expand(m, n, n)


class Classification(Task):
    """Cross-entropy on class indices; attribution of the softmax outputs; SVM accuracy.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.tasks import Classification
    >>> task = Classification()
    >>> logits, labels = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0])
    >>> task.score(task.score_statistics(logits, labels), 2)
    0.5
    >>> task.output_jacobian(logits).shape
    torch.Size([2, 2, 2])
    """

    name = "classification"
    label = "Classification"
    class_labels = True
    score_name = "accuracy"
    score_label = "accuracy"
    measure = "accuracy"
    measure_label = "SVM test accuracy (%)"
    evaluation_label = "SVM (RBF, C=1) test accuracy"
    target_dtype = torch.long

    def describe_targets(self, n_classes):
        return f"{n_classes} classes"

    def targets(self, y, n_samples: int) -> Targets:
        classes, codes = encode_labels(y)  # refuses missing labels before they become a class
        kind = type_of_target(np.asarray(y).ravel())
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"classification needs one column of class labels; y is {kind!r}"
                             + (" (use task='regression' for a continuous target)" if kind.startswith("continuous") else ""))
        if len(classes) == 0:
            raise ValueError("y holds no labels")
        if len(classes) < 2:
            only = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]  # 0, not np.int64(0)
            raise ValueError(f"y has 1 class ({only!r}); feature selection needs at least 2 classes")
        # strata: the labels themselves, so a split names a rare class as the user knows it
        return Targets(codes, len(classes), strata=np.asarray(y).ravel(), classes=classes)

    def loss(self, outputs, targets, reduction="mean"):
        return F.cross_entropy(outputs, targets, reduction=reduction)

    def score_statistics(self, outputs, targets):
        return (outputs.argmax(dim=1) == targets).sum().reshape(1)

    def score(self, statistics, n_samples):
        return int(statistics[0]) / n_samples

    def output_jacobian(self, logits, generator=None):
        return softmax_jacobian(logits)

    def evaluate(self, X_train, y_train, X_test, y_test, features):
        from .evaluation import svm_accuracy

        return {"accuracy": svm_accuracy(X_train, y_train, X_test, y_test, features)}


#: The smallest spread of a regression target whose squares (variance) are computed without
#: underflow: the square root of float64's smallest normal number, times a margin.
_SMALLEST_SPREAD = 1e3 * math.sqrt(np.finfo(np.float64).tiny)


class Regression(Task):
    """Mean squared error on standardised targets; attribution of the linear outputs; SVR R².

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.tasks import Regression
    >>> Regression().targets(np.array([1.0, 2.5, 4.0]), 3).values.shape
    (3, 1)
    >>> Regression().targets(np.array([[1.0, 7.0], [2.0, 7.0]]), 2)
    Traceback (most recent call last):
    ...
    ValueError: target column(s) 1 of y are constant: nothing can be learnt from them; ...
    """

    name = "regression"
    label = "Regression"
    score_name = "r2"
    score_label = "R²"
    measure = "r2"
    measure_label = "SVR test R² (%)"
    evaluation_label = "SVR (RBF) test R² and RMSE"

    def describe_targets(self, n_classes):
        return "a continuous target (regression)"

    def targets(self, y, n_samples: int) -> Targets:
        if np.iscomplexobj(y):
            raise ValueError("regression needs real targets; y holds complex numbers")
        try:
            values = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("regression needs numeric targets; y holds values that are not numbers") from None
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[1] == 0:
            raise ValueError(f"y must be 1-D or 2-D (samples x outputs), got shape {np.shape(y)}")
        bad = ~np.isfinite(values)
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1)) + 1
            shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
            raise ValueError(f"y has {len(rows)} row(s) with NaN or infinite targets, row(s) {shown} "
                             "(counting from 1); drop or fill them")
        with np.errstate(over="ignore", under="ignore"):
            scale = values.std(axis=0)
        if not np.isfinite(scale).all():
            raise ValueError("y's spread overflows float64 (targets near 1e300?): rescale the targets")
        constant = np.flatnonzero(np.ptp(values, axis=0) == 0)  # not scale == 0, which a tiny spread underflows to
        # the squares of a spread below ~1e-154 underflow, and standardising (here, and in the
        # evaluation's SVR) would divide by a spread computed as 0 or with few digits left
        tiny = np.flatnonzero((scale < _SMALLEST_SPREAD) & (np.ptp(values, axis=0) > 0))
        if tiny.size:
            raise ValueError(f"target column(s) {', '.join(map(str, tiny))} of y vary too little for float64 arithmetic "
                             "(a spread below 1e-150, targets near 1e-300?): rescale the targets")
        if constant.size:
            raise ValueError(f"target column(s) {', '.join(map(str, constant))} of y are constant: "
                             "nothing can be learnt from them; drop them")
        return Targets(values, values.shape[1])

    def loss(self, outputs, targets, reduction="mean"):
        squared = F.mse_loss(outputs, targets, reduction="none").sum(dim=1)
        return squared.mean() if reduction == "mean" else squared.sum()

    def score_statistics(self, outputs, targets):
        # sum of squared errors, and the sums that give the targets' own variance
        return torch.stack([((outputs - targets) ** 2).sum(dim=0), targets.sum(dim=0), (targets**2).sum(dim=0)]).reshape(-1)

    def score(self, statistics, n_samples):
        sse, total, squares = statistics.double().reshape(3, -1)
        variance = squares - total**2 / n_samples  # n times the variance of each output
        varying = variance > 1e-6 * n_samples  # a constant output (a constant input column, for
        if not bool(varying.any()):             # the autoencoder) has no R²: it is left out
            return math.nan
        return float(torch.mean(1.0 - sse[varying] / variance[varying]))

    def output_jacobian(self, logits, generator=None):
        return _identity_jacobian(logits)

    def evaluate(self, X_train, y_train, X_test, y_test, features):
        from .evaluation import svr_scores

        return svr_scores(X_train, y_train, X_test, y_test, features)


class Unsupervised(Regression):
    """A denoising autoencoder (QuickSelection): the network reconstructs its clean input from
    a noisy copy; the attribution measures the reconstruction's input gradients.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.tasks import Unsupervised
    >>> task = Unsupervised()
    >>> generator = torch.Generator().manual_seed(0)
    >>> task.output_jacobian(torch.zeros(4, 100), generator).shape  # 32 of 100 outputs
    torch.Size([4, 32, 100])
    """

    name = "unsupervised"
    label = "Unsupervised"
    supervised = False
    score_name = "r2"
    score_label = "reconstruction R²"
    measure = "accuracy"
    measure_label = "SVM test accuracy (%) on hidden labels"
    evaluation_label = "reconstruction MSE of every feature from the top-k (ridge)"

    def describe_targets(self, n_classes):
        return "no target: unsupervised selection (a denoising autoencoder)"

    #: Standard deviation of the Gaussian noise added to the standardised inputs (QuickSelection: 0.2).
    noise = 0.2
    #: The attribution sums over this many outputs drawn at random per step, scaled to all of
    #: them (an unbiased estimate): every one of d outputs would cost d times the classifier's work.
    max_outputs = 32

    def targets(self, y, n_samples: int) -> Targets:
        return Targets(None, None)

    def attributed_outputs(self, n_outputs):
        return min(n_outputs, self.max_outputs)

    def evaluate(self, X_train, y_train, X_test, y_test, features):
        from .evaluation import reconstruction_error, svm_accuracy

        scores = {}
        if y_train is not None:  # labels the selection never saw
            scores["accuracy"] = svm_accuracy(X_train, y_train, X_test, y_test, features)
        scores["reconstruction_mse"] = reconstruction_error(X_train, X_test, features)
        return scores

    def corrupt(self, inputs, generator):
        # Gaussian noise on every input makes a sparse batch dense: the autoencoder reads it so.
        noise = torch.randn(tuple(inputs.shape), generator=generator, dtype=inputs.dtype).to(inputs.device)
        dense = inputs if inputs.layout == torch.strided else inputs.to_dense()
        return dense + self.noise * noise

    def output_jacobian(self, logits, generator=None):
        m, n = logits.shape
        if n <= self.max_outputs:
            return _identity_jacobian(logits)
        picked = torch.randperm(n, generator=generator)[: self.max_outputs].to(logits.device)
        rows = torch.zeros(self.max_outputs, n, dtype=logits.dtype, device=logits.device)
        rows[torch.arange(self.max_outputs, device=logits.device), picked] = n / self.max_outputs
        return rows.expand(m, self.max_outputs, n)


CLASSIFICATION = TASKS.register(Classification())
REGRESSION = TASKS.register(Regression())
UNSUPERVISED = TASKS.register(Unsupervised())


def resolve_task(task, y) -> Task:
    """The task named ``task``, or for ``"auto"`` the one ``y`` calls for.

    ``"auto"``: no ``y`` is unsupervised; ``type_of_target`` "binary" or "multiclass" is
    classification; "continuous" or "continuous-multioutput" is regression. Anything else
    (e.g. several columns of class labels) is refused with the kind named.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.tasks import resolve_task
    >>> resolve_task("auto", np.array([[0.5, 1.0], [2.0, 3.5]])).name
    'regression'
    >>> resolve_task("regression", None).name
    'regression'
    """
    if isinstance(task, Task):
        return task
    if task != "auto":
        return TASKS[task]
    if y is None:
        return UNSUPERVISED
    try:
        values = np.asarray(y)
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            raise ValueError("missing values")  # type_of_target would warn, then refuse them
        kind = type_of_target(y, input_name="y")
    except (ValueError, TypeError):  # TypeError: text labels mixed with NaN cannot be sorted
        # Missing values (NaN, None, blanks): judge by the rest, and let the task's own checks
        # name the rows (a float column of whole numbers with gaps is labels with gaps).
        values = np.asarray(y)
        if values.dtype.kind == "f" and values.ndim <= 2:
            finite = values[np.isfinite(values)]
            whole = finite.size > 0 and np.all(finite == np.round(finite)) and np.unique(finite).size <= max(2, finite.size // 2)
            return CLASSIFICATION if whole else REGRESSION
        return CLASSIFICATION
    if kind in ("binary", "multiclass"):
        return CLASSIFICATION
    if kind in ("continuous", "continuous-multioutput"):
        return REGRESSION
    raise ValueError(f"Unknown label type: cannot tell the task from y (type_of_target: {kind!r}); set task='classification', "
                     "'regression' or 'unsupervised'")
