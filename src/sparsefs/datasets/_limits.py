"""How much memory sparsefs lets one dataset take, and how long a download may run.

Both are checked before the work starts: a ``.mat`` or ``.npz`` file declares its arrays'
shapes in headers that can be read without loading the data (a few kilobytes of zlib can
declare gigabytes of zeros), the synthetic benchmark's size follows from its name, and a
download gets one deadline for the whole transfer. Environment variables raise the limits.
"""

from __future__ import annotations

import os

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
        try:
            return int(float(text))
        except ValueError:
            raise ValueError(f"{MAX_BYTES_VAR} must be a number of bytes, got {text!r}") from None
    memory = _physical_memory()
    return min(DEFAULT_MAX_BYTES, memory // 2) if memory else DEFAULT_MAX_BYTES


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
