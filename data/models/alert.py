"""Threshold rules (versioned), alerts with their lifecycle history, silences and mute timings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

ALERT_STATES = ("pending", "firing", "acknowledged", "resolved")
OPEN_ALERT_STATES = ("pending", "firing", "acknowledged")


class AlertRule(Base):
    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name_zh: Mapped[str] = mapped_column(String(96))
    name_en: Mapped[str] = mapped_column(String(128))
    metric_id: Mapped[str] = mapped_column(ForeignKey("metric.id"))
    entity_kind: Mapped[str] = mapped_column(String(16))  # org | building | vehicle | asset | room | lease | source
    scope_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    scope_filter: Mapped[dict] = mapped_column(JSON, default=dict)  # vehicle class, asset category …
    comparison: Mapped[str] = mapped_column(String(16))  # above | below | outside | change_pct
    warning_level: Mapped[float | None] = mapped_column(Float)
    critical_level: Mapped[float | None] = mapped_column(Float)
    recovery_level: Mapped[float | None] = mapped_column(Float)
    window: Mapped[str] = mapped_column(String(24))  # latest | last_hours:N | last_days:N | mtd | ytd_pace
    for_seconds: Mapped[int] = mapped_column(Integer, default=0)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class AlertRuleVersion(Base):
    __tablename__ = "alert_rule_version"

    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rule.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict] = mapped_column(JSON)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str | None] = mapped_column(String(64))


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (
        # One open alert per rule × entity, enforced by the database itself.
        Index(
            "uq_alert_open_rule_entity",
            "rule_id",
            "entity_kind",
            "entity_id",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rule.id"), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    entity_kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    severity: Mapped[str] = mapped_column(String(12))  # warning | critical
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_evaluated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    notified: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertEvent(Base):
    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(64))  # username, or "system"
    note: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)


class Silence(Base):
    __tablename__ = "silence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rule.id"))
    scope_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))


class MuteTiming(Base):
    """Recurring mute windows: nights, weekends, public holidays."""

    __tablename__ = "mute_timing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    spec: Mapped[dict] = mapped_column(JSON)  # {"weekdays": [5, 6], "hours": [[22, 7]], "holidays": true}
    rule_ids: Mapped[list] = mapped_column(JSON, default=list)


class NotificationChannel(Base):
    """Where a department is told of its alerts: e-mail addresses (SMTP from the configuration) or
    a work-chat robot's webhook URL."""

    __tablename__ = "notification_channel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # email | webhook
    name: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)  # comma-separated addresses, or the webhook URL
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))


class NotificationAttempt(Base):
    """One try at telling a channel of one alert event (firing, resolved): every try is kept,
    with its outcome; a silenced or muted event is recorded as such and not sent."""

    __tablename__ = "notification_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_event.id"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notification_channel.id"))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))  # sent | failed | retrying | silenced | muted | no_channel
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    response_code: Mapped[int | None] = mapped_column(Integer)
