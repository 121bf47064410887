"""Registries of the kinds of things sparsefs is made of: tasks, training methods, importance
metrics and baselines.

Each kind is one :class:`Registry`. A part is one object registered under its name; the CLI's
choices, the study configuration, model selection and the report's labels, colours and markers
all ask the registry, so adding a training method or a baseline is one module plus one
``register`` call, and nothing else decides what a name means from its spelling.

Registries are filled when the module defining the parts is imported (``sparsefs.tasks``,
``sparsefs.network.dst``, ``sparsefs.importance``, ``sparsefs.baselines``); the lookups here
import those modules on first use, so this module itself stays light (no torch).

"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Registry", "TASKS", "TRAINING_METHODS", "METRICS", "BASELINES"]


class Registry(Mapping):
    """Named parts of one kind, in registration order: a read-only mapping from name to part.

    A part is any object (or class) with a ``name`` (str) and a ``label`` (str, for tables and
    plots); each kind's base class says what more its parts define.

    Parameters
    ----------
    kind : str
        What the parts are, for messages ("training method", "baseline", ...).
    providers : tuple of str
        Modules whose import registers the built-in parts; imported on first lookup.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from sparsefs.registry import Registry
    >>> colours = Registry("colour")
    >>> _ = colours.register(SimpleNamespace(name="red", label="Red"))
    >>> colours.names(), colours["red"].label
    (('red',), 'Red')
    >>> colours["blue"]
    Traceback (most recent call last):
    ...
    KeyError: "unknown colour 'blue'; choose from: red"
    """

    def __init__(self, kind: str, providers: tuple[str, ...] = ()):
        self.kind = kind
        self._providers = providers
        self._loaded = not providers
        self._parts: dict[str, Any] = {}

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True  # before importing: a provider's own lookups must not recurse
            for module in self._providers:
                importlib.import_module(module)

    def register(self, part: Any, *, replace: bool = False) -> Any:
        """Add ``part`` under ``part.name``; returns it (usable as a class decorator)."""
        name = getattr(part, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"a {self.kind} needs a non-empty string 'name', got {name!r}")
        if not isinstance(getattr(part, "label", None), str):
            raise TypeError(f"the {self.kind} {name!r} needs a string 'label'")
        if name in self._parts and not replace and self._parts[name] is not part:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        self._parts[name] = part
        return part

    def unregister(self, name: str) -> None:
        """Remove a part (tests that register a toy part use this to clean up)."""
        self._load()
        self._parts.pop(name, None)

    def __getitem__(self, name: str) -> Any:
        """The part named ``name``; a KeyError that lists the known names otherwise."""
        self._load()
        try:
            return self._parts[name]
        except (KeyError, TypeError):
            raise KeyError(f"unknown {self.kind} {name!r}; choose from: {', '.join(self._parts)}") from None

    def labels(self) -> dict[str, str]:
        """``{name: label}`` of every part."""
        return {name: part.label for name, part in self.items()}

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._parts

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(list(self._parts))

    def __len__(self) -> int:
        self._load()
        return len(self._parts)

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        self._load()
        return tuple(self._parts)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, names={list(self.names())})"


TASKS = Registry("task", ("sparsefs.tasks",))
TRAINING_METHODS = Registry("training method", ("sparsefs.network.dst",))
METRICS = Registry("importance metric", ("sparsefs.importance",))
BASELINES = Registry("baseline", ("sparsefs.baselines",))
