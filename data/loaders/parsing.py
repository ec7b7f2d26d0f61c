"""Turning what departments type into typed values: numbers with units, dates, codes, text.

Every parser returns the value or raises ``ValueProblem`` with a reason code from
``reasons.ROW_REASONS``; the caller adds the column and line. The hot paths (a plain float,
an ISO timestamp seen before) are cheap, because a province batch has ~50 k rows.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from data.calendar import Calendar, calendar_for, configured_calendar
from data.text_safety import PLAIN_NUMBER as _NUMBER
from data.text_safety import is_invisible

UTC = dt.UTC


class ValueProblem(ValueError):
    """A cell that cannot be read; ``code`` is a quarantine reason, ``params`` its parameters."""

    def __init__(self, reason: str, /, **params):
        super().__init__(reason)
        self.code = reason
        self.params = params


# --- text -------------------------------------------------------------------------------

_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(value) -> str:
    """Cell text as stored: surrounding white space (incl. full-width spaces) removed, nothing else.

    A formula-looking text (``=HYPERLINK(...)``) or markup (``<script>``) is kept verbatim:
    it is data. Exports neutralize formulas (``neutralize_formula``) and pages render text,
    never HTML.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().strip("\u3000").strip()


def normalize_code(value) -> str:
    """A code as matched and stored: full-width forms made half-width (NFKC: ＳＢ０２５００１ →
    SB025001), invisible format characters (U+200B, U+200D, a stray BOM …) removed and white space
    around it stripped. Plain ASCII codes, nearly all of them, take the fast path."""
    text = clean_text(value)
    if text.isascii() and text.isprintable():
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not is_invisible(ch)).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip().strip("\u3000"))


def has_undecodable(text: str) -> bool:
    """True if the text holds bytes that the file's encoding could not decode."""
    return bool(_SURROGATES.search(text))


def printable(text: str) -> str:
    """Text safe to store and show: undecodable bytes become U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


# --- units ------------------------------------------------------------------------------

# alias (normalised: NFKC, lower case, no spaces) -> (canonical unit, factor to canonical)
UNIT_ALIASES: dict[str, tuple[str, float]] = {}


def _units(canonical: str, factor: float, *aliases: str) -> None:
    for alias in aliases:
        UNIT_ALIASES[normalize_unit(alias)] = (canonical, factor)


def normalize_unit(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s·•.\-_]", "", text)


_units("kWh", 1.0, "kWh", "kW·h", "kW.h", "千瓦时", "千瓦小时", "度", "度电")
_units("kWh", 1000.0, "MWh", "兆瓦时", "千度")
_units("kWh", 10000.0, "万千瓦时", "万度")
_units("m3", 1.0, "m3", "m³", "立方米", "立方", "方", "cbm")
_units("m3", 10000.0, "万立方米", "万方", "万m3", "万m³")
_units("GJ", 1.0, "GJ", "吉焦", "千兆焦")
_units("GJ", 0.001, "MJ", "兆焦")
_units("L", 1.0, "L", "l", "升", "公升", "litre", "liter", "litres", "liters")
_units("km", 1.0, "km", "公里", "千米")
_units("yuan", 1.0, "元", "yuan", "rmb", "cny", "¥", "￥", "人民币")
_units("yuan", 10000.0, "万元")
_units("m2", 1.0, "m2", "m²", "平方米", "平米", "㎡")
# Water is often billed in tonnes; one tonne of water is one cubic metre.
WATER_TONNE_ALIASES = {normalize_unit(a) for a in ("吨", "t", "tonne", "ton")}


def parse_unit(text: str, *, water: bool = False) -> tuple[str, float]:
    """``("kWh", 1000.0)`` for ``"兆瓦时"``; raises ``ValueProblem("unit_not_recognized")``."""
    key = normalize_unit(text)
    if water and key in WATER_TONNE_ALIASES:
        return ("m3", 1.0)
    try:
        return UNIT_ALIASES[key]
    except KeyError:
        raise ValueProblem("unit_not_recognized", unit=text) from None


# --- numbers ----------------------------------------------------------------------------

_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_NUMBER_WITH_UNIT = re.compile(r"^([+-]?[\d,]*\.?\d+(?:[eE][+-]?\d+)?)\s*([^\d.,+\-\s].*)?$")


def parse_number(value, *, allow_unit: bool = True) -> tuple[float, str | None]:
    """A number, and the unit written after it if any: ``"1,234.5 千瓦时"`` → ``(1234.5, "千瓦时")``.

    Accepts thousands separators (only in groups of three), full-width digits, ``¥``/``￥``
    in front. Raises ``ValueProblem("not_a_number")`` for anything else, ``excel_error`` for
    ``#N/A``, ``#DIV/0!`` and friends.
    """
    if isinstance(value, bool):
        raise ValueProblem("not_a_number", value=str(value))
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem("not_a_number", value=str(value))
        return float(value), None
    text = str(value)
    try:
        number = float(text)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueProblem("not_a_number", value=text)
        return number, None
    except ValueError:
        pass
    original = text
    text = unicodedata.normalize("NFKC", text).strip().replace("\u3000", "")
    if text.startswith("#"):
        raise ValueProblem("excel_error", value=original)
    for symbol in ("¥", "￥"):
        if text.startswith(symbol):
            text = text[1:].lstrip()
    match = _NUMBER_WITH_UNIT.match(text)
    if not match:
        raise ValueProblem("not_a_number", value=original)
    digits, unit = match.group(1), match.group(2)
    if "," in digits:
        if not _GROUPED.match(digits):
            raise ValueProblem("not_a_number", value=original)
        digits = digits.replace(",", "")
    if not _NUMBER.match(digits):
        raise ValueProblem("not_a_number", value=original)
    if unit is not None:
        unit = unit.strip()
        if not allow_unit:
            raise ValueProblem("not_a_number", value=original)
    return float(digits), (unit or None)


# --- dates and times --------------------------------------------------------------------

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Serial numbers that are plausibly dates (1954 … 2119); anything else in a date column is an error.
_EXCEL_SERIAL_RANGE = (20000.0, 80000.0)

_DATE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T]+(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?(?:\.(\d{1,6}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$")
_CN_REPLACEMENTS = (
    ("年", "-"),
    ("月", "-"),
    ("日", " "),
    ("号", " "),
    ("时", ":"),
    ("点", ":"),
    ("分", ":"),
    ("秒", ""),
)


class LocalTime:
    """Converts local wall-clock readings to aware UTC, with a cache.

    Local means the zone of ``calendar`` (a ``data.calendar.Calendar`` or a zone name; the
    configured zone when not given). Files carry local time unless a value says otherwise (``Z``
    or an offset such as ``+05:30``). A province batch repeats the same 24 timestamps for
    thousands of meters, hence the cache.
    """

    def __init__(self, calendar: Calendar | str | None = None, *, cache_size: int = 200_000):
        if not isinstance(calendar, Calendar):
            calendar = calendar_for(calendar) if calendar else configured_calendar()
        self.calendar = calendar
        self.zone = calendar.zone
        self._cache: dict = {}
        self._cache_size = cache_size

    def to_utc(self, naive: dt.datetime) -> dt.datetime:
        return self.calendar.to_utc(naive)

    def parse(self, value) -> tuple[dt.datetime, bool]:
        """``(aware UTC datetime, date_only)``; raises ``ValueProblem("bad_date")``."""
        key = value if isinstance(value, (str, int, float, dt.datetime, dt.date)) else repr(value)
        try:
            return self._cache[key]
        except (KeyError, TypeError):
            pass
        result = self._parse(value)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _parse(self, value) -> tuple[dt.datetime, bool]:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                return value.astimezone(UTC), False
            # A date-time cell is a timestamp even at midnight; a date without time comes as text,
            # as an integer serial or in a "day" column.
            return self.to_utc(value), False
        if isinstance(value, dt.date):
            return self.to_utc(dt.datetime(value.year, value.month, value.day)), True
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._from_serial(float(value), str(value))
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            raise ValueProblem("bad_date", value=str(value))
        naive, date_only, offset = self._parse_text(text, str(value))
        if offset is not None:
            return naive.replace(tzinfo=offset).astimezone(UTC), date_only
        return self.to_utc(naive), date_only

    def _from_serial(self, serial: float, original: str) -> tuple[dt.datetime, bool]:
        low, high = _EXCEL_SERIAL_RANGE
        if not low <= serial <= high:
            raise ValueProblem("bad_date", value=original)
        naive = EXCEL_EPOCH + dt.timedelta(days=serial)
        # Excel stores times as fractions of a day: round away the floating-point dust.
        naive = (naive + dt.timedelta(milliseconds=500)).replace(microsecond=0)
        return self.to_utc(naive), serial.is_integer()

    def _parse_text(self, text: str, original: str):
        if any(ch in text for ch in "年月日号时点分秒"):
            for old, new in _CN_REPLACEMENTS:
                text = text.replace(old, new)
            text = re.sub(r":\s*$", "", text.strip())
            text = re.sub(r"-\s+", "-", text)
        text = text.replace("/", "-").replace(".", "-", 2) if re.match(r"^\d{4}[/.]", text) else text
        match = _DATE_RE.match(text)
        if match:
            y, mo, d, h, mi, s, frac, zone = match.groups()
            try:
                base = dt.datetime(int(y), int(mo), int(d))
                hour = int(h) if h is not None else 0
                if hour == 24 and not (mi and int(mi)) and not (s and int(s)):
                    # "24:00" ends the day: an hourly export labels the last interval so.
                    naive = base + dt.timedelta(days=1)
                else:
                    naive = base.replace(
                        hour=hour, minute=int(mi or 0), second=int(s or 0), microsecond=int((frac or "0").ljust(6, "0"))
                    )
            except ValueError:
                raise ValueProblem("bad_date", value=original) from None
            offset = None
            if zone:
                if zone == "Z":
                    offset = UTC
                else:
                    sign = 1 if zone[0] == "+" else -1
                    digits = zone[1:].replace(":", "")
                    offset = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
            return naive, h is None, offset
        match = _COMPACT_RE.match(text)
        if match:
            y, mo, d, h, mi, s = match.groups()
            try:
                naive = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
            except ValueError:
                raise ValueProblem("bad_date", value=original) from None
            return naive, h is None, None
        try:
            serial = float(text)
        except ValueError:
            raise ValueProblem("bad_date", value=original) from None
        naive_utc, date_only = self._from_serial(serial, original)
        return self.calendar.local(naive_utc).replace(tzinfo=None), date_only, None

    def parse_date(self, value) -> dt.date:
        """A calendar date (no time zone conversion: a date in a file is a local date)."""
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = _EXCEL_SERIAL_RANGE
            if not low <= float(value) <= high:
                raise ValueProblem("bad_date", value=str(value))
            return (EXCEL_EPOCH + dt.timedelta(days=float(value))).date()
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            raise ValueProblem("bad_date", value=str(value))
        naive, _date_only, _offset = self._parse_text(text, str(value))
        return naive.date()
