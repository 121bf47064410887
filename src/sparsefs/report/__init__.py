"""Reports: the paper's tables and figures from a study's results store.

``write_report(store, out_dir)`` writes the accuracy tables (Markdown, LaTeX, CSV), the
figures (PNG), ``summary.md`` and an ``index.html`` that shows everything on one page; with
the paper's reference tables, ``paper_comparison.md`` sets every result beside the paper's.
"""

from .reference import ReportError
from .writer import ReportSummary, write_report

__all__ = ["ReportError", "ReportSummary", "write_report"]
