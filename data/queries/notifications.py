"""The delivery log of alert notifications: every attempt to tell a channel of an alert event,
for the notifications page and the alerts page (an alert's "who was told").

One statement; the user's ``Scope`` applies to the alert's org, so nobody reads the log of an
alert outside their subtree. Channel targets are never part of the result (a webhook URL is a
secret): the channel is named by its name and kind.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data.models import Department, OrgNode
from data.models.alert import Alert, AlertEvent, AlertRule, NotificationAttempt, NotificationChannel
from data.scope import Scope

#: Columns of ``notification_log``, newest attempt first.
NOTIFICATION_LOG_COLUMNS = [
    "id",  # attempt id
    "alert_id",
    "event_id",
    "event",  # the event's to_state: firing | resolved
    "channel_id",  # None for no_channel
    "channel_name",
    "channel_kind",  # email | webhook | None
    "attempt",  # 1, 2, …: tries of this event on this channel
    "status",  # sent | failed | retrying | sending | silenced | muted | no_channel
    "at",  # UTC instant of the attempt
    "next_attempt_at",  # when a retrying attempt is tried again
    "error",  # the failure, or the silence / mute timing that held it
    "response_code",  # HTTP status or SMTP reply code
    "severity",
    "rule_id",
    "rule_name_zh",
    "rule_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
    "department_id",
    "department_name_zh",
    "department_name_en",
]
LOG_STATUSES = ("sent", "failed", "retrying", "sending", "silenced", "muted", "no_channel")


def notification_log(
    conn: Connection,
    scope: Scope,
    *,
    alert_id: int | None = None,
    department_id: int | None = None,
    status: str | None = None,
    channel_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Attempts (``NOTIFICATION_LOG_COLUMNS``) of alerts inside ``scope``, newest first, filtered
    by alert, department, status, channel and time (``start`` <= at < ``end``, UTC)."""
    stmt = (
        select(
            NotificationAttempt.id,
            NotificationAttempt.alert_id,
            NotificationAttempt.event_id,
            AlertEvent.to_state.label("event"),
            NotificationAttempt.channel_id,
            NotificationChannel.name.label("channel_name"),
            NotificationChannel.kind.label("channel_kind"),
            NotificationAttempt.attempt,
            NotificationAttempt.status,
            NotificationAttempt.at,
            NotificationAttempt.next_attempt_at,
            NotificationAttempt.error,
            NotificationAttempt.response_code,
            Alert.severity,
            Alert.rule_id,
            AlertRule.name_zh.label("rule_name_zh"),
            AlertRule.name_en.label("rule_name_en"),
            Alert.org_id,
            OrgNode.name_zh.label("org_name_zh"),
            OrgNode.name_en.label("org_name_en"),
            Alert.department_id,
            Department.name_zh.label("department_name_zh"),
            Department.name_en.label("department_name_en"),
        )
        .join(Alert, Alert.id == NotificationAttempt.alert_id)
        .join(AlertEvent, AlertEvent.id == NotificationAttempt.event_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(OrgNode, OrgNode.id == Alert.org_id)
        .join(Department, Department.id == Alert.department_id)
        .outerjoin(NotificationChannel, NotificationChannel.id == NotificationAttempt.channel_id)
        .where(OrgNode.path.like(scope.path_prefix_pattern))
        .order_by(NotificationAttempt.id.desc())
        .limit(int(limit))
    )
    if alert_id is not None:
        stmt = stmt.where(NotificationAttempt.alert_id == int(alert_id))
    if department_id is not None:
        stmt = stmt.where(Alert.department_id == int(department_id))
    if status is not None:
        stmt = stmt.where(NotificationAttempt.status == status)
    if channel_id is not None:
        stmt = stmt.where(NotificationAttempt.channel_id == int(channel_id))
    if start is not None:
        stmt = stmt.where(NotificationAttempt.at >= start)
    if end is not None:
        stmt = stmt.where(NotificationAttempt.at < end)
    rows = [tuple(r) for r in conn.execute(stmt)]
    return pd.DataFrame.from_records(rows, columns=NOTIFICATION_LOG_COLUMNS)
