"""The paper's baselines (the method page §7) as scikit-learn feature selectors.

Each wraps its package (scikit-learn, ``lassonet``, ``stg``) behind the same interface as
:class:`~sparsefs.SparseFeatureSelector`: ``fit(X, y)`` splits off validation rows the same
way, then ``feature_importances_``, ``ranking_``, ``val_loss_``, ``n_parameters_`` and
``training_flops_``. LassoNet and STG need the optional extra: ``pip install 'sparsefs[baselines]'``.
"""

from ._base import BaselineSelector, BaselineUnavailable
from ._lasso import LassoSelector
from ._lassonet import LassoNetSelector
from ._stg import STGSelector

BASELINES: dict[str, type[BaselineSelector]] = {cls.name: cls for cls in (LassoSelector, LassoNetSelector, STGSelector)}

__all__ = ["BASELINES", "BaselineSelector", "BaselineUnavailable", "LassoNetSelector", "LassoSelector", "STGSelector"]
