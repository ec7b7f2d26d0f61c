"""Header matching: which column of a file is which field of a format, and which format a file is.

Headers are matched after normalisation (full-width → half-width, case, spaces, ``*`` markers),
and a unit written in the header — ``用电量（千瓦时）`` — becomes the default unit of that column.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from data.import_formats.field import FORMATS, FactFormat, Field
from data.import_reasons import Issue, file_issue

_UNIT_IN_HEADER = re.compile(r"^(.*?)[(\[]([^()\[\]]+)[)\]]$")


def normalize_header(text) -> str:
    text = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip().lower()
    text = text.replace("*", "").replace("\ufeff", "")
    return re.sub(r"[\s_\-./:：]+", "", text)


def split_header(text) -> tuple[str, str | None]:
    """``("用电量", "千瓦时")`` for ``"用电量（千瓦时）"``; the unit is None when there is none."""
    raw = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    match = _UNIT_IN_HEADER.match(raw)
    if match and match.group(1).strip():
        return normalize_header(match.group(1)), match.group(2).strip()
    return normalize_header(raw), None


def _alias_index(fmt: FactFormat) -> dict[str, str]:
    index: dict[str, str] = {}
    for f in fmt.fields:
        for alias in (f.name, *f.aliases):
            index.setdefault(normalize_header(alias), f.name)
    return index


@functools.cache
def _aliases(fact: str) -> dict[str, str]:
    """The alias index of a registered format, built on first use (the package fills FORMATS after
    importing this module)."""
    return _alias_index(FORMATS[fact])


@dataclass(frozen=True)
class HeaderMap:
    """Where each field is in the file's rows, and what the header said."""

    fact: str
    positions: dict[str, int]  # field -> column index
    headers: tuple[str, ...]  # the header row as written
    unit_hints: dict[str, str]  # field -> unit written in its header
    ignored: tuple[str, ...]

    def header_of(self, field_name: str) -> str:
        return self.headers[self.positions[field_name]]


def match_header(fact: str, header_row) -> tuple[HeaderMap | None, list[Issue]]:
    """Map a header row onto ``fact``'s fields. Returns the map, or None with the issues."""
    fmt = FORMATS[fact]
    index = _aliases(fact)
    headers = tuple("" if h is None else str(h).strip() for h in header_row)
    positions: dict[str, int] = {}
    unit_hints: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    ignored: list[str] = []
    for pos, header in enumerate(headers):
        if not header:
            continue
        key = normalize_header(header)
        name = index.get(key)
        unit = None
        if name is None:
            base, unit = split_header(header)
            name = index.get(base)
        if name is None:
            ignored.append(header)
            continue
        seen.setdefault(name, []).append(header)
        if name in positions:
            continue
        positions[name] = pos
        if unit:
            unit_hints[name] = unit
    issues: list[Issue] = []
    for name, columns in seen.items():
        if len(columns) > 1:
            issues.append(file_issue("duplicate_column", field=name, columns=columns))
    missing = [name for name in fmt.required if name not in positions]
    if fmt.alternatives and not any(all(n in positions for n in group) for group in fmt.alternatives):
        missing.append(" / ".join("+".join(group) for group in fmt.alternatives))
    if fact == "meter_reading" and "ts" not in positions and "day" not in positions:
        missing.append("ts / day")
    if missing:
        issues.insert(0, file_issue("header_not_found", missing=missing, found=[h for h in headers if h]))
    if issues:
        return None, issues
    return HeaderMap(fact, positions, headers, unit_hints, tuple(ignored)), []


def header_score(fact: str, header_row) -> int:
    """How many of the row's cells name a field of ``fact`` (to find the header and the format)."""
    index = _aliases(fact)
    score = 0
    for cell in header_row:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if not isinstance(cell, str):
            continue
        if normalize_header(cell) in index or split_header(cell)[0] in index:
            score += 1
    return score


def detect_fact(rows_sample: list, candidates: tuple[str, ...]) -> tuple[str | None, int | None]:
    """The format and the header row index among the first rows of a file.

    Title rows above the header (``2026年11月用电量统计表``) are common in department exports, so
    the header is the first row of the sample that matches a format well.
    """
    best: tuple[int, int, int, str | None, int | None] = (0, 0, 0, None, None)
    for row_index, row in enumerate(rows_sample):
        for fact in candidates:
            score = header_score(fact, row)
            if score < 2:
                continue
            fmt = FORMATS[fact]
            required_hits = sum(1 for f in fmt.required if f in _present_fields(fact, row))
            # A format whose every required column is present beats one that only shares more
            # names (a reading file naming meter, building and energy type is not a meter list).
            complete = int(match_header(fact, row)[0] is not None)
            rank = (complete, required_hits, score)
            if rank > best[:3]:
                best = (complete, required_hits, score, fact, row_index)
        if best[3] is not None:
            # The first row that matches anything is the header; do not look further down.
            break
    return best[3], best[4]


def _present_fields(fact: str, row) -> set[str]:
    index = _aliases(fact)
    present = set()
    for cell in row:
        if isinstance(cell, str) and cell.strip():
            name = index.get(normalize_header(cell)) or index.get(split_header(cell)[0])
            if name:
                present.add(name)
    return present


def choice_index(field: Field) -> dict[str, str]:
    """Normalised word -> canonical code for an enum field."""
    out: dict[str, str] = {}
    for code, words in field.choices:
        out[normalize_header(code)] = code
        for word in words:
            out.setdefault(normalize_header(word), code)
    return out
