"""How good a feature subset is: the paper's SVM accuracy, and coverage on synthetic data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def svm_accuracy(X_train, y_train, X_test, y_test, features) -> float:
    """Test accuracy of ``SVC()`` trained on the ``features`` columns of the training rows.

    The paper's quality measure (the method page §1): the columns are standardised with training
    statistics, then an RBF SVM with scikit-learn's defaults is fitted and scored.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs.evaluation import svm_accuracy
    >>> X, y = load_digits(return_X_y=True)
    >>> accuracy = svm_accuracy(X[:1000], y[:1000], X[1000:], y[1000:], features=[20, 21, 28, 36, 43])
    >>> 0.1 < accuracy < 1
    True
    """
    features = np.asarray(features, dtype=np.intp)
    if features.ndim != 1 or features.size == 0:
        raise ValueError("features must be a non-empty 1-D list of column indices")
    model = make_pipeline(StandardScaler(), SVC())
    model.fit(_columns(X_train, features), y_train)
    return float(model.score(_columns(X_test, features), y_test))


def coverage(ranking, informative, k: int) -> float:
    """Fraction of the ``informative`` features found among the first ``k`` of ``ranking``.

    Examples
    --------
    >>> from sparsefs.evaluation import coverage
    >>> coverage([3, 0, 7, 1], informative=[0, 1, 2, 3], k=2)
    0.5
    """
    informative = np.unique(np.asarray(informative))
    if informative.size == 0:
        raise ValueError("informative must name at least one feature")
    found = np.intersect1d(np.asarray(ranking)[:k], informative)
    return found.size / informative.size


def _columns(X, features: np.ndarray) -> np.ndarray:
    if sp.issparse(X):
        return sp.csc_matrix(X)[:, features].toarray()
    if hasattr(X, "iloc"):
        return X.iloc[:, features].to_numpy()
    return np.asarray(X)[:, features]
