"""Named sets of :class:`~sparsefs.SparseFeatureSelector` settings: the paper's and the recommended.

``preset="paper"`` is the paper's configuration (:data:`PAPER`), what every parameter left
alone stands for. ``preset="recommended"`` is the configuration measured to select better
features on small and noisy data (benchmarks/quality.py; docs/quality/QUALITY.md has the
measurements and the reasons for each setting).

How a preset combines with explicit parameters: a parameter a preset may set
(:data:`PRESET_PARAMETERS`) defaults to ``None``, "the preset's value"; any value given to it,
the paper's included, wins over the preset. :func:`resolve_settings` makes that decision for
a fit from the estimator's parameters, without copying the estimator; the values the preset
supplied are in the fitted attribute ``preset_params_``.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["PAPER", "PRESETS", "PRESET_PARAMETERS", "preset_params", "resolve_settings"]

#: The paper's settings (of the parameters a preset may set, the values ``None`` stands for
#: under ``preset="paper"``; of the others, the selector's defaults: a test keeps them equal).
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

#: The parameters a preset may set: each defaults to ``None`` in the selector, which stands for
#: the preset's value (a preset setting any other parameter could not tell it from a given one).
PRESET_PARAMETERS = ("hidden_layer_sizes", "l2", "batch_size", "validation_fraction", "accumulate")


def resolve_settings(preset: str, params: Mapping) -> dict:
    """The value of every parameter of :data:`PRESET_PARAMETERS` in a fit: the one given in
    ``params``, or where it is ``None`` (left alone) the preset's, else the paper's.

    Examples
    --------
    >>> from sparsefs.selector.presets import resolve_settings
    >>> # given: it wins
    >>> resolve_settings("recommended", {"l2": 1e-4, "batch_size": None})["l2"]
    0.0001
    >>> (resolve_settings("recommended", {"l2": None})["l2"],
    ...  resolve_settings("paper", {})["l2"])
    (0.001, 0.0001)
    """
    chosen = _preset(preset)
    return {name: params[name] if params.get(name) is not None else chosen.get(name, PAPER[name])
            for name in PRESET_PARAMETERS}


def preset_params(preset: str, params: Mapping) -> dict:
    """The settings the preset supplies to a fit: its value of every parameter it sets that
    ``params`` leaves at ``None`` (an empty dict for ``"paper"``).

    Examples
    --------
    >>> from sparsefs.selector.presets import PRESETS, preset_params
    >>> preset_params("paper", {"l2": None})
    {}
    >>> preset_params("recommended", {}) == PRESETS["recommended"]
    True
    >>> sorted(preset_params("recommended", {"l2": 1e-4, "batch_size": 32}))
    ['accumulate', 'hidden_layer_sizes', 'validation_fraction']
    """
    return {name: value for name, value in _preset(preset).items() if params.get(name) is None}


def _preset(preset: str) -> dict:
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    return PRESETS[preset]
