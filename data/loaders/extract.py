"""Reading files as departments export them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16)
and XLSX (openpyxl read-only, streamed), row by row with the line each row came from.

Nothing here decides whether a value is good; it finds the header, hands out rows with their
line numbers, and marks the rows that could not even be read (bytes the encoding cannot
decode, a wrong number of fields, a merged cell). Memory stays bounded: rows are streamed.
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


@dataclass
class RawRow:
    line: int
    values: list
    problem: Issue | None = None


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

    @property
    def refused(self) -> bool:
        return self.header is None

    def rows(self) -> Iterator[RawRow]:
        """Data rows after the header; fully blank rows are skipped and counted in ``blank_rows``."""
        if self._rows is None:
            return iter(())
        return self._rows

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
    issues: list[Issue] = [file_issue("encoding_detected", encoding=_encoding_label(encoding))]
    table = Table(name, "csv", None, None, issues, encoding=_encoding_label(encoding), _closer=text.close)
    _attach_header(table, sample, stream, candidates, ends_with_newline=ends_with_newline)
    if table.refused:
        table.close()
    return table


def _encoding_label(codec: str) -> str:
    return {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK/GB18030",
            "utf-16": "UTF-16", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}.get(codec, codec)


def _csv_rows(reader, encoding_label: str) -> Iterator[RawRow]:
    search_surrogate = _SURROGATE.search
    last_line = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = last_line + 1
            last_line = reader.line_num
            yield RawRow(line, [], row_issue("malformed_row", error=str(exc)))
            continue
        line = last_line + 1
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

    is_csv = table.kind == "csv"

    def data_rows() -> Iterator[RawRow]:
        previous: RawRow | None = None
        for row in _chain(remaining, stream):
            values = row.values
            if row.problem is None:
                if is_csv:
                    if not "".join(values).strip():
                        table.blank_rows += 1
                        continue
                    if len(values) != width and (len(values) < needed or any(v.strip() for v in values[width:])):
                        row.problem = row_issue("field_count", expected=width, found=len(values))
                elif _is_blank_row(values):
                    table.blank_rows += 1
                    continue
            if previous is not None:
                yield previous
            previous = row
        if previous is not None:
            if table.kind == "csv" and not ends_with_newline:
                if previous.problem is not None and previous.problem.code == "field_count":
                    table.issues.append(file_issue("truncated_file", line=previous.line))
                else:
                    table.issues.append(file_issue("no_final_newline", line=previous.line))
            yield previous
        if table.blank_rows:
            table.issues.append(file_issue("blank_rows_skipped", count=table.blank_rows))

    table._rows = data_rows()


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest
