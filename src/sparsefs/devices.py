"""Device policy, in one place: what ``device="auto"`` means and whether a device is usable.

``"auto"`` is CUDA when torch sees a CUDA device, else the CPU (Apple's MPS is used only when
asked for: some sparse kernels sparsefs needs are missing there).
"""

from __future__ import annotations

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
