"""Where dataset files live, how they are verified, and how missing ones are downloaded."""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from ._errors import DatasetError
from ._limits import DOWNLOAD_TIMEOUT_VAR, download_timeout, format_bytes
from ._registry import RemoteFile

ENV_VAR = "SPARSEFS_DATA"


def resolve_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """``data_home`` if given, else ``$SPARSEFS_DATA``, else a per-user cache directory.

    Examples
    --------
    >>> from sparsefs.datasets import resolve_data_home
    >>> resolve_data_home("~/data/sparsefs").name
    'sparsefs'
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    import pooch

    return Path(pooch.os_cache("sparsefs"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_status(remote: RemoteFile, home: Path) -> str:
    """``"verified"``, ``"unverified"`` (no known checksum), ``"mismatch"`` or ``"absent"``."""
    path = home / remote.path
    if not path.is_file():
        return "absent"
    if remote.sha256 is None:
        return "unverified"
    return "verified" if sha256_of(path) == remote.sha256 else "mismatch"


def fetch(remote: RemoteFile, home: Path, download: bool = True, progress: bool = False) -> Path:
    """The local path of ``remote``, verified; downloaded into ``home`` first if missing."""
    path = home / remote.path
    if path.is_file():
        _check_sha256(path, remote)
        return path
    if not download:
        raise DatasetError(f"{path} is missing and downloading is disabled; get it from {remote.url}")
    return _download(remote, path, progress)


def _check_sha256(path: Path, remote: RemoteFile) -> None:
    if remote.sha256 is None:
        return
    found = sha256_of(path)
    if found != remote.sha256:
        raise DatasetError(
            f"{path} has sha256 {found}, but the registry expects {remote.sha256}: "
            f"it is not the published file; delete it to download it again from {remote.url}"
        )


def _download(remote: RemoteFile, path: Path, progress: bool, timeout: float | None = None) -> Path:
    """Download ``remote`` to ``path`` through pooch, verified, within ``timeout`` seconds in all.

    pooch streams into a temporary file beside ``path`` and removes it when the download
    fails, so a failed or timed-out download leaves nothing in the data directory.
    """
    import pooch

    timeout = download_timeout() if timeout is None else timeout
    known_hash = None if remote.sha256 is None else f"sha256:{remote.sha256}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _pooch_messages(progress):
            fetched = pooch.retrieve(
                remote.url, known_hash=known_hash, fname=path.name, path=path.parent,
                downloader=_DeadlineDownloader(remote.url, timeout, progress),
            )
    except _DeadlineExceeded as late:
        raise DatasetError(
            f"downloading {remote.url} did not finish within {timeout:g} s ({format_bytes(late.received)} received): "
            f"the server is slow or stalled; try again later, allow more time with {DOWNLOAD_TIMEOUT_VAR}=SECONDS, "
            f"or put the file at {path} by hand"
        ) from None
    except ValueError as error:  # pooch's checksum mismatch; it deletes the download itself
        raise DatasetError(f"the file downloaded from {remote.url} failed its checksum: {error}") from None
    except Exception as error:  # network or file-system failure
        raise DatasetError(
            f"{path} is missing and could not be downloaded from {remote.url} "
            f"({type(error).__name__}: {error}); put the file there by hand or set {ENV_VAR}"
        ) from None
    return Path(fetched)


class _DeadlineExceeded(Exception):
    def __init__(self, received: int):
        super().__init__(received)
        self.received = received


class _DeadlineDownloader:
    """pooch's own downloader for the address, run under one deadline for the whole transfer.

    Socket timeouts bound each read, not the transfer: a server that sends a byte every few
    seconds never trips them. The transfer therefore runs in a daemon thread writing to a
    file this object owns; when the deadline passes, the file is closed (the thread's next
    write fails and it ends) and pooch removes its temporary file as for any failed download.
    """

    #: Longest wait for any single connect or read, whatever the deadline.
    READ_TIMEOUT = 60.0

    def __init__(self, url: str, timeout: float, progress: bool):
        import pooch

        self.timeout = timeout
        per_read = min(self.READ_TIMEOUT, timeout)
        if url.lower().startswith(("http://", "https://")):
            self.downloader = pooch.HTTPDownloader(progressbar=progress, timeout=per_read)
        else:
            self.downloader = pooch.downloaders.choose_downloader(url, progressbar=progress)

    def __call__(self, url: str, output_file, pooch, check_only: bool = False):
        if check_only:
            return self.downloader(url, output_file, pooch, check_only=True)
        target = open(output_file, "w+b") if not hasattr(output_file, "write") else output_file
        failure: list[BaseException] = []

        def transfer() -> None:
            try:
                self.downloader(url, target, pooch)
            except BaseException as error:  # handed to the caller's thread
                failure.append(error)

        worker = threading.Thread(target=transfer, name="sparsefs-download", daemon=True)
        worker.start()
        worker.join(self.timeout)
        try:
            if worker.is_alive():
                received = _position(target)
                raise _DeadlineExceeded(received)
            if failure:
                raise failure[0]
        finally:
            if target is not output_file:
                target.close()


def _position(stream) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


@contextmanager
def _pooch_messages(shown: bool):
    """pooch logs 'Downloading data from ...' at INFO; keep it quiet unless progress is shown.

    (Its logger is disabled for the while, not given a higher level: pooch's logger lives
    outside the logging registry, so a level change would leave a stale cache behind.)
    """
    import pooch

    logger = pooch.get_logger()
    previous = logger.disabled
    logger.disabled = previous or not shown
    try:
        yield
    finally:
        logger.disabled = previous
