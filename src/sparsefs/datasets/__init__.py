"""Datasets: the paper's benchmark registry, users' own files, the synthetic benchmark, the split.

``load(name_or_path)`` is the one entry point: a registry name gives a verified benchmark
dataset (downloaded into the data directory if missing), ``synthetic-<m>`` the paper's
synthetic benchmark with ``m`` samples (informative features known), and a file path the
user's data. The labels come back mapped to ``0..C-1`` with the originals in ``classes``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import make_friedman1

from .._labels import encode_labels as _encode_labels
from ..evaluation import coverage
from ..splitting import paper_split
from ._errors import DatasetError
from ._fetch import ENV_VAR, fetch, file_status, resolve_data_home
from ._files import FORMATS, read_file
from ._limits import check_size
from ._readers import READERS
from ._registry import PAPER_DATASETS, REGISTRY, DatasetSpec, RemoteFile, get_spec
from ._synthetic import make_synthetic


#: ``synthetic-<m>``: the synthetic benchmark of the method page §8 with ``m`` samples. The data are
#: drawn with one fixed seed, so every study cell and every report sees the same problem.
SYNTHETIC_NAME = re.compile(r"synthetic-([1-9][0-9]*)")
SYNTHETIC_SEED = 0
SYNTHETIC_FEATURES = 200
#: ``friedman-<m>``: Friedman #1 regression (5 informative features: two through sin(x1 x2), one
#: through a square, two linear) among 195 noise features, ``m`` samples, one fixed seed.
FRIEDMAN_NAME = re.compile(r"friedman-([1-9][0-9]*)")


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` (rows = samples), targets ``y``, and what they mean.

    ``task`` says what ``y`` is: "classification" (class indices ``0..C-1``, the labels in
    ``classes``), "regression" (float targets, 1-D or samples x outputs) or "unsupervised"
    (``y`` is None). Registry datasets are classification; a study can still select on them
    without labels (``[study] task = "unsupervised"``), keeping the labels to judge the result.

    Examples
    --------
    >>> from sparsefs.datasets import load
    >>> data = load("synthetic-100")
    >>> data.n_samples, data.n_features, data.classes.tolist()
    (100, 200, [0, 1])
    >>> len(data.informative)
    100
    """

    name: str
    X: object  # float32 ndarray or scipy sparse matrix
    y: np.ndarray
    classes: np.ndarray  # original label of each class index
    feature_names: np.ndarray | None = None
    spec: DatasetSpec | None = None
    informative: np.ndarray | None = None  # known informative features (synthetic data only)
    task: str = "classification"

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def labels(self) -> np.ndarray | None:
        """The targets as the data hold them: the class labels themselves (not their indices in
        ``classes``), regression targets, or None; what a selector is fitted on, so that its
        ``classes_`` and its messages name the user's labels."""
        return self.classes[self.y] if self.task == "classification" else self.y

    def for_task(self, task: str) -> Dataset:
        """This dataset with the target ``task`` needs: ``"regression"`` on a target read as class
        labels (whole numbers, e.g. counts) regresses on their values; labels that are not
        numbers cannot be regressed on (:class:`DatasetError`). Other tasks take it as it is.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsefs.datasets import Dataset
        >>> counts = Dataset("counts", np.zeros((3, 2)), np.array([0, 1, 0]),
        ...                  np.array([10, 25]))
        >>> counts.for_task("regression").y.tolist()
        [10.0, 25.0, 10.0]
        """
        if task != "regression" or self.task != "classification":
            return self
        if self.classes.dtype.kind not in "iufb":
            raise DatasetError(f"regression needs a numeric target: the target of {self.name} holds labels such as "
                               f"{self.classes[0]!r}")
        return dataclasses.replace(self, y=self.classes[self.y].astype(np.float64), classes=np.empty(0),
                                   task="regression")


def load(
    name: str | os.PathLike | DatasetSpec,
    *,
    data_home: str | os.PathLike | None = None,
    target: str | None = None,
    download: bool = True,
    progress: bool = False,
) -> Dataset:
    """A registry dataset by name (or spec), or a data file by path.

    Registry files are looked up in ``data_home`` (default ``$SPARSEFS_DATA``, else a per-user
    cache), downloaded from their canonical address if missing, and refused when their
    sha256, shape or number of classes differ from the registry's.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.datasets import load
    >>> np.savez("cells.npz", X=np.random.rand(6, 3), y=["a", "b", "a", "b", "a", "b"])
    >>> data = load("cells.npz")
    >>> data.name, data.y.tolist(), data.classes.tolist()
    ('cells', [0, 1, 0, 1, 0, 1], ['a', 'b'])
    >>> load("synthetic-200").X.shape
    (200, 200)
    """
    if isinstance(name, DatasetSpec):
        return _load_registered(name, resolve_data_home(data_home), download, progress)
    friedman = FRIEDMAN_NAME.fullmatch(str(name))
    if friedman:
        return _friedman(str(name), int(friedman.group(1)))
    synthetic = SYNTHETIC_NAME.fullmatch(str(name))
    if synthetic:
        n_samples = int(synthetic.group(1))
        # make_synthetic draws float64 values, returned here as float32: 12 bytes per value at the peak.
        check_size(12 * n_samples * SYNTHETIC_FEATURES, f"{name} ({n_samples} samples x {SYNTHETIC_FEATURES} features)")
        X, y, informative = make_synthetic(n_samples, n_features=SYNTHETIC_FEATURES, random_state=SYNTHETIC_SEED)
        return Dataset(str(name), X.astype(np.float32), y, np.unique(y), informative=informative)
    try:
        spec = get_spec(str(name))
    except KeyError:
        if not Path(name).exists() and Path(name).suffix == "":
            raise DatasetError(
                f"unknown dataset {str(name)!r}: not a file, not synthetic-<m>, and not one of {', '.join(REGISTRY)}"
            ) from None
        X, y, names = read_file(name, target)
        return _labelled(Path(name).stem, X, y, names, None, where=Path(name).name)
    return _load_registered(spec, resolve_data_home(data_home), download, progress)


def _load_registered(spec: DatasetSpec, home: Path, download: bool, progress: bool) -> Dataset:
    paths = [fetch(remote, home, download, progress) for remote in spec.files]
    try:
        X, y, names = READERS[spec.reader](paths)
    except DatasetError:
        raise
    except Exception as error:
        raise DatasetError(f"{spec.name}: cannot read {', '.join(p.name for p in paths)}: {error}") from None
    n_classes = len(encode_labels(y, spec.name)[0])
    if X.shape != (spec.n_samples, spec.n_features) or n_classes != spec.n_classes:
        raise DatasetError(
            f"{spec.name}: the files hold {X.shape[0]} x {X.shape[1]} with {n_classes} classes, but the registry "
            f"expects {spec.n_samples} x {spec.n_features} with {spec.n_classes}; refusing to use them "
            f"(files: {', '.join(str(p) for p in paths)})"
        )
    return _labelled(spec.name, X, y, names, spec)


def _labelled(name, X, y, feature_names, spec, where: str | None = None) -> Dataset:
    if y is None:
        return Dataset(name, X, None, np.array([]), feature_names, spec, task="unsupervised")
    if X.shape[0] != len(y):
        raise DatasetError(f"{where or name}: {X.shape[0]} rows of features but {len(y)} labels")
    from ..tasks import REGRESSION, resolve_task  # imports torch: only for data files

    if spec is None and resolve_task("auto", y).name == "regression":
        try:
            targets = REGRESSION.targets(y, X.shape[0])  # refuses NaN/inf and constant targets
        except ValueError as error:
            raise DatasetError(f"{where or name}: {error}") from None
        values = targets.values if np.ndim(y) == 2 else targets.values.ravel()
        return Dataset(name, X, values, np.array([]), feature_names, spec, task="regression")
    classes, codes = encode_labels(y, where or name)
    return Dataset(name, X, codes, classes, feature_names, spec)


def _friedman(name: str, n_samples: int) -> Dataset:
    """Friedman #1 among noise: ``y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + e``,
    ``e ~ N(0, 1)``, with 195 more uniform features that play no part (one fixed seed)."""
    check_size(12 * n_samples * SYNTHETIC_FEATURES, f"{name} ({n_samples} samples x {SYNTHETIC_FEATURES} features)")
    X, y = make_friedman1(n_samples, n_features=SYNTHETIC_FEATURES, noise=1.0, random_state=SYNTHETIC_SEED)
    return Dataset(name, X.astype(np.float32), y, np.array([]), informative=np.arange(5), task="regression")


def encode_labels(y, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The classes and each row's class index; :class:`DatasetError` for missing labels."""
    try:
        return _encode_labels(y, where)
    except ValueError as error:
        raise DatasetError(str(error)) from None


def dataset_status(spec: DatasetSpec, data_home: str | os.PathLike | None = None) -> str:
    """How the dataset's files stand in the data directory, worst file first.

    Examples
    --------
    >>> from sparsefs.datasets import dataset_status, get_spec
    >>> dataset_status(get_spec("Yale"), data_home="an-empty-folder")
    'absent'
    """
    home = resolve_data_home(data_home)
    states = [file_status(remote, home) for remote in spec.files]
    for state in ("mismatch", "absent", "unverified"):
        if state in states:
            return state
    return "verified"


__all__ = [
    "ENV_VAR",
    "FRIEDMAN_NAME",
    "FORMATS",
    "PAPER_DATASETS",
    "REGISTRY",
    "SYNTHETIC_NAME",
    "Dataset",
    "DatasetError",
    "DatasetSpec",
    "RemoteFile",
    "coverage",
    "dataset_status",
    "get_spec",
    "load",
    "make_synthetic",
    "paper_split",
    "read_file",
    "resolve_data_home",
]
