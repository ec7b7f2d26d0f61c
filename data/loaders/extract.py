"""Reading files as departments export them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16)
and XLSX (openpyxl read-only, streamed), row by row with the line each row came from.

Nothing here decides whether a value is good; it finds the header, hands out rows with their
line numbers, and marks the rows that could not even be read (bytes the encoding cannot
decode, a wrong number of fields, a merged cell). Memory stays bounded: rows are streamed.

``Table.rows()`` hands rows out one by one. ``Table.blocks()`` hands out the same rows in pieces,
column by column where a stretch of a CSV file is clean (``ColumnBlock``): such stretches are cut
and split with numpy and pandas' C tokenizer instead of a Python loop per row, which is what makes
province-size files cheap to read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import iterparse

import numpy as np
import pandas as pd

from .formats import FORMATS, HeaderMap, detect_fact, match_header
from .parsing import printable
from .reasons import Issue, file_issue, row_issue

log = logging.getLogger("aocc.loaders")

SAMPLE_ROWS = 30
PREFIX_BYTES = 256 * 1024
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
_SURROGATE = re.compile("[\ud800-\udfff]")
# A province batch can hold a long free-text column; a field larger than this is a broken file.
csv.field_size_limit(16 * 1024 * 1024)
# Table.blocks reads a CSV file in pieces of about this many bytes, each cut after a line end.
PIECE_BYTES = 2 * 1024 * 1024
# A clean stretch shorter than this is handed out as rows: a column block is not worth it.
MIN_BLOCK_ROWS = 32
# Encodings whose bytes for "\n", "\r", '"' and the usual delimiters never occur inside a character,
# so a file in them can be cut and counted byte by byte (-> the codec for the middle of the file).
_BYTE_SAFE_CODECS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030"}
# What str.strip() removes: the ASCII whitespace, and these (every c >= U+0080 with c.isspace()).
_ASCII_SPACES = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_WIDE_SPACES = "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


@dataclass
class RawRow:
    line: int
    values: list
    problem: Issue | None = None


class ColumnBlock:
    """A clean stretch of a CSV file, column by column.

    Every row has exactly the header's number of fields, read without a problem: ``lines`` holds
    each row's physical line (int64) and ``columns`` one object array of ``str`` per header column,
    the values exactly as the csv module reads them (nothing stripped).
    """

    __slots__ = ("lines", "columns")

    def __init__(self, lines: np.ndarray, columns: list[np.ndarray]):
        self.lines = lines
        self.columns = columns

    def __len__(self) -> int:
        return len(self.lines)

    def __repr__(self) -> str:
        span = f"lines {self.lines[0]}-{self.lines[-1]}" if len(self.lines) else "empty"
        return f"<ColumnBlock {len(self)} rows x {len(self.columns)} columns, {span}>"

    def raw_row(self, i: int) -> RawRow:
        """Row ``i`` as the row path would have handed it out (for the quarantine)."""
        return RawRow(int(self.lines[i]), [column[i] for column in self.columns])

    def raw_rows(self) -> list[RawRow]:
        """All the rows, for callers that only take rows."""
        columns = [column.tolist() for column in self.columns]
        return [RawRow(line, list(values)) for line, values in zip(self.lines.tolist(), zip(*columns))]

    def _slice(self, start: int, stop: int) -> "ColumnBlock":
        return ColumnBlock(self.lines[start:stop], [column[start:stop] for column in self.columns])

    @staticmethod
    def _join(parts: list["ColumnBlock"]) -> "ColumnBlock":
        if len(parts) == 1:
            return parts[0]
        return ColumnBlock(np.concatenate([p.lines for p in parts]),
                           [np.concatenate(columns) for columns in zip(*(p.columns for p in parts))])


@dataclass
class Table:
    """An opened file: its format, header and a stream of data rows."""

    name: str
    kind: str  # csv | xlsx
    fact: str | None
    header: HeaderMap | None
    issues: list[Issue] = field(default_factory=list)  # file-level: refusals and notes
    encoding: str | None = None
    sheet: str | None = None
    header_line: int | None = None
    _rows: Iterator[RawRow] | None = None
    _closer: object = None
    blank_rows: int = 0
    _data: "_DataRows | None" = None
    _source: "_CsvSource | None" = None  # set where Table.blocks may read the file byte by byte

    @property
    def refused(self) -> bool:
        return self.header is None

    def rows(self) -> Iterator[RawRow]:
        """Data rows after the header; fully blank rows are skipped and counted in ``blank_rows``.

        A table is read once, by ``rows()`` or by ``blocks()``.
        """
        self._source = None  # from here on, blocks() only regroups this stream
        if self._rows is None:
            return iter(())
        return self._rows

    def blocks(self, max_rows: int) -> Iterator[ColumnBlock | list[RawRow]]:
        """The rows of ``rows()``, in order, in pieces of at most ``max_rows`` rows.

        A piece is a ``ColumnBlock`` for a clean stretch of a UTF-8 or GBK/GB18030 CSV file (every
        row with the header's number of fields, no quote character, bytes that decode, no lone
        ``\\r``), and a list of ``RawRow`` otherwise (XLSX, UTF-16, rows with a problem, short
        stretches, and everything from the first quote character on, since a quoted field may span
        lines). Lines, values, problems, ``blank_rows`` and the file issues are those of ``rows()``;
        the file issues about the end of the file are complete once the last piece is handed out.
        """
        if max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, not {max_rows}")
        source, data = self._source, self._data
        if source is None or data is None:
            yield from _batched(self.rows(), max_rows)
            return
        self._source, self._rows = None, iter(())
        self.close()  # the header's reader; the file is read afresh from the first data line
        yield from _csv_blocks(self, data, source, max_rows)

    def close(self) -> None:
        closer, self._closer = self._closer, None
        if closer is not None:
            closer()

    def raw_dict(self, row: RawRow) -> dict:
        """The row exactly as read, header -> text, for the quarantine."""
        headers = self.header.headers if self.header else ()
        out: dict[str, str] = {}
        width = max(len(headers), len(row.values))
        for i in range(width):
            key = headers[i] if i < len(headers) and headers[i] else f"#{column_letter(i)}"
            if key in out:
                key = f"{key} ({column_letter(i)})"
            value = row.values[i] if i < len(row.values) else None
            out[key] = raw_text(value)
        return out


def raw_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return printable(str(value))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    index += 1
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def file_checksum(path: Path, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def open_table(path: Path, *, fact: str | None = None, candidates: tuple[str, ...] | None = None,
               name: str | None = None) -> Table:
    """Open ``path`` (CSV or XLSX, decided by content, not only by name) and find its header.

    ``fact`` forces the format; otherwise it is detected among ``candidates`` (default: all).
    A file that cannot be read or whose header is not recognised comes back ``refused`` with
    its issues; it is never partially guessed.
    """
    path = Path(path)
    name = name or path.name
    candidates = (fact,) if fact else (candidates or tuple(FORMATS))
    with open(path, "rb") as fh:
        prefix = fh.read(PREFIX_BYTES)
    if not prefix:
        return Table(name, "csv", fact, None, [file_issue("file_empty")])
    suffix = path.suffix.lower()
    if prefix.startswith(ZIP_MAGIC) or suffix in XLSX_SUFFIXES:
        return _open_xlsx(path, name, candidates)
    if suffix and suffix not in CSV_SUFFIXES:
        return Table(name, "csv", fact, None, [file_issue("unsupported_file_type", suffix=suffix)])
    return _open_csv(path, name, prefix, candidates)


# --- CSV --------------------------------------------------------------------------------

def detect_encoding(prefix: bytes) -> tuple[str | None, str | None]:
    """``(python codec, None)`` or ``(None, why not)`` from the first bytes of a file.

    BOMs first; then strict UTF-8; then GB18030 (the superset of GBK that Excel's "CSV" uses on
    Chinese Windows). A prefix neither decodes is refused rather than read as mojibake.
    """
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if prefix.startswith(codecs.BOM_UTF16_LE) or prefix.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", None
    if b"\x00" in prefix:
        sample = prefix[:4096]
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        if odd_nuls > len(sample) // 4 and even_nuls == 0:
            return "utf-16-le", None
        if even_nuls > len(sample) // 4 and odd_nuls == 0:
            return "utf-16-be", None
        return None, "binary content (NUL bytes) — not a text file"
    errors: dict[str, int] = {}
    first_error: dict[str, int] = {}
    for codec in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(codec)("strict")
        try:
            decoder.decode(prefix, final=False)
            return codec, None
        except UnicodeDecodeError as exc:
            first_error[codec] = exc.start
        text = prefix.decode(codec, errors="surrogateescape")
        errors[codec] = len(_SURROGATE.findall(text))
    # A few bad bytes in an otherwise clean file: read it, and quarantine the rows that hold them
    # (they come out as undecodable). Anything worse is not a text file in either encoding.
    codec = min(errors, key=errors.get)
    if errors[codec] <= max(2, len(prefix) // 1000):
        return codec, None
    return None, f"neither UTF-8 nor GBK (first undecodable byte at offset {min(first_error.values())})"


def _sniff_delimiter(text_sample: str) -> str:
    for line in text_sample.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


def _open_csv(path: Path, name: str, prefix: bytes, candidates: tuple[str, ...]) -> Table:
    encoding, why = detect_encoding(prefix)
    if encoding is None:
        return Table(name, "csv", None, None, [file_issue("encoding_unknown", detail=why)])
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(size - 2, 0))
        tail = fh.read()
    ends_with_newline = tail.endswith(b"\n") or tail.endswith(b"\r") or tail.endswith(b"\n\x00")
    delimiter = _sniff_delimiter(prefix.decode(encoding if encoding != "utf-16" else "utf-16", errors="replace"))

    binary = open(path, "rb")
    text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    stream = _csv_rows(reader, _encoding_label(encoding))
    sample: list[RawRow] = []
    try:
        for row in stream:
            sample.append(row)
            if len(sample) >= SAMPLE_ROWS:
                break
    except Exception:
        text.close()
        raise
    lines_read = reader.line_num
    issues: list[Issue] = [file_issue("encoding_detected", encoding=_encoding_label(encoding))]
    table = Table(name, "csv", None, None, issues, encoding=_encoding_label(encoding), _closer=text.close)
    _attach_header(table, sample, stream, candidates, ends_with_newline=ends_with_newline)
    if table.refused:
        table.close()
    elif encoding in _BYTE_SAFE_CODECS and _byte_safe_delimiter(delimiter, encoding):
        remaining = table._data.remaining
        table._source = _CsvSource(path, _BYTE_SAFE_CODECS[encoding], delimiter, _encoding_label(encoding),
                                   remaining[0].line if remaining else lines_read + 1, table._data.width)
    return table


def _encoding_label(codec: str) -> str:
    return {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK/GB18030",
            "utf-16": "UTF-16", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}.get(codec, codec)


def _csv_rows(reader, encoding_label: str, line_offset: int = 0) -> Iterator[RawRow]:
    """Rows of ``reader`` with their first physical line (``line_offset`` lines before the reader's first)."""
    search_surrogate = _SURROGATE.search
    last_line = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = line_offset + last_line + 1
            last_line = reader.line_num
            yield RawRow(line, [], row_issue("malformed_row", error=str(exc)))
            continue
        line = line_offset + last_line + 1
        last_line = reader.line_num
        # One search over the whole row: undecodable bytes are rare, the check is per row.
        if search_surrogate("".join(values)):
            yield RawRow(line, values, row_issue("bad_encoding", encoding=encoding_label))
        else:
            yield RawRow(line, values)


# --- XLSX -------------------------------------------------------------------------------

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _merged_ranges(archive: zipfile.ZipFile, member: str) -> list[tuple[str, int, int, int, int]]:
    """``(ref, min_row, min_col, max_row, max_col)`` of the sheet's merged cells (0-based cols).

    openpyxl's read-only mode does not report merged cells, so the sheet XML is scanned for
    ``<mergeCell>``; elements are cleared as they go to keep memory flat on big sheets.
    """
    ranges = []
    with archive.open(member) as src:
        for _event, elem in iterparse(src, events=("end",)):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ref = elem.get("ref", "")
                if ":" in ref:
                    a, b = ref.split(":", 1)
                    ma, mb = _CELL_REF.match(a), _CELL_REF.match(b)
                    if ma and mb:
                        ranges.append((ref, int(ma.group(2)), _column_index(ma.group(1)),
                                       int(mb.group(2)), _column_index(mb.group(1))))
            if tag in ("row", "c", "v", "f", "is", "t"):
                elem.clear()
    return ranges


def _open_xlsx(path: Path, name: str, candidates: tuple[str, ...]) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    handle = open(path, "rb")  # a file object: openpyxl would refuse a workbook named *.csv
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        handle.close()
        return Table(name, "xlsx", None, None, [file_issue("file_unreadable", error=f"{exc.__class__.__name__}: {exc}")])

    def close_all() -> None:
        workbook.close()
        handle.close()

    try:
        sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        first_issues: list[Issue] | None = None
        for ws in sheets:
            ws.reset_dimensions()
            stream = _xlsx_rows(ws)
            sample = []
            for row in stream:
                sample.append(row)
                if len(sample) >= SAMPLE_ROWS:
                    break
            table = Table(name, "xlsx", None, None, [], sheet=ws.title, _closer=close_all)
            if len(workbook.worksheets) > 1:
                table.issues.append(file_issue("sheet_used", sheet=ws.title))
            _attach_header(table, sample, stream, candidates, ends_with_newline=True)
            if not table.refused:
                _add_merged_cells(table, workbook, ws)
                return table
            if first_issues is None:
                first_issues = table.issues
        close_all()
        return Table(name, "xlsx", None, None, first_issues or [file_issue("file_empty")])
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        close_all()
        return Table(name, "xlsx", None, None, [file_issue("file_unreadable", error=f"{exc.__class__.__name__}: {exc}")])


def _xlsx_rows(ws) -> Iterator[RawRow]:
    for index, values in enumerate(ws.iter_rows(values_only=True), start=1):
        yield RawRow(index, list(values))


def _add_merged_cells(table: Table, workbook, ws) -> None:
    member = getattr(ws, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if not member or archive is None:
        return
    ranges = [r for r in _merged_ranges(archive, member) if r[3] > (table.header_line or 0)]
    if not ranges:
        return
    wanted = set(table.header.positions.values())
    rows = table._rows

    def with_merges() -> Iterator[RawRow]:
        for row in rows:
            if row.problem is None:
                for ref, r0, c0, r1, c1 in ranges:
                    if r0 <= row.line <= r1:
                        # Only the top-left cell of a merged range holds the value.
                        hit = sorted(c for c in wanted if c0 <= c <= c1 and not (row.line == r0 and c == c0))
                        if hit:
                            cell = f"{column_letter(hit[0])}{row.line}"
                            row.problem = row_issue("merged_cell", column=table.header.headers[hit[0]],
                                                    cell=cell, range=ref)
                            break
            yield row

    table._rows = with_merges()


# --- header and data rows ---------------------------------------------------------------

def _is_blank_row(values) -> bool:
    for value in values:
        if value is None:
            continue
        if isinstance(value, str):
            if value.strip().strip("\u3000"):
                return False
            continue
        return False
    return True


def _attach_header(table: Table, sample: list[RawRow], stream: Iterator[RawRow], candidates,
                   *, ends_with_newline: bool) -> None:
    readable = [r.values for r in sample if r.problem is None or r.problem.code != "malformed_row"]
    if not any(not _is_blank_row(v) for v in readable):
        table.issues.append(file_issue("file_empty"))
        return
    fact, header_index = detect_fact(readable, candidates)
    if fact is None:
        if len(candidates) == 1:
            # A known format whose header is wrong: say which columns are missing.
            first = next(v for v in readable if not _is_blank_row(v))
            _header, issues = match_header(candidates[0], first)
            table.issues.extend(issues or [file_issue("unknown_fact", found=[str(c) for c in first if c])])
        else:
            first = next(v for v in readable if not _is_blank_row(v))
            table.issues.append(file_issue("unknown_fact", found=[str(c) for c in first if c not in (None, "")]))
        return
    header_values = readable[header_index]
    header_row = next(r for r in sample if r.values is header_values)
    header, issues = match_header(fact, header_values)
    table.fact = fact
    if header is None:
        table.issues.extend(issues)
        return
    table.header = header
    table.header_line = header_row.line
    if header.ignored:
        table.issues.append(file_issue("ignored_columns", columns=list(header.ignored)))
    remaining = [r for r in sample if r.line > header_row.line]
    needed = max(header.positions.values()) + 1
    width = len(header.headers)
    while width and not header.headers[width - 1]:
        width -= 1
    table._data = _DataRows(table, remaining, stream, width=width, needed=needed,
                            ends_with_newline=ends_with_newline)
    table._rows = table._data.rows()


class _DataRows:
    """What every data row goes through, for ``Table.rows`` and ``Table.blocks`` alike: fully blank
    rows are skipped and counted, CSV rows with a wrong number of fields are marked, and the end
    of the file is noted in the file issues."""

    def __init__(self, table: Table, remaining: list[RawRow], stream: Iterator[RawRow], *, width: int,
                 needed: int, ends_with_newline: bool):
        self.table = table
        self.remaining = remaining
        self.stream = stream
        self.width = width
        self.needed = needed
        self.ends_with_newline = ends_with_newline
        self.is_csv = table.kind == "csv"

    def keep(self, row: RawRow) -> bool:
        """False for a blank row (counted); marks a CSV row with a wrong number of fields."""
        if row.problem is None:
            values = row.values
            if self.is_csv:
                if not "".join(values).strip():
                    self.table.blank_rows += 1
                    return False
                width = self.width
                if len(values) != width and (len(values) < self.needed or any(v.strip() for v in values[width:])):
                    row.problem = row_issue("field_count", expected=width, found=len(values))
            elif _is_blank_row(values):
                self.table.blank_rows += 1
                return False
        return True

    def note_last(self, row: RawRow) -> None:
        """The last data row of a CSV file without a final newline: cut short, or just unterminated."""
        if self.is_csv and not self.ends_with_newline:
            if row.problem is not None and row.problem.code == "field_count":
                self.table.issues.append(file_issue("truncated_file", line=row.line))
            else:
                self.table.issues.append(file_issue("no_final_newline", line=row.line))

    def note_blank_rows(self) -> None:
        if self.table.blank_rows:
            self.table.issues.append(file_issue("blank_rows_skipped", count=self.table.blank_rows))

    def rows(self) -> Iterator[RawRow]:
        keep = self.keep
        previous: RawRow | None = None
        for row in _chain(self.remaining, self.stream):
            if not keep(row):
                continue
            if previous is not None:
                yield previous
            previous = row
        if previous is not None:
            self.note_last(previous)
            yield previous
        self.note_blank_rows()


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


# --- CSV in column blocks ---------------------------------------------------------------
#
# Table.blocks reads the file again from the first data line, in pieces of PIECE_BYTES cut after
# the last "\n" (in UTF-8 and GB18030 the bytes of "\n", "\r", '"' and the delimiter never occur
# inside a character). In each piece numpy finds the lines and counts their delimiters; a run of
# lines that all have the header's number of fields (blank lines skipped and counted), decode
# strictly and hold no NUL goes to pandas' C tokenizer as one column block; any other line is read
# by the csv module exactly as Table.rows reads it. From the first quote character or lone "\r" on
# (a quoted field may span lines; "\r" alone ends a line), the rest of the file is read by csv.


@dataclass
class _CsvSource:
    path: Path
    codec: str  # for the middle of the file (no BOM there)
    delimiter: str
    label: str
    first_line: int  # the physical line the data rows start on
    width: int

    def __post_init__(self) -> None:
        self.delimiter_byte = ord(self.delimiter)
        self.blank_bytes = _ASCII_SPACES + self.delimiter.encode("ascii")
        # the bytes a blank line can start with: a space, the delimiter or the lead byte of a wide space
        starts = np.zeros(256, dtype=bool)
        starts[list(self.blank_bytes)] = True
        starts[[c.encode(self.codec)[0] for c in _WIDE_SPACES]] = True
        self.blank_starts = starts


def _byte_safe_delimiter(delimiter: str, codec: str) -> bool:
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        return False
    # GB18030 trail bytes cover 0x30-0x39 and 0x40-0x7E ("|" is one of them)
    return codec != "gb18030" or not (0x30 <= ord(delimiter) <= 0x39 or 0x40 <= ord(delimiter) <= 0x7E)


def _batched(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    batch: list[RawRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_blocks(table: Table, data: _DataRows, source: _CsvSource, max_rows: int
                ) -> Iterator[ColumnBlock | list[RawRow]]:
    """Pieces of at most ``max_rows``, the last one held back until the end of the file is noted."""
    pending = None
    for piece in _regroup(_csv_pieces(table, data, source), max_rows):
        if pending is not None:
            yield pending
        pending = piece
    if pending is not None:
        data.note_last(pending.raw_row(len(pending) - 1) if isinstance(pending, ColumnBlock) else pending[-1])
        yield pending
    data.note_blank_rows()


def _regroup(items: Iterator[ColumnBlock | Iterator[RawRow]], max_rows: int) -> Iterator[ColumnBlock | list[RawRow]]:
    """Pieces of at most ``max_rows``: consecutive column blocks are joined (a clean file comes out in
    blocks of ``max_rows`` whatever the size of the pieces it was read in), rows are batched."""
    rows: list[RawRow] = []
    parts: list[ColumnBlock] = []  # column blocks waiting to fill a block of max_rows
    waiting = 0
    for item in items:
        if isinstance(item, ColumnBlock):
            if rows:
                yield rows
                rows = []
            start = 0
            while start < len(item):
                take = min(max_rows - waiting, len(item) - start)
                parts.append(item if take == len(item) else item._slice(start, start + take))
                waiting += take
                start += take
                if waiting == max_rows:
                    yield ColumnBlock._join(parts)
                    parts, waiting = [], 0
            continue
        for row in item:
            if parts:
                yield ColumnBlock._join(parts)
                parts, waiting = [], 0
            rows.append(row)
            if len(rows) >= max_rows:
                yield rows
                rows = []
    if parts:
        yield ColumnBlock._join(parts)
    if rows:
        yield rows


def _csv_pieces(table: Table, data: _DataRows, source: _CsvSource) -> Iterator[ColumnBlock | Iterator[RawRow]]:
    """Column blocks and streams of kept rows, in file order; each stream is consumed before the next item."""
    fh = open(source.path, "rb")
    table._closer = fh.close
    try:
        offset = _line_offset(fh, source.first_line - 1)
        line = source.first_line
        while True:
            fh.seek(offset)
            piece = fh.read(PIECE_BYTES)
            if not piece:
                return
            at_end = len(piece) < PIECE_BYTES
            if not at_end:
                cut = piece.rfind(b"\n") + 1
                if not cut:
                    break  # a line longer than a piece
                piece = piece[:cut]
            stop = _unsafe_line_start(piece)
            if stop is not None:
                piece = piece[:stop]
            items, newlines = _piece_items(piece, line, data, source)
            yield from items
            offset += len(piece)
            line += newlines
            if stop is not None:
                break
            if at_end:
                return
        # the rest of the file, row by row, as Table.rows reads it
        fh.seek(offset)
        text = io.TextIOWrapper(fh, encoding=source.codec, errors="surrogateescape", newline="")
        table._closer = text.close
        reader = csv.reader(text, delimiter=source.delimiter)
        yield _kept(_csv_rows(reader, source.label, line - 1), data.keep)
    finally:
        fh.close()


def _kept(rows: Iterator[RawRow], keep) -> Iterator[RawRow]:
    for row in rows:
        if keep(row):
            yield row


def _line_offset(fh, lines: int) -> int:
    """The byte offset after ``lines`` physical lines ("\\n", "\\r\\n" or a lone "\\r" ends one, as
    for ``open(newline="")``), or the size of the file if it has fewer."""
    fh.seek(0)
    data, base, pos, eof = b"", 0, 0, False
    while lines:
        hits = [i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i >= 0]
        end = min(hits) if hits else -1
        if not eof and (end < 0 or (data[end] == 13 and end + 1 == len(data))):
            more = fh.read(1 << 16)
            if more:
                base += pos
                data, pos = data[pos:] + more, 0
            else:
                eof = True
            continue
        if end < 0:
            return base + len(data)
        pos = end + 2 if data[end] == 13 and data[end + 1:end + 2] == b"\n" else end + 1
        lines -= 1
    return base + pos


def _unsafe_line_start(piece: bytes) -> int | None:
    """Where the first line holding a quote character or a lone "\\r" starts, if any."""
    first = piece.find(b'"')
    if first < 0:
        first = len(piece)
    cr = piece.find(b"\r", 0, first)
    if cr >= 0:
        arr = np.frombuffer(piece, dtype=np.uint8)
        crs = np.flatnonzero(arr[cr:first] == 13) + cr
        after = crs + 1
        lone = crs[(after >= len(piece)) | (arr[np.minimum(after, len(piece) - 1)] != 10)]
        if len(lone):
            first = int(lone[0])
    if first == len(piece):
        return None
    return piece.rfind(b"\n", 0, first) + 1


def _piece_items(piece: bytes, line: int, data: _DataRows, source: _CsvSource
                 ) -> tuple[list[ColumnBlock | Iterator[RawRow]], int]:
    """A piece of whole lines (no quote, no lone "\\r"), its first on physical line ``line``: its
    column blocks and streams of rows, in order, and the number of "\\n" in it."""
    if not piece:
        return [], 0
    width = source.width
    arr = np.frombuffer(piece, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)  # each line's "\n", or the end of an unterminated last line
    newlines = len(ends)
    if piece[-1] != 10:
        ends = np.append(ends, len(piece))
    n = len(ends)
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    found = np.flatnonzero(arr == source.delimiter_byte)
    step = width - 1
    if step and len(found) == n * step and (found[::step] >= starts).all() and (found[step - 1::step] < ends).all():
        irregular = np.zeros(n, dtype=bool)  # the usual case: width - 1 delimiters on every line
    else:
        irregular = np.diff(np.searchsorted(found, ends), prepend=0) != step
    blank = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(source.blank_starts[arr[starts]]).tolist():
        blank[i] = _blank_line(piece[starts[i]:ends[i]], source)
    # left to the csv module: NUL bytes, and lines longer than the csv field limit
    odd = np.zeros(n, dtype=bool)
    if b"\x00" in piece:
        odd[np.searchsorted(ends, np.flatnonzero(arr == 0))] = True
    odd |= (ends - starts) > csv.field_size_limit()
    blank &= ~odd
    irregular = (irregular & ~blank) | odd

    def rows_of(a: int, b: int) -> Iterator[RawRow]:
        raw = io.BytesIO(piece[starts[a]:ends[b - 1] + 1])
        reader = csv.reader(io.TextIOWrapper(raw, encoding=source.codec, errors="surrogateescape", newline=""),
                            delimiter=source.delimiter)
        return _kept(_csv_rows(reader, source.label, line + a - 1), data.keep)

    items: list[ColumnBlock | Iterator[RawRow]] = []
    bounds = [0, *(np.flatnonzero(np.diff(irregular.view(np.int8))) + 1).tolist(), n]
    rows_from = None  # the first line of the lines waiting for the csv module
    for a, b in zip(bounds[:-1], bounds[1:]):
        if not irregular[a]:
            clean = np.flatnonzero(~blank[a:b]) + a
            if len(clean) >= MIN_BLOCK_ROWS:
                columns = _run_columns(piece, starts, ends, clean, source)
                if columns is not None:
                    if rows_from is not None:
                        items.append(rows_of(rows_from, a))
                        rows_from = None
                    data.table.blank_rows += (b - a) - len(clean)
                    items.append(ColumnBlock(clean + line, columns))
                    continue
        if rows_from is None:
            rows_from = a
    if rows_from is not None:
        items.append(rows_of(rows_from, n))
    return items, newlines


def _blank_line(raw: bytes, source: _CsvSource) -> bool:
    """Whether the csv row of this line would be blank (only whitespace between its delimiters)."""
    rest = raw.translate(None, source.blank_bytes)
    if not rest:
        return True
    if rest.isascii():
        return False
    return not raw.decode(source.codec, errors="surrogateescape").replace(source.delimiter, "").strip()


def _run_columns(piece: bytes, starts: np.ndarray, ends: np.ndarray, clean: np.ndarray, source: _CsvSource
                 ) -> list[np.ndarray] | None:
    """The columns of lines ``clean`` (each with width - 1 delimiters), or None if they do not decode."""
    # contiguous stretches of the clean lines (blank lines between them are left out)
    breaks = (np.flatnonzero(np.diff(clean) != 1) + 1).tolist()
    firsts = [int(clean[0]), *clean[breaks].tolist()]
    lasts = [*clean[[b - 1 for b in breaks]].tolist(), int(clean[-1])]
    raw = b"".join(piece[starts[a]:ends[b] + 1] for a, b in zip(firsts, lasts))
    text = None
    if not raw.isascii():
        try:
            text = raw.decode(source.codec)
        except UnicodeDecodeError:
            return None
        if source.codec != "utf-8":
            raw = text.encode("utf-8")
    rows, width, delimiter = len(clean), source.width, source.delimiter
    if text is None or not text.startswith("\ufeff"):  # pandas would drop a BOM at the start
        try:
            frame = pd.read_csv(io.BytesIO(raw), header=None, names=list(range(width)), index_col=False,
                                dtype=object, sep=delimiter, quoting=csv.QUOTE_NONE, na_filter=False,
                                skip_blank_lines=False, engine="c", encoding="utf-8", low_memory=False)
        except (ValueError, pd.errors.ParserError):
            frame = None
        if frame is not None and len(frame) == rows:
            return [frame[j].to_numpy(dtype=object) for j in range(width)]
    # the same split in Python: every line has exactly width - 1 delimiters
    text = raw.decode("utf-8") if text is None else text
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    cells = text.replace("\n", delimiter).split(delimiter)
    if text.endswith("\n"):
        cells.pop()
    table = np.empty(len(cells), dtype=object)
    table[:] = cells
    table = table.reshape(rows, width)
    return [table[:, j].copy() for j in range(width)]
