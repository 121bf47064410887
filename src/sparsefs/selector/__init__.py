"""The feature selector and what belongs to it alone.

:class:`RankingSelector` is the base of every selector that ranks features, the estimator
(:class:`sparsefs.SparseFeatureSelector`) and every baseline (:mod:`sparsefs.baselines`):
input checks, the split, the ranks and the choice of K. :mod:`sparsefs.selector.presets` holds
the named configurations (also importable as ``sparsefs.presets``); the private modules hold
the estimator (``_estimator``), the choice of K (``_kselect``) and the kept network
(``_predictor``).
"""

from ._ranking import RankingSelector

__all__ = ["RankingSelector"]
