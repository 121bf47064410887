"""The paper's baselines (the method page §7) and unsupervised ones, as scikit-learn feature selectors.

Each wraps its package (scikit-learn, ``lassonet``, ``stg``) behind the same interface as
:class:`~sparsefs.SparseFeatureSelector`: ``fit(X, y)`` splits off validation rows the same
way, then ``feature_importances_``, ``ranking_`` (ranks, 1 = best), ``ranked_features_``, ``val_loss_``, ``n_parameters_`` and
``training_flops_``. LassoNet and STG need the optional extra: ``pip install 'sparsefs[baselines]'``.
"""

from ..registry import BASELINES as _REGISTRY
from ._base import BaselineSelector, BaselineUnavailable
from ._lasso import LassoSelector
from ._lassonet import LassoNetSelector
from ._stg import STGSelector
from ._unsupervised import LaplacianScoreSelector, RandomSelector, VarianceSelector

for _baseline in (LassoSelector, LassoNetSelector, STGSelector, VarianceSelector, LaplacianScoreSelector, RandomSelector):
    _REGISTRY.register(_baseline())

#: Every registered baseline by name (:data:`sparsefs.registry.BASELINES`), an unfitted instance
#: with its default parameters: a new baseline is a BaselineSelector subclass with name, label,
#: metric and tasks, plus the registration of an instance. ``sklearn.base.clone(BASELINES[name])``
#: and ``set_params`` make one to fit.
BASELINES = _REGISTRY

__all__ = ["BASELINES", "BaselineSelector", "BaselineUnavailable", "LaplacianScoreSelector", "LassoNetSelector",
           "LassoSelector", "RandomSelector", "STGSelector", "VarianceSelector"]
