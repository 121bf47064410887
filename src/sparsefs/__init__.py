"""sparsefs: supervised feature selection with sparse neural networks (SET, RigL, dense)."""

from importlib.metadata import PackageNotFoundError, version

from ._selector import SparseFeatureSelector

try:
    __version__ = version("sparsefs")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["SparseFeatureSelector", "__version__"]
