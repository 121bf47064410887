"""The code a user copies from the README and the documentation runs as shown, and prints
what the page says it prints.

A snippet is a Python block; when the next block is a ``text`` block, that is its expected
output, compared exactly. Each snippet runs on its own (nothing from another block), in a
fresh folder, as a user pasting it into a new session would.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block, in order."""
    return [(lang, code) for lang, code in re.findall(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S)]


def rst_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` of every ``.. code-block::`` directive, in order."""
    blocks = []
    for match in re.finditer(r"^( *)\.\. code-block:: *(\w+)\n((?:\1 +:.*\n)*)\n((?:\1 +.*\n|\n)+)", text, re.M):
        blocks.append((match.group(2), textwrap.dedent(match.group(4)).strip("\n") + "\n"))
    return blocks


def snippets(blocks: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """Each Python block with the text block right after it (its output), if any."""
    found = []
    for i, (lang, code) in enumerate(blocks):
        if lang == "python":
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            found.append((code, following[1] if following and following[0] == "text" else None))
    return found


def readme_use_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Use\n")
    return text[start:text.index("\n## ", start + 1)]


def section_snippets() -> dict[str, tuple[str, str | None]]:
    cases = {}
    for i, snippet in enumerate(snippets(markdown_blocks(readme_use_section()))):
        cases[f"README-use-{i + 1}"] = snippet
    for page in ("index.rst", "user_guide/tasks.rst"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        for i, snippet in enumerate(snippets(rst_blocks(text))):
            cases[f"{page}-{i + 1}"] = snippet
    return cases


CASES = section_snippets()


def test_the_pages_have_the_snippets_a_user_reads_first():
    # The README's "Use" example, the landing page's quick start and the Tasks page's example,
    # each with the output it shows.
    assert CASES["README-use-1"][1] and CASES["index.rst-1"][1] and CASES["user_guide/tasks.rst-1"][1]
    assert "preset=\"recommended\"" in CASES["README-use-1"][0] and "preset=\"recommended\"" in CASES["index.rst-1"][0]
    assert len([name for name in CASES if name.startswith("README")]) >= 3


def test_code_blocks_fit_88_columns():
    # Wider lines are cut off or scroll on the pages.
    for name, (code, output) in CASES.items():
        for line in (code + (output or "")).splitlines():
            assert len(line) <= 88, f"{name}: {len(line)} columns: {line}"



@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("plot_*.py")), ids=lambda path: path.name)
def test_gallery_code_fits_88_columns(path):
    # The gallery shows each example's code and comments as code blocks (its docstring is text).
    import ast

    source = path.read_text(encoding="utf-8")
    docstring_end = ast.parse(source).body[0].end_lineno
    wide = [f"{number}: {line}" for number, line in enumerate(source.splitlines(), 1)
            if number > docstring_end and len(line) > 88]
    assert not wide, f"{path.name}: lines over 88 columns: {wide}"

@pytest.mark.parametrize("name", sorted(CASES))
def test_snippet_runs_and_prints_what_the_page_shows(name, tmp_path, monkeypatch):
    code, expected = CASES[name]
    monkeypatch.chdir(tmp_path)  # a snippet may write files (a plot)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # "about N seconds on one CPU core", and no oversubscription here
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"<{name}>", "exec"), {"__name__": "__main__"})
    finally:
        torch.set_num_threads(previous)
    if expected is not None:
        assert printed.getvalue() == expected, f"{name} printed:\n{printed.getvalue()}\nthe page shows:\n{expected}"


def test_the_extraction_sees_blocks_and_their_outputs():
    text = "x\n\n.. code-block:: python\n   :caption: c\n\n   print(1)\n\n   print(2)\n\ny\n\n.. code-block:: text\n\n   1\n   2\n"
    assert snippets(rst_blocks(text)) == [("print(1)\n\nprint(2)\n", "1\n2\n")]
    assert snippets(markdown_blocks("```python\nprint(3)\n```\n\n```text\n3\n```\n")) == [("print(3)\n", "3\n")]


# --- pages that state facts about the repository ----------------------------------------------


def test_the_reproduction_page_agrees_with_the_repository():
    import tomllib

    page = (ROOT / "docs" / "reproduction" / "REPRODUCTION.md").read_text(encoding="utf-8")
    # It says which pass it shows, and the second pass's grid is the one the config holds.
    assert "**Which run this page shows.**" in page and "first pass" in page
    config = tomllib.loads((ROOT / "configs" / "reproduction.toml").read_text(encoding="utf-8"))
    row = next(line for line in page.splitlines() if line.startswith("| sparsity |"))
    second_pass = [cell.strip() for cell in row.split("|")[1:-1]][3]
    assert second_pass == ", ".join(map(str, config["network"]["sparsity"]))
    # Its commands read the store as the repository ships it, and name files that exist.
    assert "gunzip -k results/reproduction.sqlite.gz" in page
    assert (ROOT / "results" / "reproduction.sqlite.gz").is_file()
    for path in re.findall(r"\b(configs/[\w-]+\.toml)\b", page):
        assert (ROOT / path).is_file(), path
    # No developer's folders, and the split every other page gives.
    assert "../shared" not in page and "/work/" not in page
    assert re.findall(r"\b\d\d/\d\d/\d\d\b", page) == ["64/16/20"]
    # Links go to pages and files the site holds, not to raw Markdown files.
    assert not re.findall(r"\]\([^)]*\.md(#[^)]*)?\)", page)
