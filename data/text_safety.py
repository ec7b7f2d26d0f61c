"""Text that leaves the application in a spreadsheet: cells made inert for spreadsheet programs;
and text shown to a person with its invisible characters made visible.

Shared by the loaders (which keep what departments typed verbatim) and the data page's exports
(which neutralize it); imports nothing of the database.
"""

from __future__ import annotations

import re
import unicodedata

# A plain decimal number as text ("-12.5", "1e3"): what parsing.parse_number reads without a unit.
PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    """Make a text cell inert for spreadsheet programs (OWASP CSV injection): prefix ``'``.

    Numbers pass unchanged; only text that a spreadsheet would evaluate is touched.
    """
    if isinstance(value, str) and value and value[0] in FORMULA_PREFIXES:
        # A negative number written as text is not a formula.
        if value[0] == "-" and PLAIN_NUMBER.match(value):
            return value
        return "'" + value
    return value


def is_invisible(char: str) -> bool:
    """A character that takes no room on screen: format characters (zero-width spaces and joiners,
    a BOM, bidi controls) and control characters other than tab and newline."""
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in "\t\n")


def reveal_invisible(text):
    """``text`` with every invisible character written as ``⟨U+200B⟩``, so that a code that
    "looks valid" in a quarantine message shows why it did not match. Other values pass unchanged."""
    if not isinstance(text, str) or text.isascii() and text.isprintable():
        return text
    return "".join(f"⟨U+{ord(ch):04X}⟩" if is_invisible(ch) else ch for ch in text)
