"""A :class:`~sparsefs.report.tables.Table` as Markdown, LaTeX, CSV and an HTML fragment.

pandas does the layout (``to_markdown`` through tabulate, ``Styler.to_latex``, ``to_html``);
this module only marks the bold entries in each format's own way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .._csvsafe import escape_frame
from .tables import Table

# Characters Markdown may take for markup inside a line (emphasis, code, links, inline HTML,
# entities, table cells). Names from the store (dataset names are users' file names) are
# escaped with backslashes, so that they are shown as written, never rendered.
_MARKDOWN_MARKUP = re.compile(r"([\\`*_\[\]<>|~&])")

# Characters the tables use that LaTeX wants spelled out (the rest is escaped by pandas).
_LATEX_SYMBOLS = {"±": r"$\pm$", "–": "--", "×10¹²": r"$\times 10^{12}$", "×10⁶": r"$\times 10^{6}$", "≥": r"$\geq$"}


def write_table(table: Table, directory: Path) -> list[Path]:
    """Write ``<name>.md``, ``<name>.tex`` and ``<name>.csv`` under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{table.name}.{suffix}" for suffix in ("md", "tex", "csv")]
    paths[0].write_text(markdown(table), encoding="utf-8")
    paths[1].write_text(latex(table), encoding="utf-8")
    escape_frame(table.data).to_csv(paths[2], index=False)
    return paths


def markdown_text(text) -> str:
    """``text`` on one line with Markdown's markup characters escaped."""
    return _MARKDOWN_MARKUP.sub(r"\\\1", " ".join(str(text).split()))


def markdown_table(frame: pd.DataFrame, **kwargs) -> str:
    """``frame.to_markdown(**kwargs)`` with its labels and text cells escaped."""
    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column].dtype):
            shown[column] = shown[column].map(lambda v: markdown_text(v) if isinstance(v, str) else v)
    shown.columns = _escaped_index(shown.columns)
    shown.index = _escaped_index(shown.index)
    return shown.to_markdown(**kwargs)


def _escaped_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index
    return pd.Index([markdown_text(v) if isinstance(v, str) else v for v in index], name=index.name)


def markdown(table: Table) -> str:
    """Title, the table (bold as ``**...**``), and its notes as a list."""
    cells = _marked(table, lambda text: f"**{markdown_text(text)}**", plain=markdown_text)
    if isinstance(cells.columns, pd.MultiIndex):
        # Markdown has one header row: keep the methods, in pair order (the title names the pairs).
        cells.columns = cells.columns.get_level_values(-1)
    cells.columns = [markdown_text(column) for column in cells.columns]
    body = cells.reset_index().to_markdown(index=False, disable_numparse=True,
                                           colalign=["left"] + ["right"] * len(cells.columns))
    notes = "".join(f"- {markdown_text(note)}\n" for note in table.notes)
    return f"{table.title}\n\n{body}\n" + (f"\n{notes}" if notes else "")


def latex(table: Table) -> str:
    """A ``table`` environment (booktabs rules) with the title as caption, notes as comments."""
    styler = table.cells.style.format(escape="latex").format_index(escape="latex", axis=0)
    styler = styler.format_index(escape="latex", axis=1)
    styler = styler.apply(lambda _: table.bold.replace({True: "textbf: --rwrap;", False: ""}), axis=None)
    text = styler.to_latex(caption=_latex_escape(table.title), hrules=True, position_float="centering",
                           multicol_align="c", environment="table")
    for symbol, command in _LATEX_SYMBOLS.items():
        text = text.replace(symbol, command)
    comments = "".join(f"% {line}\n" for note in table.notes for line in note.splitlines())
    return comments + text


def html_fragment(table: Table) -> str:
    """The table as an HTML ``<table>`` (text escaped, bold as ``<strong>``)."""
    cells = _marked(table, lambda text: f"<strong>{html.escape(text)}</strong>", plain=html.escape)
    return cells.to_html(escape=False, border=0, classes="results")


def _marked(table: Table, bold: Callable[[str], str], plain: Callable[[str], str] = str) -> pd.DataFrame:
    marked = table.cells.copy()
    for column in marked.columns:
        marked[column] = [bold(text) if strong else plain(text) for text, strong in zip(marked[column], table.bold[column])]
    marked.index = pd.Index([plain(str(label)) for label in marked.index], name=table.cells.index.name or "")
    return marked


def _latex_escape(text: str) -> str:
    for character, escaped in (("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_")):
        text = text.replace(character, escaped)
    return text
