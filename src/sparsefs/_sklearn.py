"""The private scikit-learn APIs sparsefs uses, imported here and nowhere else.

Parameter validation follows scikit-learn's own convention (``_parameter_constraints``
checked by ``_fit_context``), which has no public equivalent: ``check_scalar`` checks one
value, not an estimator's declared constraints, and ``_fit_context`` also honours
``sklearn.set_config(skip_parameter_validation=...)``. Both live in private modules that a
scikit-learn release may move, so pyproject.toml bounds scikit-learn to the releases CI
tests (the oldest-versions leg and the current one) and this module is the one place to
adapt when a release moves them.
"""

import sklearn
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions

_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])

#: LogisticRegression's arguments for a pure L1 penalty: ``l1_ratio=1`` since 1.8 (where
#: ``penalty`` is deprecated); before 1.8 ``l1_ratio`` is ignored unless
#: ``penalty="elasticnet"``, so it would silently fit an L2 model.
L1_PENALTY = {"l1_ratio": 1.0} if _VERSION >= (1, 8) else {"penalty": "l1"}

__all__ = ["L1_PENALTY", "HasMethods", "Interval", "RealNotInt", "StrOptions", "_fit_context"]
