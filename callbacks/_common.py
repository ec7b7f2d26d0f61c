"""What the page callbacks share: the clock in the configured zone.

The declared pages' callbacks (``callbacks.view_page``) read their data and turn the outcome
(figures, nothing, a refusal, a failure) into their outputs themselves.
"""

from __future__ import annotations

import datetime as dt

from data.calendar import calendar_for
from security.context import current_config


def local_now() -> dt.datetime:
    """Now in the configured zone."""
    return calendar_for(current_config().timezone).now()
