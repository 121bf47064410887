"""Reports: the paper's tables and figures from a study's results store.

``write_report(store, out_dir)`` writes the accuracy tables (Markdown, LaTeX, CSV), the
figures (PNG), ``summary.md`` and an ``index.html`` that shows everything on one page; with
the paper's reference tables, ``paper_comparison.md`` sets every result beside the paper's.
Needs the ``report`` extra (matplotlib, tabulate, jinja2): ``pip install 'sparsefs[report]'``
(the terminal's text tables, :mod:`sparsefs.report.text`, and the reader of the paper's tables,
:mod:`sparsefs.report.reference`, need none of it).
"""

from .reference import ReportError

__all__ = ["ReportError", "ReportSummary", "write_report"]


def __getattr__(name: str):
    # The writer needs the report extra: checked (one clear message) when it is first asked for.
    if name in ("ReportSummary", "write_report"):
        from .._optional import import_optional

        for module in ("matplotlib", "tabulate", "jinja2"):
            import_optional(module, "report", "sparsefs.report")
        from . import writer

        return getattr(writer, name)
    raise AttributeError(f"module 'sparsefs.report' has no attribute {name!r}")
