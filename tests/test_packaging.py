"""Packaging: what `import sparsefs` loads, optional extras, platform guards, one version."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import sparsefs
from sparsefs._optional import MissingDependency
from sparsefs.study import execution

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = ("matplotlib", "jinja2", "tabulate")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_importing_the_package_loads_no_optional_package():
    # Every module a user imports to select features or run a study, in a fresh interpreter.
    result = run_python(
        "import sys, sparsefs, sparsefs.datasets, sparsefs.study, sparsefs.baselines, sparsefs.cli\n"
        f"print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_study_runner_imports_without_the_posix_resource_module():
    # As on Windows: `resource` cannot be imported at all.
    result = run_python(
        "import sys; sys.modules['resource'] = None\n"
        "import torch\n"
        "from sparsefs.study import execution, run_study\n"
        "with execution._peak_memory(torch.device('cpu')) as peak: pass\n"
        "print(execution.resource is None, sorted(peak))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "['bytes',", "'measure']"]  # /proc still answers on Linux


def test_peak_memory_is_left_unrecorded_where_neither_proc_nor_resource_exist(monkeypatch):
    class NoProc:
        def __init__(self, path):
            pass

        def read_text(self):
            raise OSError("no /proc here")

        def write_text(self, text):
            raise OSError("no /proc here")

    monkeypatch.setattr(execution, "resource", None)
    monkeypatch.setattr(execution, "Path", NoProc)
    with execution._peak_memory(execution.torch.device("cpu")) as peak:
        pass
    assert peak == {}


def test_the_report_command_names_its_extra_when_matplotlib_is_missing(tmp_path):
    result = run_python(
        "import sys; sys.modules['matplotlib'] = None\n"
        "from sparsefs.cli import main\n"
        f"sys.exit(main(['report', {str(tmp_path / 'x.sqlite')!r}, '--out', {str(tmp_path / 'report')!r}]))"
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "needs the 'matplotlib' package" in result.stderr and "pip install 'sparsefs[report]'" in result.stderr


def test_the_demo_names_its_extra_before_training(monkeypatch, tmp_path):
    from sparsefs import demo

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setattr(demo, "make_synthetic", lambda *a, **k: pytest.fail("trained without matplotlib"))
    with pytest.raises(MissingDependency, match=r"pip install 'sparsefs\[plot\]'"):
        demo.run_demo(tmp_path)


def test_one_version_everywhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert sparsefs.__version__ == version("sparsefs") == project["version"]
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^version: (\S+)$", citation, re.M).group(1) == project["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## Unreleased" in changelog
    assert re.search(rf"^## {re.escape(project['version'])} - \d{{4}}-\d\d-\d\d$", changelog, re.M)


def test_the_oldest_versions_leg_installs_every_lower_bound():
    """ci/oldest-constraints.txt pins each core dependency at pyproject's lower bound."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = dict(
        line.split("==") for line in (ROOT / "ci" / "oldest-constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for requirement in project["dependencies"]:
        name, lower = re.fullmatch(r"([\w-]+)>=([\d.]+).*", requirement).groups()
        assert pins[name] == lower or pins[name].startswith(lower + "."), (name, lower, pins[name])
