"""The paper's baselines (the method page §7), the classical selectors practitioners reach for
first (tree ensembles, ANOVA F, mutual information, ReliefF, mRMR) and unsupervised ones, as
scikit-learn feature selectors.

Each wraps its package (scikit-learn, ``lassonet``, ``stg``), or implements the method with
numpy where no package is fast enough (ReliefF, mRMR), behind the same interface as
:class:`~sparsefs.SparseFeatureSelector`: ``fit(X, y)`` splits off validation rows the same
way, then ``feature_importances_``, ``ranking_`` (ranks, 1 = best), ``ranked_features_``, ``val_loss_``, ``n_parameters_`` and
``training_flops_``. LassoNet and STG need the optional extra: ``pip install 'sparsefs[baselines]'``.
"""

from ..registry import BASELINES as _REGISTRY
from ._base import BaselineSelector, BaselineUnavailable
from ._filters import ANOVASelector, MutualInfoSelector
from ._lasso import LassoSelector
from ._lassonet import LassoNetSelector
from ._mrmr import MRMRSelector
from ._relieff import ReliefFSelector
from ._scored import ScoreSelector
from ._stg import STGSelector
from ._trees import ExtraTreesSelector, RandomForestSelector
from ._unsupervised import LaplacianScoreSelector, RandomSelector, VarianceSelector

for _baseline in (LassoSelector, LassoNetSelector, STGSelector, VarianceSelector, LaplacianScoreSelector, RandomSelector,
                  ExtraTreesSelector, RandomForestSelector, ANOVASelector, MutualInfoSelector, ReliefFSelector,
                  MRMRSelector):
    _REGISTRY.register(_baseline())

#: Every registered baseline by name (:data:`sparsefs.registry.BASELINES`), an unfitted instance
#: with its default parameters: a new baseline is a BaselineSelector subclass with name, label,
#: metric and tasks, plus the registration of an instance. ``sklearn.base.clone(BASELINES[name])``
#: and ``set_params`` make one to fit.
BASELINES = _REGISTRY

__all__ = ["ANOVASelector", "BASELINES", "BaselineSelector", "BaselineUnavailable", "ExtraTreesSelector",
           "LaplacianScoreSelector", "LassoNetSelector", "LassoSelector", "MRMRSelector", "MutualInfoSelector",
           "RandomForestSelector", "RandomSelector", "ReliefFSelector", "STGSelector", "ScoreSelector",
           "VarianceSelector"]
