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



@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_examples_fit_88_columns(name):
    # The API pages show examples as code blocks: wider lines are cut off or scroll.
    objects = [OBJECTS[name]]
    if inspect.isclass(OBJECTS[name]):
        objects += [getattr(OBJECTS[name], method) for method in _public_methods(OBJECTS[name])]
    for obj in objects:
        examples = (inspect.getdoc(obj) or "").partition("Examples\n--------\n")[2]
        wide = [line for line in examples.splitlines() if len(line) > 88]
        assert not wide, f"{name}: example lines over 88 columns: {wide}"

# --- every parameter described -------------------------------------------------------------
# numpydoc's own checks (the parser that renders the API pages): PR07, a parameter listed with
# an empty description; for the selectors also PR01/PR02 (a parameter of the signature left
# out, or one listed that the signature lacks) and, for ``fit``, RT01 (no Returns section).


def _public_methods(cls) -> list[str]:
    return [name for name, value in vars(cls).items() if not name.startswith("_") and inspect.isfunction(value)]


def _documented() -> list[str]:
    names = []
    for name, obj in sorted(OBJECTS.items()):
        names.append(name)
        if inspect.isclass(obj):
            names += [f"{name}.{method}" for method in _public_methods(obj)]
    return names


def _numpydoc_errors(name: str, codes: set[str]) -> list[str]:
    validate = pytest.importorskip("numpydoc.validate", reason="numpydoc (the docs extra) checks docstrings")
    return [f"{code}: {message}" for code, message in validate.validate(name)["errors"] if code in codes]


@pytest.mark.parametrize("name", _documented())
def test_every_listed_parameter_is_described(name):
    assert not _numpydoc_errors(name, {"PR07"}), f"{name}: {_numpydoc_errors(name, {'PR07'})}"


def _attributes_without_description(obj) -> list[str]:
    docscrape = pytest.importorskip("numpydoc.docscrape", reason="numpydoc (the docs extra) reads docstrings")
    return [attribute.name for attribute in docscrape.ClassDoc(obj, config={"show_class_members": False})["Attributes"]
            if not "".join(attribute.desc).strip()]


@pytest.mark.parametrize("name", sorted(name for name, obj in OBJECTS.items() if inspect.isclass(obj)))
def test_every_listed_attribute_is_described(name):
    assert not _attributes_without_description(OBJECTS[name]), name


def _selectors() -> list[str]:
    from sparsefs.baselines import BASELINES
    classes = [OBJECTS["sparsefs.selector._estimator.SparseFeatureSelector"], *(type(part) for part in BASELINES.values())]
    return sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)


@pytest.mark.parametrize("name", _selectors())
def test_selectors_document_every_parameter_and_fit(name):
    errors = _numpydoc_errors(name, {"PR01", "PR02", "PR07"})
    module, cls = name.rsplit(".", 1)
    fit_owner = next(c for c in getattr(importlib.import_module(module), cls).__mro__ if "fit" in vars(c))
    fit = f"{fit_owner.__module__}.{fit_owner.__qualname__}.fit"
    errors += [f"fit: {error}" for error in _numpydoc_errors(fit, {"PR01", "PR02", "PR07", "RT01"})]
    assert not errors, f"{name}: " + "; ".join(errors)


def _select_with_an_undescribed_parameter(k, *, sparsity=0.9):
    """Select features (a docstring as the checks above must refuse it).

    Parameters
    ----------
    k : int
    sparsity : float, default=0.9
        Fraction of zero weights.

    Returns
    -------
    list
        The selected features.
    """


def test_the_parameter_check_fails_on_an_empty_description():
    errors = _numpydoc_errors(f"{__name__}._select_with_an_undescribed_parameter", {"PR01", "PR02", "PR07"})
    assert errors == ['PR07: Parameter "k" has no description']
