"""The paper's quality measure (SVM accuracy on the selected columns) and coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sparsefs.evaluation import coverage, svm_accuracy


@pytest.fixture(scope="module")
def split():
    X, y = make_classification(200, 30, n_informative=5, shuffle=False, random_state=0)
    return X[:150], y[:150], X[150:], y[150:]


def test_svm_accuracy_is_svc_on_standardized_selected_columns(split):
    X_train, y_train, X_test, y_test = split
    features = [0, 2, 4, 11]
    scaler = StandardScaler().fit(X_train[:, features])
    svc = SVC().fit(scaler.transform(X_train[:, features]), y_train)
    expected = np.mean(svc.predict(scaler.transform(X_test[:, features])) == y_test)
    assert svm_accuracy(X_train, y_train, X_test, y_test, features) == pytest.approx(expected)


def test_svm_accuracy_accepts_sparse_and_dataframes(split):
    X_train, y_train, X_test, y_test = split
    features = np.array([1, 3, 5])
    reference = svm_accuracy(X_train, y_train, X_test, y_test, features)
    assert svm_accuracy(sp.csr_matrix(X_train), y_train, sp.csr_matrix(X_test), y_test, features) == reference
    assert svm_accuracy(pd.DataFrame(X_train), y_train, pd.DataFrame(X_test), y_test, features) == reference


def test_informative_columns_beat_noise_columns(split):
    X_train, y_train, X_test, y_test = split
    assert svm_accuracy(X_train, y_train, X_test, y_test, range(5)) > svm_accuracy(
        X_train, y_train, X_test, y_test, range(20, 25)
    )


def test_svm_accuracy_needs_features(split):
    with pytest.raises(ValueError, match="non-empty"):
        svm_accuracy(*split, [])


def test_coverage_counts_informative_features_in_the_top_k():
    ranking = [4, 0, 9, 1, 7, 2]
    assert coverage(ranking, [0, 1, 2, 3], 4) == 0.5
    assert coverage(ranking, [0, 1, 2, 3], 6) == 0.75
    assert coverage(ranking, [5], 6) == 0.0
    with pytest.raises(ValueError, match="informative"):
        coverage(ranking, [], 3)
