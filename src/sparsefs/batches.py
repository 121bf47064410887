"""Standardised mini-batches of a dense or sparse feature matrix, on a torch device.

Dense matrices are standardised once and moved to the device whole. Sparse matrices (scipy
CSR/CSC or a torch sparse tensor) are never densified, not per batch either (except as the
reconstruction targets and noisy inputs of unsupervised selection): each batch is a
torch CSR tensor holding the batch's non-zeros, scaled (never centred: centring would make
every zero non-zero), and the network's first layer multiplies it as it is. A batch of a
million-column matrix with 200 non-zeros a row costs what its non-zeros cost.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.preprocessing import StandardScaler

from . import _torchcsr  # noqa: F401  (torch's "beta" notice on the first CSR tensor, drawn silently)


def standardization(X, enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales of ``X`` (zero-variance columns get scale 1).

    For sparse ``X`` the means are zero: sparse input is scaled to unit variance, never
    centred, so that it stays sparse.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sparsefs.batches import standardization
    >>> X = np.array([[0.0, 2.0], [0.0, 4.0], [3.0, 0.0]])
    >>> mean, scale = standardization(X)
    >>> mean.round(2).tolist(), scale.round(2).tolist()
    ([1.0, 2.0], [1.41, 1.63])
    >>> standardization(sp.csr_matrix(X))[0].tolist()  # sparse: scaled, not centred
    [0.0, 0.0]
    """
    n_features = X.shape[1]
    if not enabled:
        return np.zeros(n_features), np.ones(n_features)
    sparse = sp.issparse(X)
    scaler = StandardScaler(with_mean=not sparse).fit(X)
    # scikit-learn reports the means of sparse columns even when it does not centre them
    mean = np.zeros(n_features) if sparse or scaler.mean_ is None else scaler.mean_
    return np.asarray(mean, dtype=np.float64), np.asarray(scaler.scale_, dtype=np.float64)


def auto_batch_size(n_samples: int) -> int:
    """The ``batch_size="auto"`` policy of every trained selector: 32 below 200 rows, else 100
    (the paper's batch size, smaller where an epoch would otherwise be one or two steps).

    Examples
    --------
    >>> from sparsefs.batches import auto_batch_size
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


def check_sparse_input(X, name: str = "X") -> sp.csr_matrix:
    """A sparse ``X`` (scipy or torch) as a canonical scipy CSR matrix, or one ``ValueError``.

    Refused, each with a message naming the problem: non-finite stored values (NaN, inf),
    negative or out-of-range indices, index arrays that disagree with the shape, and
    anything that is not two-dimensional. Duplicate entries are summed and indices sorted
    (the first layer relies on it).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sparsefs.batches import check_sparse_input
    >>> check_sparse_input(sp.csc_matrix(np.eye(3))).format
    'csr'
    >>> bad = sp.csr_matrix((np.array([1.0, np.nan]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2))
    >>> check_sparse_input(bad)
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN or infinite values (sparse X: in 1 stored entries)
    """
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(f"{name} must be two-dimensional, got shape {shape}")
    try:
        if isinstance(X, torch.Tensor):
            X = _torch_sparse_to_scipy(X)
        if not sp.issparse(X):
            raise ValueError(f"not a sparse matrix but {type(X).__name__}")
        X = X.tocsr()
        X.check_format(full_check=True)
    except (ValueError, IndexError, TypeError, RuntimeError) as error:
        raise ValueError(f"{name} is not a valid sparse matrix of shape {shape}: {error}") from None
    n_bad = int(np.count_nonzero(~np.isfinite(X.data))) if X.data.size else 0
    if n_bad:
        raise ValueError(f"{name} contains NaN or infinite values (sparse {name}: in {n_bad} stored entries)")
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def _torch_sparse_to_scipy(X: torch.Tensor) -> sp.csr_matrix:
    if X.layout == torch.sparse_coo:
        X = X.coalesce()
        rows, cols = X.indices().cpu().numpy()
        if rows.size and (rows.min() < 0 or cols.min() < 0):
            raise ValueError("negative indices")
        return sp.coo_matrix((X.values().cpu().numpy(), (rows, cols)), shape=tuple(X.shape)).tocsr()
    if X.layout == torch.sparse_csr:
        parts = X.values(), X.col_indices(), X.crow_indices()
        return sp.csr_matrix(tuple(t.cpu().numpy() for t in parts), shape=tuple(X.shape))
    if X.layout == torch.sparse_csc:
        parts = X.values(), X.row_indices(), X.ccol_indices()
        return sp.csc_matrix(tuple(t.cpu().numpy() for t in parts), shape=tuple(X.shape))
    raise ValueError(f"the torch layout {X.layout} is not supported; pass a CSR, CSC or COO tensor")


class BatchSource:
    """Rows of ``X`` with targets ``y``, standardised with ``(mean, scale)``, served in batches.

    Dense ``X`` gives dense batches. Sparse ``X`` (scipy, or a torch sparse tensor) gives torch
    CSR batches of its non-zeros divided by ``scale``; ``mean`` must then be zero (sparse
    input is never centred), and :func:`check_sparse_input` refuses malformed input.
    ``y``: class indices (int64), float targets of shape ``(n, outputs)``, or ``None``, in which
    case each batch's targets are its own (standardised) inputs, dense, for an autoencoder.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> import torch
    >>> from sparsefs.batches import BatchSource
    >>> X = sp.random(6, 1000, density=0.01, format="csr", random_state=0)
    >>> source = BatchSource(X, np.arange(6) % 2, np.zeros(1000), np.full(1000, 2.0), torch.device("cpu"))
    >>> inputs, targets = next(source.batches(4))
    >>> inputs.layout, tuple(inputs.shape), inputs.values().numel() == X[:4].nnz
    (torch.sparse_csr, (4, 1000), True)
    """

    def __init__(self, X, y: np.ndarray | None, mean: np.ndarray, scale: np.ndarray, device: torch.device):
        self.device = device
        self.n_samples, self.n_features = X.shape
        # Batches follow torch's default dtype (float32 unless a caller changed it), and dense and
        # sparse inputs go through the same arithmetic, so both give identical batch values.
        dtype = torch.get_default_dtype()
        if y is None:
            self._y = None
        else:
            y = np.asarray(y)
            self._y = torch.as_tensor(y, dtype=torch.long if y.dtype.kind in "iub" else dtype, device=device)
        numpy_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        self._mean = torch.as_tensor(mean, dtype=dtype, device=device)
        self._scale = torch.as_tensor(scale, dtype=dtype, device=device)
        if sp.issparse(X) or (isinstance(X, torch.Tensor) and X.layout != torch.strided):
            if np.any(np.asarray(mean) != 0):
                raise ValueError("sparse X is scaled, never centred (that would make it dense): pass a zero mean")
            self._sparse = check_sparse_input(X).astype(numpy_dtype, copy=False)
            self._dense = None
        else:
            self._dense = self._standardize(torch.as_tensor(np.asarray(X, dtype=numpy_dtype), device=device))
            self._sparse = None

    @property
    def is_sparse(self) -> bool:
        """Whether batches are torch CSR tensors."""
        return self._sparse is not None

    def batches(self, batch_size: int, generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Consecutive batches; in a random order drawn from ``generator`` when one is given."""
        if generator is None:
            order = torch.arange(self.n_samples)
        else:
            order = torch.randperm(self.n_samples, generator=generator)
        for start in range(0, self.n_samples, batch_size):
            rows = order[start : start + batch_size]
            inputs = self._rows(rows)
            if self._y is not None:
                yield inputs, self._y[rows.to(self.device)]
            else:  # an autoencoder reconstructs its input: a dense target, whatever the input's layout
                yield inputs, (inputs if inputs.layout == torch.strided else inputs.to_dense())

    def _rows(self, rows: torch.Tensor) -> torch.Tensor:
        if self._dense is not None:
            return self._dense[rows.to(self.device)]
        block = self._sparse[rows.numpy()]
        crow = torch.from_numpy(block.indptr.astype(np.int64)).to(self.device)
        col = torch.from_numpy(block.indices.astype(np.int64)).to(self.device)
        values = torch.from_numpy(block.data).to(self.device) / self._scale[col]  # the dense path's x / scale
        return torch.sparse_csr_tensor(crow, col, values, (len(rows), self.n_features), check_invariants=False)

    def _standardize(self, block: torch.Tensor) -> torch.Tensor:
        return (block - self._mean) / self._scale
