"""Reports: the paper's tables and figures from a study's results store.

``write_report(store, out_dir)`` writes the accuracy tables (Markdown, LaTeX, CSV), the
figures (PNG), ``summary.md`` and an ``index.html`` that shows everything on one page; with
the paper's reference tables, ``paper_comparison.md`` sets every result beside the paper's.
Needs the ``report`` extra (matplotlib, tabulate, jinja2): ``pip install 'sparsefs[report]'``.
"""

from .._optional import import_optional

for _module in ("matplotlib", "tabulate", "jinja2"):  # one clear message before any work
    import_optional(_module, "report", "sparsefs.report")

from .reference import ReportError  # noqa: E402
from .writer import ReportSummary, write_report  # noqa: E402

__all__ = ["ReportError", "ReportSummary", "write_report"]
