"""Reading files as departments export them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16)
and XLSX (openpyxl read-only, streamed), row by row with the line each row came from.

Nothing here decides whether a value is good; it finds the header, hands out rows with their
line numbers, and marks the rows that could not even be read (bytes the encoding cannot
decode, a wrong number of fields, a merged cell). Memory stays bounded: rows are streamed.

``Table.rows()`` hands rows out one by one. ``Table.blocks()`` hands out the same rows in pieces,
column by column where a stretch of a CSV file is clean (``ColumnBlock``): such stretches are cut
and split with numpy and pandas' C tokenizer instead of a Python loop per row, which is what makes
province-size files cheap to read.

The package is split along the file's way in: ``row`` (a row and where it came from), ``table``
(the opened file), ``header`` (finding the header, the data rows after it), ``csv_file`` and
``xlsx_file`` (reading each kind), ``csv_blocks`` (the column-block fast path of CSV), and
``limits`` (how big a file is read at all: hostile XLSX files are refused before parsing).
"""

from __future__ import annotations

from pathlib import Path

from data.import_formats import FORMATS
from data.import_reasons import file_issue

from .csv_file import _open_csv, detect_encoding
from .header import SAMPLE_ROWS
from .limits import Limits, SheetLimitExceeded, check_file_size, format_bytes
from .row import ColumnBlock, RawRow, column_letter, raw_text
from .table import Table, file_checksum
from .xlsx_file import ZIP_MAGIC, _open_xlsx

PREFIX_BYTES = 256 * 1024
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def open_table(
    path: Path,
    *,
    fact: str | None = None,
    candidates: tuple[str, ...] | None = None,
    name: str | None = None,
    limits: Limits | None = None,
) -> Table:
    """Open ``path`` (CSV or XLSX, decided by content, not only by name) and find its header.

    ``fact`` forces the format; otherwise it is detected among ``candidates`` (default: all).
    A file that cannot be read or whose header is not recognised comes back ``refused`` with
    its issues; it is never partially guessed. So does a file over the size ``limits`` (default:
    from the configuration), judged before it is parsed (see ``limits``).
    """
    path = Path(path)
    name = name or path.name
    candidates = (fact,) if fact else (candidates or tuple(FORMATS))
    limits = limits or Limits.from_config()
    too_large = check_file_size(path.stat().st_size, limits)
    if too_large is not None:
        return Table(name, "csv", fact, None, [too_large])
    with open(path, "rb") as fh:
        prefix = fh.read(PREFIX_BYTES)
    if not prefix:
        return Table(name, "csv", fact, None, [file_issue("file_empty")])
    suffix = path.suffix.lower()
    if prefix.startswith(ZIP_MAGIC) or suffix in XLSX_SUFFIXES:
        return _open_xlsx(path, name, candidates, prefix, limits)
    if suffix and suffix not in CSV_SUFFIXES:
        return Table(name, "csv", fact, None, [file_issue("unsupported_file_type", suffix=suffix)])
    return _open_csv(path, name, prefix, candidates)


__all__ = [
    "CSV_SUFFIXES",
    "ColumnBlock",
    "Limits",
    "PREFIX_BYTES",
    "RawRow",
    "SAMPLE_ROWS",
    "SheetLimitExceeded",
    "Table",
    "XLSX_SUFFIXES",
    "ZIP_MAGIC",
    "column_letter",
    "detect_encoding",
    "file_checksum",
    "format_bytes",
    "open_table",
    "raw_text",
]
