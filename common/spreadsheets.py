"""Spreadsheet exports: CSV (UTF-8 with a BOM) and XLSX, with one rule for what a cell may hold.

One escaping rule for every cell (``safe_cell``): a cell that starts with a formula character
(=, +, -, @, after any spaces or quotes, or a tab/CR), or that would start with one if a reader split
it on any separator (",", ";", tab, line break: Excel in Spanish or Portuguese splits on ";"), gets an
apostrophe there, which spreadsheets show as text; so a name typed as ``=HYPERLINK(...)`` or
``x;=1+2;`` stays text. The CSV quotes every cell, so a cell holding a separator is one cell whatever
separator the reader uses. Used by the registration and contribution exports and the figures' tables.
"""

import csv
import io
import re

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# Control characters XLSX cannot hold (openpyxl refuses the whole file), e.g. typed by staff or
# pasted from a word processor; vertical tabs and form feeds were line breaks there.
_BREAKS = re.compile(r"[\x0b\x0c]")
_UNWRITABLE = re.compile(r"[\x00-\x08\x0e-\x1f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A separator some spreadsheet may split on, or a line break, then what a reader might strip
# (spaces, quotes), then a formula start: the cell such a split would begin there is escaped too.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][\s\"']*)(?=[=+\-@])")


def safe_cell(value):
    """``value`` as text a spreadsheet shows and never runs, however a reader splits it."""
    text = "" if value is None else str(value)
    text = _UNWRITABLE.sub("", _BREAKS.sub("\n", text))
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    if text.lstrip(" \"'")[:1] in FORMULA_STARTS[:4] or text[:1] in FORMULA_STARTS:
        return f"'{text}"
    return text


def _xlsx_cell(value):
    # Numbers stay numbers in a workbook (a sum works); everything else is safe text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def csv_bytes(header, rows):
    """A CSV file, UTF-8 with a BOM so that Excel shows accents; every cell through ``safe_cell``."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(header, rows, *, title, freeze_header=False):
    """An .xlsx workbook with one sheet named ``title`` (cut to Excel's 31 characters)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(title)[:31]
    sheet.append([safe_cell(cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    if freeze_header:
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
