"""The selector on real benchmark datasets from ../shared/datasets."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sparsefs import SparseFeatureSelector
from sparsefs.evaluation import svm_accuracy
from sparsefs.splitting import paper_split

from ._helpers import load_mat


def _fit_and_score(X, y, k, **params):
    train, val, test = paper_split(y, 0)
    fit_rows = np.sort(np.concatenate([train, val]))
    selector = SparseFeatureSelector(k, random_state=0, **params).fit(X[fit_rows], y[fit_rows])
    return selector, svm_accuracy(X[fit_rows], y[fit_rows], X[test], y[test], selector.ranked_features_[:k])


def test_madelon_set_attribution_beats_a_random_ranking():
    # Madelon: 20 relevant features hidden among 480 noise probes.
    X, y = load_mat("madelon.mat")
    _, chosen = _fit_and_score(X, y, 20, training="set", sparsity=0.95, max_epochs=30, importance="attribution")
    _, chance = _fit_and_score(X, y, 20, training="set", sparsity=0.95, max_epochs=30, importance="random")
    assert chosen >= 0.68
    assert chance < 0.62


def test_basehock_text_as_sparse_matrix():
    X, y = load_mat("BASEHOCK.mat")
    X = sp.csr_matrix(X)
    selector, accuracy = _fit_and_score(X, y, 100, training="set", sparsity=0.95, max_epochs=5, importance="strength")
    assert selector.n_features_in_ == 4862
    assert accuracy >= 0.8
    # ERK on 4862 -> 1000 -> 100 -> 2 at 5% global density
    assert selector.n_parameters_ == pytest.approx(0.05 * (4862 * 1000 + 1000 * 100 + 100 * 2) + 1102, rel=1e-3)
