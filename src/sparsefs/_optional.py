"""Optional dependencies: imported where they are used, and named with their extra when missing.

``import sparsefs`` needs none of them; the part that does says in one line what to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingDependency(ImportError):
    """An optional package that this part of sparsefs needs is not installed."""


def import_optional(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependency` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependency(
            f"{purpose} needs the '{module.partition('.')[0]}' package ({error}); "
            f"install it with: pip install 'sparsefs[{extra}]'"
        ) from None
