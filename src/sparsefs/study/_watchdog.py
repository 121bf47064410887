"""Worker processes that end themselves when the study's driver dies.

joblib's loky workers outlive a driver killed with ``kill -9`` (nothing tells them), each
holding its dataset and network, and so do workers still waiting for their first task. A
daemon thread therefore checks every second that the driver is alive and ends the process
once it is gone. Polling is portable, where ``prctl(PR_SET_PDEATHSIG)`` is Linux-only and
tied to the thread that started the process (in loky, a short-lived management thread).

This module imports only the standard library (and ``sparsefs/__init__`` and
``sparsefs/study/__init__`` import nothing heavy), so a pool's initializer starts the watch within moments of a worker's start, before
the worker has spent seconds importing torch.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

#: Seconds between a worker's checks that the driver is still alive.
WATCH_INTERVAL = 1.0
_watching = False


def exit_with_driver(driver: tuple[str, int] | None, pool: bool = False) -> None:
    """End this process when the driver ``(host, pid)`` dies.

    ``pool``: this process belongs to a local pool that the driver started (loky,
    multiprocessing; called as the pool's initializer), so the driver's pid is on this
    machine and its disappearance is watched for. Otherwise (called with a cell, wherever a
    backend ran it) only a direct child of the driver on the same host watches, for its
    parent changing; cluster workers (dask, ray) belong to their cluster.
    """
    global _watching
    if driver is None or _watching:
        return
    host, pid = driver
    if not pool and (host != socket.gethostname() or os.getppid() != pid):
        return
    _watching = True
    child = os.getppid() == pid

    def watch() -> None:
        while _alive(pid) and not (child and os.getppid() != pid):
            time.sleep(WATCH_INTERVAL)
        os._exit(1)  # the driver is gone: nobody will receive this worker's results

    threading.Thread(target=watch, name="sparsefs-driver-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    try:  # a killed driver not yet reaped by its parent is a zombie: gone all the same
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):  # no /proc (macOS, Windows): os.kill said it exists
        return True
