"""The one error of the datasets package (its own module: every other module raises it)."""

from __future__ import annotations


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
