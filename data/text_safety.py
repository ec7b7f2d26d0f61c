"""Text that leaves the application in a spreadsheet: cells made inert for spreadsheet programs.

Shared by the loaders (which keep what departments typed verbatim) and the data page's exports
(which neutralize it); imports nothing of the database.
"""

from __future__ import annotations

import re

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
