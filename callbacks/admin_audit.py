"""Audit log page: the latest entries, filtered by action, user, dates (days of the configured
time zone) and outcome.

Reading the log needs ``view_audit``, checked on the server.
"""

from __future__ import annotations

import datetime as dt

from dash import Dash, Input, Output

import components.admin as ui
from data.audit import fetch_audit, fetch_audit_actions
from data.calendar import calendar_for
from data.db import session_scope
from presentation.i18n import t
from security import require_permission
from security.context import current_config, current_engine, current_language

AUDIT_LIMIT = 1000


def _day_start_utc(value: str | None, *, plus_days: int = 0) -> dt.datetime | None:
    """The start of a local calendar day (``YYYY-MM-DD``) of the configured zone as a UTC instant."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(str(value)[:10]) + dt.timedelta(days=plus_days)
    except ValueError:
        return None
    return calendar_for(current_config().timezone).day_start_utc(day)


@require_permission("view_audit")
def update_audit_log(action, actor, start_date, end_date, outcome):
    lang = current_language()
    with session_scope(current_engine()) as session:
        entries = fetch_audit(
            session,
            action=action or None,
            actor=(actor or "").strip() or None,
            start=_day_start_utc(start_date),
            end=_day_start_utc(end_date, plus_days=1),
            outcome=outcome or None,
            limit=AUDIT_LIMIT,
        )
        actions = fetch_audit_actions(session)
    return (
        ui.audit_rows(entries, lang),
        t("admin.audit.count", lang, count=len(entries)),
        ui.action_options(actions, lang),
    )


def register(app: Dash) -> None:
    """Register this page's callbacks on ``app``."""
    app.callback(
        Output(ui.AUDIT_GRID, "rowData"),
        Output(ui.AUDIT_COUNT, "children"),
        Output(ui.AUDIT_ACTION, "options"),
        Input(ui.AUDIT_ACTION, "value"),
        Input(ui.AUDIT_ACTOR, "value"),
        Input(ui.AUDIT_DATES, "start_date"),
        Input(ui.AUDIT_DATES, "end_date"),
        Input(ui.AUDIT_OUTCOME, "value"),
    )(update_audit_log)
