"""How big a file the loader agrees to read, checked before anything is parsed.

An XLSX file is a ZIP archive: a 2 MB file may inflate to gigabytes, and a sheet may declare a
range of millions of cells. The checks here read only the file's size, the ZIP central directory
(each member's declared sizes: ``zipfile`` never inflates a member past its declared size, so the
declared sizes bound what reading can produce) and the first few KB of a sheet's XML (its
``<dimension ref="A1:ZZ71000000"/>``). A file over a limit is refused with a file-level issue that
names the figure and the limit; nothing of it is read.

A sheet may lie about its range, or declare none: the XLSX reader counts rows and cells as it
streams them and stops at the same limits (``SheetLimitExceeded``).

The limits come from the configuration (``AOCC_LOADER_MAX_*``, see docs/data-operations.md) and
are read at every call, so every process follows the setting it was started with.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from data.import_reasons import Issue, file_issue

# Excel's own sheet size: no workbook Excel writes has a row wider than this.
EXCEL_MAX_COLUMNS = 16_384
# The compression ratio is judged only on members big enough for it to matter: a small XML part
# of repeated boilerplate compresses far better than a sheet and holds nothing dangerous.
RATIO_MIN_MEMBER_BYTES = 1 << 20
# How much of a sheet's XML is inflated to find its <dimension> (it comes before <sheetData>).
DIMENSION_PREFIX_BYTES = 64 * 1024

_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,10})$")


@dataclass(frozen=True)
class Limits:
    """What the loader reads at most (see ``config.Config.loader_max_*``)."""

    max_file_bytes: int = 1 << 30
    max_uncompressed_bytes: int = 512 << 20
    max_compression_ratio: float = 100.0
    max_zip_members: int = 2_000
    max_rows: int = 1_048_576
    max_cells: int = 20_000_000

    @classmethod
    def from_config(cls, config=None) -> Limits:
        if config is None:
            from config import load_config  # config reads the environment; data/ depends on nothing else of the app

            config = load_config()
        return cls(
            max_file_bytes=int(config.loader_max_file_bytes),
            max_uncompressed_bytes=int(config.loader_max_uncompressed_bytes),
            max_compression_ratio=float(config.loader_max_compression_ratio),
            max_zip_members=int(config.loader_max_zip_members),
            max_rows=int(config.loader_max_rows),
            max_cells=int(config.loader_max_cells),
        )


class SheetLimitExceeded(Exception):
    """Raised by the XLSX reader when a sheet turns out bigger than the limits while it is read."""

    def __init__(self, issue: Issue):
        super().__init__(f"the sheet is larger than the loader reads ({issue.code})")
        self.issue = issue


def format_bytes(n: int | float) -> str:
    """``1.0 GiB``, ``256 MiB``, ``12.5 KiB``: a size as a clerk reads it."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            if unit == "B":
                return f"{int(n)} B"
            return f"{n:.0f} {unit}" if n == int(n) else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def format_count(n: int) -> str:
    return f"{n:,}"


def check_file_size(size: int, limits: Limits) -> Issue | None:
    if size > limits.max_file_bytes:
        return file_issue(
            "file_too_large",
            size=format_bytes(size),
            limit=format_bytes(limits.max_file_bytes),
            bytes=size,
            limit_bytes=limits.max_file_bytes,
        )
    return None


def _bad_member_name(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    normal = name.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[A-Za-z]:", normal):
        return True
    return ".." in PurePosixPath(normal).parts


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> Issue | None:
    """The first reason to refuse the archive, from its central directory alone; ``None`` if none."""
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        return file_issue(
            "archive_too_many_members", count=format_count(len(members)), limit=format_count(limits.max_zip_members)
        )
    for info in members:
        if _bad_member_name(info.filename):
            return file_issue("archive_bad_member_name", member=info.filename[:200])
    total = sum(info.file_size for info in members)
    if total > limits.max_uncompressed_bytes:
        return file_issue(
            "file_too_large_uncompressed",
            size=format_bytes(total),
            limit=format_bytes(limits.max_uncompressed_bytes),
            bytes=total,
            limit_bytes=limits.max_uncompressed_bytes,
        )
    for info in members:
        if info.file_size < RATIO_MIN_MEMBER_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            return file_issue(
                "suspicious_compression",
                member=info.filename[:200],
                ratio=f"{ratio:,.0f}",
                limit=f"{limits.max_compression_ratio:,.0f}",
                size=format_bytes(info.file_size),
                compressed=format_bytes(info.compress_size),
            )
    return None


def _ref_cell(ref: str) -> tuple[int, int] | None:
    match = _REF.match(ref.strip())
    if not match:
        return None
    column = 0
    for ch in match.group(1).upper():
        column = column * 26 + (ord(ch) - 64)
    return int(match.group(2)), column


def declared_dimension(archive: zipfile.ZipFile, member: str) -> tuple[str, int, int] | None:
    """``(ref, rows, columns)`` from the sheet's ``<dimension>``, reading only its first KB; ``None``
    when the sheet declares none (or one that does not parse)."""
    with archive.open(member) as src:
        head = src.read(DIMENSION_PREFIX_BYTES)
    data_at = _SHEET_DATA.search(head)
    match = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
    if not match:
        return None
    ref = match.group(1).decode("ascii", errors="replace")
    first, _, last = ref.partition(":")
    a = _ref_cell(first)
    b = _ref_cell(last) if last else a
    if a is None or b is None:
        return None
    rows = abs(b[0] - a[0]) + 1
    columns = abs(b[1] - a[1]) + 1
    return ref, rows, columns


def check_dimension(archive: zipfile.ZipFile, member: str, sheet: str, limits: Limits) -> Issue | None:
    declared = declared_dimension(archive, member)
    if declared is None:
        return None
    ref, rows, columns = declared
    cells = rows * columns
    if rows > limits.max_rows or cells > limits.max_cells:
        return file_issue(
            "sheet_too_large",
            sheet=sheet,
            dimension=ref,
            rows=format_count(rows),
            cells=format_count(cells),
            max_rows=format_count(limits.max_rows),
            max_cells=format_count(limits.max_cells),
        )
    return None


def sheet_rows_exceeded(sheet: str, line: int, limits: Limits) -> SheetLimitExceeded:
    return SheetLimitExceeded(
        file_issue("sheet_too_many_rows", sheet=sheet, row=format_count(line), max_rows=format_count(limits.max_rows))
    )


def sheet_cells_exceeded(sheet: str, line: int, limits: Limits) -> SheetLimitExceeded:
    return SheetLimitExceeded(
        file_issue(
            "sheet_too_many_cells", sheet=sheet, row=format_count(line), max_cells=format_count(limits.max_cells)
        )
    )


def row_too_wide(sheet: str, line: int, cells: int) -> SheetLimitExceeded:
    return SheetLimitExceeded(
        file_issue(
            "row_too_wide",
            sheet=sheet,
            row=format_count(line),
            cells=format_count(cells),
            max_columns=format_count(EXCEL_MAX_COLUMNS),
        )
    )
