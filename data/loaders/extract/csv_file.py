"""CSV files as departments export them: UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16; the
delimiter sniffed; rows streamed with their physical lines."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from data.import_reasons import Issue, file_issue

from .csv_blocks import _BYTE_SAFE_CODECS, _byte_safe_delimiter, _CsvSource
from .header import SAMPLE_ROWS, _attach_header
from .row import _SURROGATE, RawRow, _csv_rows
from .table import Table


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
        table._source = _CsvSource(
            path,
            _BYTE_SAFE_CODECS[encoding],
            delimiter,
            _encoding_label(encoding),
            remaining[0].line if remaining else lines_read + 1,
            table._data.width,
        )
    return table


def _encoding_label(codec: str) -> str:
    return {
        "utf-8-sig": "UTF-8 (BOM)",
        "utf-8": "UTF-8",
        "gb18030": "GBK/GB18030",
        "utf-16": "UTF-16",
        "utf-16-le": "UTF-16LE",
        "utf-16-be": "UTF-16BE",
    }.get(codec, codec)
