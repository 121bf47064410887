"""How good a feature subset is: the paper's SVM accuracy, its regression analogue (SVR R² and
RMSE), the reconstruction error of unsupervised selection, and coverage on synthetic data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR


def svm_accuracy(X_train, y_train, X_test, y_test, features) -> float:
    """Test accuracy of ``SVC()`` trained on the ``features`` columns of the training rows.

    The paper's quality measure (the method page §1): the columns are standardised with training
    statistics, then an RBF SVM with scikit-learn's defaults is fitted and scored.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs.evaluation import svm_accuracy
    >>> X, y = load_digits(return_X_y=True)
    >>> accuracy = svm_accuracy(X[:1000], y[:1000], X[1000:], y[1000:],
    ...                         features=[20, 21, 28, 36, 43])
    >>> 0.1 < accuracy < 1
    True
    """
    features = np.asarray(features, dtype=np.intp)
    if features.ndim != 1 or features.size == 0:
        raise ValueError("features must be a non-empty 1-D list of column indices")
    model = make_pipeline(StandardScaler(), SVC())
    model.fit(_columns(X_train, features), y_train)
    return float(model.score(_columns(X_test, features), y_test))


def svr_scores(X_train, y_train, X_test, y_test, features) -> dict[str, float]:
    """Test R² and RMSE of an RBF ``SVR()`` trained on the ``features`` columns: the SVM measure
    of the paper carried over to regression.

    Columns and targets are standardised with training statistics (SVR's default ``epsilon``
    and ``C`` assume unit-scale targets); RMSE is in the targets' own units; several targets get
    one SVR each and R² is their mean.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sparsefs.evaluation import svr_scores
    >>> X, y = make_friedman1(400, n_features=10, random_state=0)
    >>> scores = svr_scores(X[:300], y[:300], X[300:], y[300:], features=[0, 1, 3, 4])
    >>> sorted(scores), scores["r2"] > 0.5
    (['r2', 'rmse'], True)
    """
    features = _checked(features)
    y_train, y_test = np.asarray(y_train, dtype=float), np.asarray(y_test, dtype=float)
    if len(y_test) < 2:  # R² compares errors with the test targets' own spread
        raise ValueError(f"R² needs at least 2 test rows, got {len(y_test)}")
    regressor = make_pipeline(StandardScaler(), SVR())
    if y_train.ndim == 2 and y_train.shape[1] > 1:
        regressor = MultiOutputRegressor(regressor)
    model = TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())
    model.fit(_columns(X_train, features), y_train if y_train.ndim == 1 or y_train.shape[1] > 1 else y_train.ravel())
    predicted = np.asarray(model.predict(_columns(X_test, features))).reshape(np.shape(y_test))
    return {"r2": float(r2_score(y_test, predicted)), "rmse": float(np.sqrt(mean_squared_error(y_test, predicted)))}


def reconstruction_error(X_train, X_test, features, alpha: float = 1.0) -> float:
    """How well the ``features`` columns reconstruct every column: the test mean squared error,
    in standardised units, of a ridge regression (``alpha``) from the selected columns to all
    of them, as QuickSelection reports for unsupervised selection. 1 is no better than the
    training means; constant columns are left out.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparsefs.evaluation import reconstruction_error
    >>> X, _ = load_digits(return_X_y=True)
    >>> some = reconstruction_error(X[:1000], X[1000:], features=list(range(20, 40)))
    >>> 0 < some < reconstruction_error(X[:1000], X[1000:], features=[0])
    True
    """
    features = _checked(features)
    scaler = StandardScaler().fit(_dense(X_train))
    varying = scaler.var_ > 0  # scale_ is 1 for a constant column
    if not varying.any():
        raise ValueError("every feature is constant in the training rows: there is nothing to reconstruct")
    train, test = scaler.transform(_dense(X_train))[:, varying], scaler.transform(_dense(X_test))[:, varying]
    inputs = StandardScaler().fit(_columns(X_train, features))
    model = Ridge(alpha=alpha).fit(inputs.transform(_columns(X_train, features)), train)
    predicted = model.predict(inputs.transform(_columns(X_test, features)))
    return float(np.mean((predicted - test) ** 2))


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


def _checked(features) -> np.ndarray:
    features = np.asarray(features, dtype=np.intp)
    if features.ndim != 1 or features.size == 0:
        raise ValueError("features must be a non-empty 1-D list of column indices")
    return features


def _dense(X) -> np.ndarray:
    if sp.issparse(X):
        return X.toarray()
    return X.to_numpy() if hasattr(X, "iloc") else np.asarray(X)


def _columns(X, features: np.ndarray) -> np.ndarray:
    if sp.issparse(X):
        return sp.csc_matrix(X)[:, features].toarray()
    if hasattr(X, "iloc"):
        return X.iloc[:, features].to_numpy()
    return np.asarray(X)[:, features]
