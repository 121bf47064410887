"""Every public class and function has an example in its docstring, and every example runs.

"Public" is what the API reference renders: the names of each module listed in
docs/api.rst (its ``__all__``, else the classes and functions it defines).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def public_modules() -> list[str]:
    # api.rst documents the package (the estimator) and, under "Modules", its modules by their
    # names relative to ``.. currentmodule:: sparsefs``.
    text = (ROOT / "docs" / "api.rst").read_text()
    modules = text.split("\nModules\n-------\n", 1)[1]
    return ["sparsefs"] + [f"sparsefs.{name}" for name in re.findall(r"^   (\w+(?:\.\w+)*)$", modules, re.M)]


def public_objects() -> dict[str, object]:
    found: dict[str, object] = {}
    for name in public_modules():
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None) or [
            attr for attr, value in vars(module).items()
            if not attr.startswith("_") and getattr(value, "__module__", None) == name
        ]
        for attr in names:
            value = getattr(module, attr)
            if inspect.isclass(value) or inspect.isfunction(value):
                found.setdefault(f"{value.__module__}.{value.__qualname__}", value)
    return found


OBJECTS = public_objects()


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    # The examples' networks are tiny: one thread is as fast, and never oversubscribes a busy machine.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_the_api_reference_lists_modules():
    assert "sparsefs" in public_modules() and len(OBJECTS) > 40


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_has_an_example(name):
    assert re.search(r"^\s*Examples\n\s*-{8}\n", inspect.getdoc(OBJECTS[name]) or "", re.M), (
        f"{name} has no numpydoc 'Examples' section"
    )


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_examples_run(name, tmp_path, monkeypatch):
    # Examples may write files: they do so in a fresh folder.
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    np.random.seed(0)
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {"__name__": "__main__"}
    tests = [t for t in finder.find(OBJECTS[name], name, globs=globs) if t.examples]
    assert tests, f"{name}: no runnable example"
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{name}: {results.failed} of {results.attempted} example lines failed (output above)"
