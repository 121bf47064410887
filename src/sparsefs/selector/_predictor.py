"""The trained network of a fit, kept on request (``keep_network=True``) as a classifier."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_array

from ..batches import BatchSource

#: Rows predicted at once.
_BLOCK = 4096


class TrainedNetwork:
    """The selector's network at its best epoch, predicting from the full feature set.

    It applies the standardisation of the fit's training rows, then the network; it is what
    produced the selector's ``history_`` (``score`` on the validation rows reproduces the best
    epoch's ``val_accuracy``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs import SparseFeatureSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SparseFeatureSelector(16, hidden_layer_sizes=(32,), max_epochs=3, keep_network=True,
    ...                                  random_state=0).fit(X[:500], y[:500])
    >>> selector.network_.predict_proba(X[500:503]).shape
    (3, 10)
    >>> 0 <= selector.network_.score(X[500:], y[500:]) <= 1
    True
    """

    def __init__(self, network, mean: np.ndarray, scale: np.ndarray, classes: np.ndarray):
        self.network = network.cpu().eval()
        self.mean_ = mean
        self.scale_ = scale
        self.classes_ = classes
        self.n_features_in_ = len(mean)

    @torch.no_grad()
    def decision_function(self, X) -> np.ndarray:
        """The network's logits, one column per class."""
        X = check_array(X, accept_sparse="csr", dtype=np.float32)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the network was trained on {self.n_features_in_}")
        device = next(self.network.parameters()).device
        if sp.issparse(X) and np.any(self.mean_ != 0):
            # fitted on dense rows, which were centred: so are these, a block of rows at a time
            return np.concatenate([self.decision_function(X[start : start + _BLOCK].toarray())
                                   for start in range(0, X.shape[0], _BLOCK)])
        rows = BatchSource(X, np.zeros(X.shape[0], dtype=int), self.mean_, self.scale_, device)
        blocks = [self.network(inputs)[0] for inputs, _ in rows.batches(_BLOCK)]
        return torch.cat(blocks).cpu().numpy()

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the logits), columns in the order of ``classes_``."""
        return torch.softmax(torch.from_numpy(self.decision_function(X)), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]

    def score(self, X, y) -> float:
        """Accuracy of ``predict(X)`` against ``y``."""
        predicted, y = self.predict(X), np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:  # a column vector, as scikit-learn's scorers accept
            y = y.ravel()
        if y.ndim != 1 or len(y) != len(predicted):
            raise ValueError(f"y of shape {y.shape} does not match the {len(predicted)} rows of X")
        return float(np.mean(predicted == y))
