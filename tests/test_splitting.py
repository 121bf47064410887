"""The seeded stratified splits, and the paper's 64/16/20 split."""

from __future__ import annotations

import numpy as np
import pytest

from sparsefs import SparseFeatureSelector
from sparsefs.splitting import paper_split, stratified_split


def test_split_is_a_partition_with_the_requested_size_and_proportions():
    y = np.repeat([0, 1, 2], [500, 300, 200])
    kept, held = stratified_split(y, 0.2, 0)
    assert len(held) == 200 and len(kept) == 800
    assert np.array_equal(np.sort(np.concatenate([kept, held])), np.arange(1000))
    assert np.bincount(y[held]).tolist() == [100, 60, 40]


def test_split_total_matches_ceil_like_scikit_learn():
    y = np.repeat(np.arange(15), 11)  # Yale: 15 classes of 11
    _, held = stratified_split(y, 0.2, 3)
    assert len(held) == 33
    assert set(np.bincount(y[held])) <= {2, 3}


def test_same_seed_same_split_other_seed_other_split():
    y = np.repeat([0, 1], [60, 40])
    assert np.array_equal(stratified_split(y, 0.2, 5)[1], stratified_split(y, 0.2, 5)[1])
    assert not np.array_equal(stratified_split(y, 0.2, 5)[1], stratified_split(y, 0.2, 6)[1])


def test_string_labels_and_singleton_error_names_the_class():
    y = np.array(["a"] * 5 + ["b"] * 5 + ["c"])
    with pytest.raises(ValueError, match="class 'c' has only 1 sample"):
        stratified_split(y, 0.2, 0)


def test_paper_split_is_64_16_20_and_disjoint():
    y = np.repeat([0, 1], [700, 300])
    train, val, test = paper_split(y, 0)
    assert (len(train), len(val), len(test)) == (640, 160, 200)
    assert len(np.intersect1d(train, val)) == len(np.intersect1d(train, test)) == len(np.intersect1d(val, test)) == 0


def test_paper_split_keeps_two_member_classes_trainable_and_validated():
    # lymphoma-like: some classes have only 2 samples
    y = np.repeat(np.arange(9), [46, 10, 9, 6, 6, 4, 4, 2, 2])
    train, val, test = paper_split(y, 0)
    assert set(y[train]) == set(y[val]) == set(range(9))
    assert not {7, 8} & set(y[test])


def test_selector_sees_the_same_train_and_validation_rows_as_paper_split():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    train, val, test = paper_split(y, 11)
    train_val = np.sort(np.concatenate([train, val]))
    kept, held = stratified_split(y[train_val], 0.2, 11)  # what the selector does internally
    assert np.array_equal(train_val[kept], train) and np.array_equal(train_val[held], val)
    X = np.random.RandomState(0).randn(100, 6)
    selector = SparseFeatureSelector(2, hidden_layer_sizes=(8,), max_epochs=1, random_state=11)
    selector.fit(X[train_val], y[train_val])  # fits without error on the paper's rows
