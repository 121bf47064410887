"""CSV cells a spreadsheet will show as text, never run as a formula (CSV injection).

Feature and dataset names come from users' files. A cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is taken for a formula by spreadsheet programs, so, as
OWASP recommends, such a cell is written with a leading apostrophe (which spreadsheets
hide). A cell that already starts with an apostrophe gets one more, so reading back is
exact: :func:`unescape_cell` removes one leading apostrophe from any cell that has one.
"""

from __future__ import annotations

import pandas as pd

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """``value`` as written to a CSV: text that could run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, "'")):
        return "'" + value
    return value


def unescape_cell(value):
    """The value :func:`escape_cell` was given (text with its leading ``'`` removed)."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and text column name) escaped, for ``to_csv``."""
    escaped = frame.copy()
    for column in escaped.columns:
        if escaped[column].dtype == object or pd.api.types.is_string_dtype(escaped[column].dtype):
            escaped[column] = escaped[column].map(escape_cell)
    if not isinstance(escaped.columns, pd.MultiIndex):
        escaped.columns = [escape_cell(column) for column in escaped.columns]
    return escaped
