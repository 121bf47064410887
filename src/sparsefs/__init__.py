"""sparsefs: supervised feature selection with sparse neural networks (SET, RigL, dense)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sparsefs")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["SparseFeatureSelector", "__version__"]


def __getattr__(name: str):
    # The estimator (and torch behind it) is imported on first use, so that light modules
    # (the CLI's argument parsing, a worker pool's watchdog) start without importing torch.
    if name == "SparseFeatureSelector":
        from .selector._estimator import SparseFeatureSelector

        return SparseFeatureSelector
    raise AttributeError(f"module 'sparsefs' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
