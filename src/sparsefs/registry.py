"""Registries of the kinds of things sparsefs is made of: tasks, training methods, importance
metrics and baselines.

Each kind is one :class:`Registry`. A part is one object registered under its name; the CLI's
choices, the study configuration, model selection and the report's labels, colours and markers
all ask the registry, so adding a training method or a baseline is one module plus one
``register`` call, and nothing else decides what a name means from its spelling.

Registries are filled when the module defining the parts is imported (``sparsefs.tasks``,
``sparsefs.network.dst``, ``sparsefs.importance``, ``sparsefs.baselines``); the lookups here
import those modules on first use, so this module itself stays light (no torch).

Parts from outside sparsefs reach a process in two ways. An installed package names the
module that registers them as an entry point in the group ``sparsefs.parts`` (the way pytest
finds its plugins); the first lookup in any process imports it, so the ``sparsefs`` command
and every worker process know its parts. And parts registered at run time (in a script or a
notebook) travel with the work that sparsefs sends to worker processes (``n_jobs``, a study's
``jobs``): :func:`added_parts` and :func:`call_with_parts`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["Registry", "TASKS", "TRAINING_METHODS", "METRICS", "BASELINES", "PLUGIN_GROUP", "added_parts",
           "call_with_parts"]

#: The entry-point group whose modules register parts from other packages.
PLUGIN_GROUP = "sparsefs.parts"


class Registry(Mapping):
    """Named parts of one kind, in registration order: a read-only mapping from name to part.

    A part is an object (an instance, never a class) with a ``name`` (str) and a ``label``
    (str, for tables and plots); its kind's base class says what more it defines, and the rest
    of sparsefs asks the part for it (``TRAINING_METHODS["set"].sparse``,
    ``BASELINES["lasso"].tasks``), never its name.

    Parameters
    ----------
    kind : str
        What the parts are, for messages ("training method", "baseline", ...).
    providers : tuple of str
        Modules whose import registers the built-in parts; imported on first lookup.
    reserved : tuple of str
        Names that mean something else where parts are chosen (a task named "auto").
    base : str or None
        The kind's base class, as ``"module:ClassName"`` (imported when a part is registered,
        so that this module stays light): every part must be an instance of it, which is
        checked when it is registered rather than deep inside a fit.

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

    def __init__(self, kind: str, providers: tuple[str, ...] = (), reserved: tuple[str, ...] = (),
                 base: str | None = None):
        self.kind = kind
        self._reserved = reserved
        self._base = base
        self._providers = providers
        self._loaded = not providers
        self._parts: dict[str, Any] = {}
        self._rivals: tuple[Registry, ...] = ()  # registries whose names this one's must not take (share_names)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True  # before importing: a provider's own lookups must not recurse
            for module in self._providers:
                importlib.import_module(module)
            _load_plugins()

    def register(self, part: Any, *, replace: bool = False) -> Any:
        """Add ``part`` under ``part.name``; returns it."""
        name = getattr(part, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"a {self.kind} needs a non-empty string 'name', got {name!r}")
        if name != name.strip() or "," in name or name in self._reserved:
            raise ValueError(f"{name!r} cannot name a {self.kind}: "
                             + ("it is reserved" if name in self._reserved else "no surrounding spaces or commas"))
        if isinstance(part, type):
            raise TypeError(f"register an instance of the {self.kind} {name!r}, not its class: "
                            f"register({part.__name__}())")
        base = self.base_class()
        if base is not None and not isinstance(part, base):
            raise TypeError(f"the {self.kind} {name!r} is not a {base.__module__}.{base.__qualname__}: "
                            f"derive it from the {self.kind}'s base class")
        if not isinstance(getattr(part, "label", None), str):
            raise TypeError(f"the {self.kind} {name!r} needs a string 'label'")
        if name in self._parts and not replace and self._parts[name] is not part:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        for rival in self._rivals:
            rival._load()  # its own parts first: a plugin imported early must not take a built-in's name
            if name in rival._parts:
                raise ValueError(f"{name!r} cannot name a {self.kind}: a {rival.kind} has that name, and a study "
                                 f"names {' and '.join(r.kind + 's' for r in (self, *self._rivals))} in one place")
        self._parts[name] = part
        return part

    def base_class(self) -> type | None:
        """The class every part of this kind is an instance of (None: any object)."""
        if self._base is None:
            return None
        module, _, qualname = self._base.partition(":")
        return getattr(importlib.import_module(module), qualname)

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
        return isinstance(name, str) and name in self._parts

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


# Each kind's base class: what its parts are instances of, and what the rest of sparsefs asks them.
TASKS = Registry("task", ("sparsefs.tasks",), reserved=("auto",), base="sparsefs.tasks:Task")
TRAINING_METHODS = Registry("training method", ("sparsefs.network.dst",), base="sparsefs.network.dst:TrainingMethod")
METRICS = Registry("importance metric", ("sparsefs.importance",), base="sparsefs.importance.base:ImportanceMetric")
BASELINES = Registry("baseline", ("sparsefs.baselines",), base="sparsefs.baselines._base:BaselineSelector")



def share_names(*registries: Registry) -> None:
    """Make the names of ``registries`` unique across all of them, checked at registration:
    the parts a study configuration names in one place (a cell's method is a training method or
    a baseline) must not be told apart by anything but their name."""
    for registry in registries:
        registry._rivals = tuple(other for other in registries if other is not registry)


share_names(TRAINING_METHODS, BASELINES)

_plugins_loaded = False


def _load_plugins() -> None:
    """Import, once per process, the modules that installed packages declare in
    :data:`PLUGIN_GROUP`. A plugin that fails to import is skipped with a warning naming it:
    one broken package must not stop sparsefs."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for entry_point in importlib.metadata.entry_points(group=PLUGIN_GROUP):
        try:
            entry_point.load()
        except Exception as error:  # noqa: BLE001 - any failure of foreign code
            warnings.warn(f"sparsefs plugin {entry_point.name!r} ({entry_point.value}) could not be loaded: "
                          f"{type(error).__name__}: {error}", RuntimeWarning, stacklevel=3)


_REGISTRIES = {"tasks": TASKS, "training_methods": TRAINING_METHODS, "metrics": METRICS, "baselines": BASELINES}


def added_parts() -> dict[str, tuple]:
    """The parts of this process that a fresh worker process would lack: those registered from
    outside sparsefs, by registry. Pickled with the work (cloudpickle carries a class defined
    in a script or notebook by value), they are registered in the worker by
    :func:`call_with_parts`.

    Examples
    --------
    >>> from sparsefs.registry import added_parts
    >>> added_parts()
    {}
    """
    added = {}
    for key, registry in _REGISTRIES.items():
        parts = tuple(part for part in registry.values() if not _module_of(part).startswith("sparsefs."))
        if parts:
            added[key] = parts
    return added


def call_with_parts(parts: dict[str, tuple], function: Callable, *args, **kwargs):
    """Register ``parts`` (from :func:`added_parts` in the parent process) where they are
    missing, then call ``function``: what sparsefs runs in a worker process.

    Examples
    --------
    >>> from sparsefs.registry import added_parts, call_with_parts
    >>> call_with_parts(added_parts(), sum, [1, 2])
    3
    """
    for key, registered in parts.items():
        registry = _REGISTRIES[key]
        for part in registered:  # replace: a reused worker may hold an older version of the part
            registry.register(part, replace=True)
    return function(*args, **kwargs)


def _module_of(part: Any) -> str:
    owner = part if isinstance(part, type) else type(part)
    return getattr(owner, "__module__", "") or ""
