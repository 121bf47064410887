"""Standardised mini-batches of a dense or scipy-sparse feature matrix, on a torch device.

Dense matrices are standardised once and moved to the device whole. Sparse matrices stay
sparse in host memory: each batch is densified and standardised on its own, so a wide text
corpus never exists as one dense array.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.preprocessing import StandardScaler


def standardization(X, enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales of ``X`` (zero-variance columns get scale 1)."""
    n_features = X.shape[1]
    if not enabled:
        return np.zeros(n_features), np.ones(n_features)
    scaler = StandardScaler(with_mean=not sp.issparse(X)).fit(X)
    mean = scaler.mean_ if scaler.mean_ is not None else np.zeros(n_features)
    return np.asarray(mean, dtype=np.float64), np.asarray(scaler.scale_, dtype=np.float64)


def auto_batch_size(n_samples: int) -> int:
    """The ``batch_size="auto"`` policy of every trained selector: 32 below 200 rows, else 100
    (the paper's batch size, smaller where an epoch would otherwise be one or two steps).

    Examples
    --------
    >>> from sparsefs.data import auto_batch_size
    >>> auto_batch_size(150), auto_batch_size(2000)
    (32, 100)
    """
    return 32 if n_samples < 200 else 100


def zero_variance_features(X) -> np.ndarray:
    """Boolean mask of the columns that are constant over the rows of ``X``."""
    if sp.issparse(X):
        # scipy's min/max along an axis count the implicit zeros.
        return (X.max(axis=0) - X.min(axis=0)).toarray().ravel() == 0
    return np.ptp(X, axis=0) == 0


class BatchSource:
    """Rows of ``X`` with targets ``y``, standardised with ``(mean, scale)``, served in batches.

    ``y``: class indices (int64), float targets of shape ``(n, outputs)``, or ``None``, in which
    case each batch's targets are its own (standardised) inputs, for an autoencoder.
    """

    def __init__(self, X, y: np.ndarray | None, mean: np.ndarray, scale: np.ndarray, device: torch.device):
        self.device = device
        self.n_samples, self.n_features = X.shape
        # Batches follow torch's default dtype (float32 unless a caller changed it), and dense and
        # sparse inputs go through the same arithmetic, so both give identical batches.
        dtype = torch.get_default_dtype()
        if y is None:
            self._y = None
        else:
            y = np.asarray(y)
            self._y = torch.as_tensor(y, dtype=torch.long if y.dtype.kind in "iub" else dtype, device=device)
        numpy_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        self._mean = torch.as_tensor(mean, dtype=dtype, device=device)
        self._scale = torch.as_tensor(scale, dtype=dtype, device=device)
        if sp.issparse(X):
            self._sparse = sp.csr_matrix(X, dtype=numpy_dtype)
            self._dense = None
        else:
            self._dense = self._standardize(torch.as_tensor(np.asarray(X, dtype=numpy_dtype), device=device))
            self._sparse = None

    def batches(self, batch_size: int, generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Consecutive batches; in a random order drawn from ``generator`` when one is given."""
        if generator is None:
            order = torch.arange(self.n_samples)
        else:
            order = torch.randperm(self.n_samples, generator=generator)
        for start in range(0, self.n_samples, batch_size):
            rows = order[start : start + batch_size]
            inputs = self._rows(rows)
            yield inputs, (inputs if self._y is None else self._y[rows.to(self.device)])

    def _rows(self, rows: torch.Tensor) -> torch.Tensor:
        if self._dense is not None:
            return self._dense[rows.to(self.device)]
        return self._standardize(torch.from_numpy(self._sparse[rows.numpy()].toarray()).to(self.device))

    def _standardize(self, block: torch.Tensor) -> torch.Tensor:
        return (block - self._mean) / self._scale
