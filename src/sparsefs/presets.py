"""Named sets of :class:`~sparsefs.SparseFeatureSelector` settings: the paper's and the recommended.

``preset="paper"`` is the paper's configuration, which is also every parameter's default: it
changes nothing. ``preset="recommended"`` is the configuration measured to select better
features on small and noisy data (benchmarks/quality.py; docs/quality/QUALITY.md has the
measurements and the reasons for each setting).

How a preset combines with explicit parameters: at ``fit``, every parameter the preset names
that is still at its default (paper) value takes the preset's value; a parameter set to any
other value wins over the preset. (scikit-learn estimators store their parameters as given, so
a value equal to the default cannot be told apart from a value left alone: to combine the
recommended preset with a paper value of one of its parameters, pass ``preset="paper"`` and set
the other values yourself.) The values used are in the fitted attribute ``preset_params_``.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["PAPER", "PRESETS", "preset_params"]

#: The paper's settings: the selector's defaults (a test keeps the two equal).
PAPER: dict = {
    "training": "set",
    "importance": "attribution",
    "sparsity": 0.9,
    "l2": 1e-4,
    "hidden_layer_sizes": (1000, 100),
    "learning_rate": 1e-3,
    "max_epochs": 200,
    "patience": 50,
    "min_best_epoch": 5,
    "batch_size": "auto",
    "update_interval": 10,
    "prune_fraction": 0.3,
    "attribution_columns": None,
    "accumulate": "all_epochs",
    "validation_fraction": 0.2,
}

#: preset name -> the settings it changes from the paper's.
PRESETS: dict[str, dict] = {
    "paper": {},
    "recommended": {
        "hidden_layer_sizes": (100,),
        "l2": 1e-3,
        "batch_size": 16,
        "validation_fraction": 0.0,
        "accumulate": "best_epoch",
    },
}


def preset_params(preset: str, params: Mapping) -> dict:
    """The settings a fit uses: ``params`` with the preset's value for every parameter the
    preset names that is still at its paper default.

    Only the preset's parameters are returned (an empty dict for ``"paper"``).

    Examples
    --------
    >>> from sparsefs.presets import PAPER, PRESETS, preset_params
    >>> preset_params("paper", {"l2": 1e-4})
    {}
    >>> changed = preset_params("recommended", {**PAPER})
    >>> changed == PRESETS["recommended"]
    True
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    return {name: value for name, value in PRESETS[preset].items() if _same(params.get(name), PAPER[name])}


def _same(value, default) -> bool:
    if isinstance(default, tuple) and isinstance(value, (list, tuple)):
        return tuple(value) == default
    return type(value) is type(default) and value == default
