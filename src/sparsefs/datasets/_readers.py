"""File formats of the benchmark datasets: each reader turns a dataset's files into raw ``(X, y)``.

``X`` is a float32 array (or a scipy sparse matrix when the file stores one), rows = samples;
``y`` holds the labels as stored. Feature names are returned where the source has them.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp

from ._limits import check_size, sparse_matrix_bytes

RawData = tuple[object, np.ndarray, np.ndarray | None]  # X, y, feature names


def read_skfeature_mat(paths: Sequence[Path]) -> RawData:
    """scikit-feature's MATLAB files: ``X`` (samples x features, dense or sparse) and ``Y``."""
    data = loadmat(paths[0])
    if "X" not in data or "Y" not in data:
        keys = sorted(k for k in data if not k.startswith("__"))
        raise ValueError(f"{paths[0].name} has keys {keys}, not the scikit-feature keys X and Y")
    return _features(data["X"]), np.asarray(data["Y"]).ravel(), None


def read_usps_mat(paths: Sequence[Path]) -> RawData:
    """The SEMMDL USPS file: feature-major ``Train_DAT``/``Test_DAT``, labels 1..10 (10 = digit 0)."""
    data = loadmat(paths[0])
    X = np.vstack([np.asarray(data["Train_DAT"]).T, np.asarray(data["Test_DAT"]).T])
    labels = np.concatenate([np.ravel(data["trainlabels"]), np.ravel(data["testlabels"])])
    return X.astype(np.float32), labels.astype(np.int64) % 10, None


#: Bytes per element of each MATLAB class ``whosmat`` names (cells and structs: per slot).
_MAT_ITEM_BYTES = {
    "double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
    "int64": 8, "uint64": 8, "logical": 1, "char": 4,
}


def loadmat(path: Path) -> dict:
    """``scipy.io.loadmat``, after checking what the file's variable headers declare.

    A compressed ``.mat`` file can declare gigabytes of zeros in kilobytes, and ``loadmat``
    allocates whatever the headers say; ``whosmat`` reads only the headers, so the size is
    checked before anything is allocated.
    """
    declared = 0
    for _, shape, mclass in scipy.io.whosmat(path):
        if mclass == "sparse":  # pointers and per-column statistics follow from the shape alone
            declared += sparse_matrix_bytes(*(tuple(shape) + (0, 0))[:2])
        else:
            declared += _MAT_ITEM_BYTES.get(mclass, 8) * int(np.prod(shape, dtype=object))
    check_size(declared, f"{path.name} (its arrays as declared)")
    return scipy.io.loadmat(path)


def read_mnist_idx(paths: Sequence[Path]) -> RawData:
    """MNIST's gzipped IDX files, given as (images, labels) pairs; the pairs are stacked in order."""
    images, labels = [], []
    for image_path, label_path in zip(paths[0::2], paths[1::2]):
        images.append(_idx_array(image_path, magic=2051).reshape(-1, 28 * 28))
        labels.append(_idx_array(label_path, magic=2049))
    return np.vstack(images).astype(np.float32), np.concatenate(labels), None


def _idx_array(path: Path, magic: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(f"{path.name} is not an IDX file of the expected kind (magic {found}, expected {magic})")
    n_dims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(dims)


def read_uci_har_zip(paths: Sequence[Path]) -> RawData:
    """The UCI HAR archive: whitespace-separated text, train rows then test rows, named features."""
    with zipfile.ZipFile(paths[0]) as archive:
        archive = _unwrap_nested_zip(archive)
        read = lambda suffix: _member(archive, suffix)  # noqa: E731
        X = np.vstack([read_uci_text(read("train/X_train.txt")), read_uci_text(read("test/X_test.txt"))])
        y = np.concatenate([read_uci_text(read("train/y_train.txt")).ravel(), read_uci_text(read("test/y_test.txt")).ravel()])
        names = [line.split(maxsplit=1)[1] for line in read("features.txt").decode().splitlines() if line.strip()]
    return X.astype(np.float32), y.astype(np.int64), _unique_names(names)


def read_uci_text(content: bytes) -> np.ndarray:
    """A UCI-style text matrix: one row per line, values separated by whitespace."""
    return np.loadtxt(io.BytesIO(content), ndmin=2)


def _unwrap_nested_zip(archive: zipfile.ZipFile) -> zipfile.ZipFile:
    # The current UCI download wraps the original "UCI HAR Dataset.zip" in another zip.
    inner = [name for name in archive.namelist() if name.endswith(".zip")]
    if inner and not any(name.endswith("features.txt") for name in archive.namelist()):
        return zipfile.ZipFile(io.BytesIO(archive.read(inner[0])))
    return archive


def _member(archive: zipfile.ZipFile, suffix: str) -> bytes:
    matches = [name for name in archive.namelist() if name.endswith(suffix) and "__MACOSX" not in name]
    if not matches:
        raise ValueError(f"the archive has no file ending in {suffix!r}")
    return archive.read(min(matches, key=len))


def _unique_names(names: list[str]) -> np.ndarray:
    """HAR repeats some feature names; number the repeats so every column has its own name."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return np.asarray(unique, dtype=object)


def _features(X) -> object:
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float32)
    return np.asarray(X, dtype=np.float32)


READERS: dict[str, Callable[[Sequence[Path]], RawData]] = {
    "skfeature-mat": read_skfeature_mat,
    "usps-mat": read_usps_mat,
    "mnist-idx": read_mnist_idx,
    "uci-har-zip": read_uci_har_zip,
}
