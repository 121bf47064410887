"""Issue 23, the second reliability pass: no silent wrong result, no traceback from deep inside,
no confusing message on the surfaces added last (K "auto", kept networks, tasks, data files,
plugins, studies). Each test failed before its fix; the mistakes that reach the command line
are also probes of tests/test_reliability.py."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from sparsefs import SparseFeatureSelector
from sparsefs.datasets import DatasetError, load

RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 6))
Y = np.repeat([0, 1], 30)


def small(k=2, **params):
    return SparseFeatureSelector(k, **{"hidden_layer_sizes": (8,), "max_epochs": 2, "random_state": 0, **params})


class Epochs:
    """An ``on_epoch_end`` that counts the epochs trained."""

    def __init__(self):
        self.count = 0

    def __call__(self, record):
        self.count += 1


# -- 2, 13: "auto" never chooses K by NaN, and its folds are checked before training ----------------------------

def test_auto_refuses_folds_on_which_r2_is_undefined_before_training():
    X_small, epochs = X[:8], Epochs()
    y = X_small[:, 0] + 0.1 * RNG.normal(size=8)
    with pytest.raises(ValueError, match=r"R² needs 2\): pass a smaller cv \(at most 4 here\)"):
        small("auto", validation_fraction=0.25).fit(X_small, y, on_epoch_end=epochs)
    assert epochs.count == 0
    selector = small("auto", validation_fraction=0.25, cv=4).fit(X_small, y)
    assert all(np.isfinite(score) for score in selector.k_scores_.values())


class NaNScore(ClassifierMixin, BaseEstimator):
    """A downstream estimator whose score is undefined."""

    def fit(self, X, y):
        return self

    def score(self, X, y):
        return float("nan")


def test_auto_never_chooses_k_by_a_nan_score():
    with pytest.raises(ValueError, match="not a number, so no K can be chosen"):
        small("auto", estimator=NaNScore(), cv=3).fit(X, Y)


def test_auto_checks_stratified_folds_before_training_and_names_the_label():
    labels = np.repeat(["bird", "cat", "dog", "eel"], 3)
    epochs = Epochs()
    with pytest.raises(ValueError, match=r"cannot cross-validate with cv=5: .*'bird', has 3 rows\); pass a smaller cv"):
        small("auto", max_epochs=50).fit(X[:12], labels, on_epoch_end=epochs)
    assert epochs.count == 0


# -- 4: repeated column names are refused, never renamed into features ----------------------------------------

def test_repeated_csv_column_names_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("f1,f2,label,label\n" + "".join(f"{i},{i * 2},{i % 2},{i % 2}\n" for i in range(6)))
    with pytest.raises(DatasetError, match=r"dup.csv: the column name\(s\) 'label' appear more than once"):
        load(path, target="label")
    # a column that only looks like pandas' renaming of a repeat is a column of its own
    path.write_text("f1,label.1,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(6)))
    assert list(load(path, target="label").feature_names) == ["f1", "label.1"]
