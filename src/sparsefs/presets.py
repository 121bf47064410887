"""``sparsefs.presets`` is :mod:`sparsefs.selector.presets`, importable by its earlier path (the
selector's modules live in :mod:`sparsefs.selector`)."""

import sys

from .selector import presets as _presets

sys.modules[__name__] = _presets
