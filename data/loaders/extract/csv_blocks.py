"""The column-block fast path of CSV files (``Table.blocks``): clean stretches cut and split with
numpy and pandas' C tokenizer instead of a Python loop per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .row import ColumnBlock, RawRow, _csv_rows

if TYPE_CHECKING:
    from .header import _DataRows
    from .table import Table

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


def _csv_blocks(
    table: Table, data: _DataRows, source: _CsvSource, max_rows: int
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
        pos = end + 2 if data[end] == 13 and data[end + 1 : end + 2] == b"\n" else end + 1
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


def _piece_items(
    piece: bytes, line: int, data: _DataRows, source: _CsvSource
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
    if step and len(found) == n * step and (found[::step] >= starts).all() and (found[step - 1 :: step] < ends).all():
        irregular = np.zeros(n, dtype=bool)  # the usual case: width - 1 delimiters on every line
    else:
        irregular = np.diff(np.searchsorted(found, ends), prepend=0) != step
    blank = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(source.blank_starts[arr[starts]]).tolist():
        blank[i] = _blank_line(piece[starts[i] : ends[i]], source)
    # left to the csv module: NUL bytes, and lines longer than the csv field limit
    odd = np.zeros(n, dtype=bool)
    if b"\x00" in piece:
        odd[np.searchsorted(ends, np.flatnonzero(arr == 0))] = True
    odd |= (ends - starts) > csv.field_size_limit()
    blank &= ~odd
    irregular = (irregular & ~blank) | odd

    def rows_of(a: int, b: int) -> Iterator[RawRow]:
        raw = io.BytesIO(piece[starts[a] : ends[b - 1] + 1])
        reader = csv.reader(
            io.TextIOWrapper(raw, encoding=source.codec, errors="surrogateescape", newline=""),
            delimiter=source.delimiter,
        )
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


def _run_columns(
    piece: bytes, starts: np.ndarray, ends: np.ndarray, clean: np.ndarray, source: _CsvSource
) -> list[np.ndarray] | None:
    """The columns of lines ``clean`` (each with width - 1 delimiters), or None if they do not decode."""
    # contiguous stretches of the clean lines (blank lines between them are left out)
    breaks = (np.flatnonzero(np.diff(clean) != 1) + 1).tolist()
    firsts = [int(clean[0]), *clean[breaks].tolist()]
    lasts = [*clean[[b - 1 for b in breaks]].tolist(), int(clean[-1])]
    raw = b"".join(piece[starts[a] : ends[b] + 1] for a, b in zip(firsts, lasts))
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
            frame = pd.read_csv(
                io.BytesIO(raw),
                header=None,
                names=list(range(width)),
                index_col=False,
                dtype=object,
                sep=delimiter,
                quoting=csv.QUOTE_NONE,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
                encoding="utf-8",
                low_memory=False,
            )
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
