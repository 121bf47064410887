"""How much memory sparsefs lets one dataset take, and how long a download may run.

Both are checked before the work starts: a ``.mat`` or ``.npz`` file declares its arrays'
shapes in headers that can be read without loading the data (a few kilobytes of zlib can
declare gigabytes of zeros), the synthetic benchmark's size follows from its name, and a
download gets one deadline for the whole transfer. Environment variables raise the limits.
"""

from __future__ import annotations

import os
import re

from ._errors import DatasetError

MAX_BYTES_VAR = "SPARSEFS_MAX_ARRAY_BYTES"
DOWNLOAD_TIMEOUT_VAR = "SPARSEFS_DOWNLOAD_TIMEOUT"

#: Default ceiling on a dataset's arrays, unless half of this machine's memory is less.
DEFAULT_MAX_BYTES = 4 << 30
#: Default deadline of one file's whole download, in seconds.
DEFAULT_DOWNLOAD_TIMEOUT = 1800.0


def max_array_bytes() -> int:
    """The most bytes a dataset's arrays may take: ``$SPARSEFS_MAX_ARRAY_BYTES``, else 4 GiB or
    half of this machine's memory, whichever is smaller."""
    text = os.environ.get(MAX_BYTES_VAR)
    if text:
        return _parse_bytes(text)
    memory = _physical_memory()
    return min(DEFAULT_MAX_BYTES, memory // 2) if memory else DEFAULT_MAX_BYTES


#: Units of $SPARSEFS_MAX_ARRAY_BYTES, as format_bytes writes them (powers of 1000) and binary ones.
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _parse_bytes(text: str) -> int:
    """A number of bytes, with an optional unit: ``"4e9"``, ``"10MB"``, ``"2 GiB"``.

    Examples
    --------
    >>> from sparsefs.datasets._limits import _parse_bytes
    >>> _parse_bytes("10MB"), _parse_bytes("2 GiB"), _parse_bytes("4e9")
    (10000000, 2147483648, 4000000000)
    """
    match = re.fullmatch(r"\s*([0-9.eE+]+)\s*([A-Za-z]*)\s*", text)
    try:
        value = float(match.group(1)) * _UNITS[match.group(2).upper()]
    except (AttributeError, ValueError, KeyError):
        value = -1.0
    if not value >= 0:
        from ._fetch import DatasetError

        raise DatasetError(f"{MAX_BYTES_VAR} must be a number of bytes such as 4e9, 10MB or 2GiB, got {text!r}")
    return int(value)


def download_timeout() -> float:
    """Seconds one file's download may take in all: ``$SPARSEFS_DOWNLOAD_TIMEOUT``, else 30 minutes."""
    text = os.environ.get(DOWNLOAD_TIMEOUT_VAR)
    if not text:
        return DEFAULT_DOWNLOAD_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"{DOWNLOAD_TIMEOUT_VAR} must be a positive number of seconds, got {text!r}")
    return value


def check_size(n_bytes: int, what: str) -> None:
    """Refuse ``what`` when it would take more than :func:`max_array_bytes`."""
    limit = max_array_bytes()
    if n_bytes > limit:
        raise DatasetError(
            f"{what} would take {format_bytes(n_bytes)} of memory, more than the limit of {format_bytes(limit)}; "
            f"refusing to load it (set {MAX_BYTES_VAR} to a larger number of bytes if this is intended)"
        )


def sparse_matrix_bytes(n_rows: int, n_columns: int, nnz: int = 0) -> int:
    """What a sparse matrix of this shape takes in sparsefs, beyond what its file holds: the
    values and indices of its non-zeros in the CSR form it is read into and the CSC form that
    column-wise work converts it to (float32 values, int64 indices at worst), the row and the
    column pointers of those forms, and the float64 statistics kept per column (mean, variance,
    scale). A shape costs memory even without a single non-zero: 20 million rows take 160 MB of
    row pointers, a 300-million-column index gigabytes of column statistics.

    Examples
    --------
    >>> from sparsefs.datasets._limits import format_bytes, sparse_matrix_bytes
    >>> format_bytes(sparse_matrix_bytes(20_000_000, 2))
    '160.0 MB'
    """
    return 2 * 12 * nnz + 8 * (n_rows + 1) + 8 * (n_columns + 1) + 3 * 8 * n_columns


def format_bytes(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError  # unreachable


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: fall back to the fixed default
        return None
