"""Users' own data files: CSV, Parquet, ``.npz``, MATLAB ``.mat`` and svmlight/libsvm."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.datasets import load_svmlight_file

from ._errors import DatasetError
from ._limits import check_size, sparse_matrix_bytes
from ._readers import loadmat

_LABEL_KEYS = ("y", "Y", "target", "labels", "label", "gnd")
_FEATURE_KEYS = ("X", "x", "data", "fea")
FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet", ".npz": "npz", ".mat": "mat",
    ".svm": "svmlight", ".svmlight": "svmlight", ".libsvm": "svmlight",
}


def read_file(path: str | Path, target: str | None = None):
    """``(X, y, feature_names)`` from a data file; ``target`` names the label column or key.

    CSV and Parquet: without ``target`` every column is a feature and ``y`` is None
    (unsupervised selection); ``.npz`` and ``.mat`` default to the keys ``X`` and one of
    ``y``/``Y``/``target``/``labels``/``gnd`` (None when there is none); svmlight files carry
    their labels. ``y`` may be class labels or continuous targets (2-D: several).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsefs.datasets import read_file
    >>> np.savez("toy.npz", X=np.eye(4), y=[0, 1, 0, 1])
    >>> X, y, names = read_file("toy.npz")
    >>> X.shape, y.tolist(), names
    ((4, 4), [0, 1, 0, 1], None)
    """
    path = Path(path)
    if path.is_dir():
        raise DatasetError(f"{path} is a folder, not a data file (nor a registered dataset name)")
    if not path.is_file():
        raise DatasetError(f"{path} does not exist (and is not a registered dataset name)")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DatasetError(f"{path.name}: unknown file type {path.suffix!r}; supported: {', '.join(sorted(FORMATS))}")
    try:
        return _READ[kind](path, target)
    except DatasetError:
        raise
    except Exception as error:  # a corrupt or foreign file: say which and why, in one line
        raise DatasetError(f"cannot read {path.name} as {kind}: {type(error).__name__}: {error}") from None


def _read_table(frame: pd.DataFrame, target: str | None, path: Path, header: list[str] | None = None):
    """``header``: the column names as written (pandas renames a CSV's repeated names)."""
    names = pd.Series(list(frame.columns) if header is None else header, dtype=object)
    repeated = names[names.notna() & names.duplicated()].unique()
    if len(repeated):  # pandas would take the first as the target and the others, renamed, as features
        raise DatasetError(f"{path.name}: the column name(s) {_preview(repr(str(n)) for n in repeated)} appear more than "
                           "once; give every column its own name")
    if target is not None and target not in frame.columns:
        raise DatasetError(f"{path.name} has no column {target!r} (columns: {_preview(frame.columns)}){_separator_hint(frame)}")
    if frame.empty:
        raise DatasetError(f"{path.name} has no data rows (only a header)")
    # Without a target every column is a feature (unsupervised selection).
    y = None if target is None else frame[target].to_numpy()
    features = frame if target is None else frame.drop(columns=[target])
    text = [str(c) for c, dtype in features.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
    if text:
        hint = _separator_hint(frame) or (" (or name the label column with --target)" if target is None else "")
        raise DatasetError(f"{path.name}: non-numeric feature column(s) {_preview(text)}; encode or drop them first{hint}")
    return features.to_numpy(dtype=np.float32), y, np.asarray(features.columns.astype(str), dtype=object)


def _read_csv(path: Path, target):
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    frame = pd.read_csv(path, sep=separator)
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as stream:
        header = next(csv.reader(stream, delimiter=separator), [])
    return _read_table(frame, target, path, [name or None for name in header])  # blank names: pandas numbers them


def _read_parquet(path: Path, target):
    try:
        frame = pd.read_parquet(path)
    except ImportError as error:
        raise DatasetError(f"reading {path.name} needs a Parquet engine: pip install pyarrow ({error})") from None
    return _read_table(frame, target, path)


def _read_arrays(arrays: dict, target: str | None, path: Path):
    X_key = next((k for k in _FEATURE_KEYS if k in arrays), None)
    y_keys = (target,) if target else _LABEL_KEYS
    y_key = next((k for k in y_keys if k in arrays), None)
    if X_key is None or (y_key is None and target):
        wanted = "features under X" if X_key is None else f"labels under {target!r}"
        raise DatasetError(f"{path.name} has no {wanted} (keys: {_preview(list(arrays))})")
    X = arrays[X_key]
    X = sp.csr_matrix(X, dtype=np.float32) if sp.issparse(X) else np.asarray(X, dtype=np.float32)
    y = None if y_key is None else np.asarray(arrays[y_key])  # no labels: unsupervised selection
    if y is not None and y.ndim == 2 and 1 in y.shape:
        y = y.ravel()  # a MATLAB column of labels
    return X, y, None


def _read_npz(path: Path, target):
    with np.load(path, allow_pickle=False) as archive:
        check_size(_npz_declared_bytes(archive), f"{path.name} (its arrays as declared)")
        return _read_arrays(archive, target, path)  # loads only the two arrays it uses


def _npz_declared_bytes(archive) -> int:
    """What the arrays of an ``.npz`` archive declare in their headers (compressed ones can
    declare far more than the file holds); read without loading any array."""
    total = 0
    for member in archive.zip.namelist():
        if not member.endswith(".npy"):
            continue
        with archive.zip.open(member) as stream:
            version = np.lib.format.read_magic(stream)
            # Version 3 differs from 2 only in the header's text encoding (UTF-8 field names).
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(stream)
        total += int(np.prod(shape, dtype=object)) * dtype.itemsize
    return total


def _read_mat(path: Path, target):
    arrays = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    return _read_arrays(arrays, target, path)


def _read_svmlight(path: Path, target):
    X, y = load_svmlight_file(str(path), dtype=np.float32)  # no larger than the text it is read from
    # but one line "1 300000000:1" declares 300 million columns, whose pointers and statistics are not
    check_size(sparse_matrix_bytes(X.shape[0], X.shape[1], X.nnz), f"{path.name} ({X.shape[0]} x {X.shape[1]}, sparse)")
    return X.tocsr(), y, None


def _separator_hint(frame: pd.DataFrame) -> str:
    """A table read as one column whose name holds another separator was split at the wrong one."""
    if len(frame.columns) != 1:
        return ""
    found = [name for mark, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars"), (",", "commas"))
             if mark in str(frame.columns[0])]
    return f"; the file was read as one column: are its values separated by {found[0]}?" if found else ""


def _preview(names) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")


_READ = {"csv": _read_csv, "parquet": _read_parquet, "npz": _read_npz, "mat": _read_mat, "svmlight": _read_svmlight}
