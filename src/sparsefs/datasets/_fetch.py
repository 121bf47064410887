"""Where dataset files live, how they are verified, and how missing ones are downloaded."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ._registry import RemoteFile

ENV_VAR = "SPARSEFS_DATA"


class DatasetError(ValueError):
    """A dataset cannot be used: unknown, missing, or not the data it claims to be.

    Examples
    --------
    >>> from sparsefs.datasets import DatasetError, load
    >>> try:
    ...     load("no-such-dataset")
    ... except DatasetError as error:
    ...     print(str(error)[:46])
    unknown dataset 'no-such-dataset': not a file,
    """


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


def _download(remote: RemoteFile, path: Path, progress: bool) -> Path:
    import pooch

    known_hash = None if remote.sha256 is None else f"sha256:{remote.sha256}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fetched = pooch.retrieve(
            remote.url, known_hash=known_hash, fname=path.name, path=path.parent, progressbar=progress
        )
    except ValueError as error:  # pooch's checksum mismatch; it deletes the download itself
        raise DatasetError(f"the file downloaded from {remote.url} failed its checksum: {error}") from None
    except Exception as error:  # network or file-system failure
        raise DatasetError(
            f"{path} is missing and could not be downloaded from {remote.url} "
            f"({type(error).__name__}: {error}); put the file there by hand or set {ENV_VAR}"
        ) from None
    return Path(fetched)
