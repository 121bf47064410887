"""scikit-learn's own estimator checks, on a tiny network so they run in seconds."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from sparsefs import SparseFeatureSelector


def _tiny(**kwargs):
    # sparsity 0.5: at the default 0.9 a network this small has two or three weights a layer and
    # often connects no input to the outputs, a fit sparsefs refuses (every importance is 0)
    return SparseFeatureSelector(
        n_features_to_select=1, hidden_layer_sizes=(8, 4), max_epochs=3, random_state=0, **{"sparsity": 0.5, **kwargs}
    )


@parametrize_with_checks(
    [
        _tiny(),
        _tiny(validation_fraction=0.0, training="rigl", importance="strength"),
        _tiny(backend="sparse", sparsity=0.5),
        _tiny(threshold="mean", n_repeats=2, bootstrap=True),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
