"""``index.html``: every table and figure of a report on one page.

The page is self-contained apart from its images and downloads, which it links by relative
paths inside the report folder, so it reads the same from a file browser, a web server or a
copied folder; the style sheet is inline.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .formats import html_fragment
from .tables import MISSING, Table

#: Marks a page as written by sparsefs, so that a later report may replace it.
GENERATOR = '<meta name="generator" content="sparsefs report">'

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { border-bottom: 2px solid #336; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
nav ul { columns: 2; }
table.results { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
table.results th, table.results td { border: 1px solid #ccc; padding: .25em .5em; text-align: right; }
table.results thead th { background: #eef; text-align: center; }
table.results tbody th { text-align: left; background: #f7f7f7; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption, .caption { font-size: 0.9em; color: #444; }
.notes { font-size: 0.85em; color: #555; }
.nodata { color: #a33; font-style: italic; }
.downloads { font-size: 0.85em; }
.scroll { overflow-x: auto; }
nav.site { font-size: 0.9em; padding: .4em 0; border-bottom: 1px solid #ccc; }
"""


@dataclass
class FigureEntry:
    path: Path
    caption: str


@dataclass
class Section:
    anchor: str
    title: str
    text: str = ""  # a paragraph introducing the section
    tables: list[tuple[Table, list[Path]]] = field(default_factory=list)  # each table and its files
    figures: list[FigureEntry] = field(default_factory=list)
    frames: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # plain tables, each with a heading
    downloads: list[Path] = field(default_factory=list)  # files of the section beyond its tables'
    notes: list[str] = field(default_factory=list)
    no_data: str = ""  # why the section is empty, when it is


def write_index(out_dir: Path, title: str, facts: list[str], sections: list[Section]) -> Path:
    """Write ``index.html`` under ``out_dir``: a list of facts, a table of contents, the sections."""
    body = [f"<h1>{html.escape(title)}</h1>", "<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul>"]
    body.append("<nav><h2>Contents</h2><ul>" + "".join(
        f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in sections) + "</ul></nav>")
    body += [_section(section, out_dir) for section in sections]
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n{GENERATOR}\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def add_site_links(page: Path, links: list[tuple[str, str]]) -> None:
    """Put a line of ``(href, text)`` links at the top of a written ``index.html``: the way
    back to the site that publishes the report (the documentation adds its own pages).
    Links added earlier are replaced, so a page is never given two such lines."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<nav class="site">.*?</nav>\n', "", text, flags=re.S)
    shown = " · ".join(f'<a href="{html.escape(href)}">{html.escape(label)}</a>' for href, label in links)
    page.write_text(text.replace("<body>\n", f'<body>\n<nav class="site">{shown}</nav>\n', 1), encoding="utf-8")


def is_report(folder: Path) -> bool:
    """Whether ``folder`` holds a report page written by sparsefs (pages written before the
    generator tag are known by their title)."""
    try:
        with open(folder / "index.html", encoding="utf-8", errors="replace") as page:
            head = page.read(4096)
    except OSError:
        return False
    return GENERATOR in head or "<title>sparsefs report</title>" in head


def _section(section: Section, out_dir: Path) -> str:
    parts = [f'<section id="{section.anchor}">', f"<h2>{html.escape(section.title)}</h2>"]
    if section.text:
        parts.append(f'<p class="caption">{html.escape(section.text)}</p>')
    if section.no_data:
        parts.append(f'<p class="nodata">No data: {html.escape(section.no_data)}</p>')
    for table, files in section.tables:
        parts.append(f'<h3>{html.escape(table.title)}</h3>')
        parts.append(f'<div class="scroll">{html_fragment(table)}</div>')
        parts.append(_notes(table.notes))
        parts.append(_downloads(files, out_dir))
    for heading, frame in section.frames:
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        shown = frame.to_html(index=False, border=0, classes="results", na_rep=MISSING)
        parts.append(f'<div class="scroll">{shown}</div>')
    if section.downloads:
        parts.append(_downloads(section.downloads, out_dir))
    for figure in section.figures:
        source = _link(figure.path, out_dir)
        parts.append(f'<figure><img src="{source}" alt="{html.escape(figure.caption)}">'
                     f"<figcaption>{html.escape(figure.caption)}</figcaption></figure>")
    parts.append(_notes(section.notes))
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{html.escape(note)}</li>" for note in notes) + "</ul>"


def _downloads(files: list[Path], out_dir: Path) -> str:
    links = " · ".join(f'<a href="{_link(path, out_dir)}">{html.escape(path.name)}</a>' for path in files)
    return f'<p class="downloads">Download: {links}</p>'


def _link(path: Path, out_dir: Path) -> str:
    """A relative URL from the page to a file of the report."""
    return quote(path.relative_to(out_dir).as_posix())
