"""Device policy, in one place: what ``device="auto"`` means, whether a device is usable, and
how many CPU threads a fit uses.

``"auto"`` is CUDA when torch sees a CUDA device, else the CPU (Apple's MPS is used only when
asked for: some sparse kernels sparsefs needs are missing there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch


def parse_device(device) -> torch.device:
    """``device`` as a torch device (``"auto"``: CUDA when available, else the CPU).

    Examples
    --------
    >>> from sparsefs.devices import parse_device
    >>> parse_device("cpu")
    device(type='cpu')

    ``ValueError`` when torch does not know the name, or for ``meta`` (shapes without data:
    nothing can be trained there). Whether the device exists on this machine is
    :func:`resolve_device`'s question: a study checks names before its cells run elsewhere.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device={device!r} is not a torch device: {str(error).splitlines()[0]}") from None
    if parsed.type == "meta":
        raise ValueError("device='meta' holds shapes without data, so nothing can be trained on it; use 'cpu' or 'cuda'")
    return parsed


def resolve_device(device) -> torch.device:
    """:func:`parse_device`, then a ``ValueError`` unless this machine can put a tensor there.

    Examples
    --------
    >>> from sparsefs.devices import resolve_device
    >>> resolve_device("cpu").type
    'cpu'
    """
    parsed = parse_device(device)
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available")
    try:
        torch.empty(1, device=parsed)
    except Exception as error:  # torch raises RuntimeError, AssertionError, NotImplementedError... by backend
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"device={device!r} is not available on this machine ({reason})") from None
    return parsed


def fit_threads(n_threads: int | None = None, parallel: int = 1) -> int:
    """Torch threads for each of ``parallel`` fits that run at once: ``n_threads`` when given;
    else this process's cores shared among the fits, and one thread when the machine is
    already busy (its one-minute load average at least its number of cores).

    Why: torch's own default is a thread per core for every process. Fits running side by
    side then ask for more threads than there are cores, and on a machine busy with other
    work every thread of a step waits for the slowest; both slow a fit many times over (a
    ``sparsefs select Yale`` took 2 min 23 s instead of 6 s on a loaded 2-core machine),
    while the small products of a typical fit gain little from a second thread. Studies give
    each cell ``cores // jobs`` threads the same way.

    Examples
    --------
    >>> from sparsefs.devices import fit_threads
    >>> fit_threads(3), fit_threads(None, parallel=10**6)
    (3, 1)
    """
    if n_threads is not None:
        return max(1, int(n_threads))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        busy = os.getloadavg()[0] >= cores
    except OSError:  # no load average on this platform
        busy = False
    return 1 if busy else max(1, min(torch.get_num_threads(), cores) // max(1, parallel))


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch threads, then restore the caller's setting.

    Examples
    --------
    >>> import torch
    >>> from sparsefs.devices import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)
