"""A department's notification channels: e-mail addresses, or a work-chat robot's webhook.

A webhook URL carries the robot's key (``…/webhook/send?key=…``, ``…/robot/send?access_token=…``):
whoever has it can post to the group. It is a secret: ``mask_target`` is what any list or page
shows, an edit that leaves the URL empty keeps the stored one, and ``scrub`` takes the URL out
of any error text before it is stored or logged.

Only ``http`` and ``https`` URLs with a host are accepted (no ``file:``, ``ftp:``, ``javascript:``
…, no credentials in the URL, no spaces or control characters). The URL's fragment, which is never
sent, may name the message shape: ``#markdown`` (WeCom/企业微信 markdown, the default), ``#text``
(the text message WeCom and DingTalk/钉钉 both accept), ``#dingtalk`` (DingTalk markdown) or
``#feishu`` (Feishu/飞书 text); without one, DingTalk and Feishu hosts get their own shape.

Functions take the caller's ``Connection`` and never commit. Channels are province-wide (a
department's robot gets alerts from every org), so changing them needs an administrator of the
whole tree (``within_path`` None or the root's path).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from data.models import Department
from data.models.alert import NotificationChannel

from .silences import NotificationSettingError, require_whole_tree

CHANNEL_KINDS = ("email", "webhook")
WEBHOOK_FORMATS = ("markdown", "text", "dingtalk", "feishu")
NAME_MAX = 64
URL_MAX = 2000
MAX_ADDRESSES = 20
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*$"
)
_HOST_FORMATS = (("oapi.dingtalk.com", "dingtalk"), ("open.feishu.cn", "feishu"), ("open.larksuite.com", "feishu"))


def validate_webhook_url(url: str | None) -> str:
    """The URL stripped, or ``NotificationSettingError`` (``bad_url``, ``url_scheme``, ``url_credentials``)."""
    url = (url or "").strip()
    if not url:
        raise NotificationSettingError("target_required")
    if len(url) > URL_MAX or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise NotificationSettingError("bad_url")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number
    except ValueError as exc:
        raise NotificationSettingError("bad_url") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise NotificationSettingError("url_scheme")
    if not parts.hostname:
        raise NotificationSettingError("bad_url")
    if parts.username is not None or parts.password is not None:
        raise NotificationSettingError("url_credentials")
    if port == 0:
        raise NotificationSettingError("bad_url")
    if parts.fragment and parts.fragment not in WEBHOOK_FORMATS:
        raise NotificationSettingError("bad_format", formats=", ".join(WEBHOOK_FORMATS))
    return url


def validate_addresses(target: str | None) -> str:
    """Comma- or semicolon-separated e-mail addresses, normalised to ``a@x, b@y``."""
    text = (target or "").strip()
    if not text:
        raise NotificationSettingError("target_required")
    addresses = [a.strip() for a in re.split(r"[,;，；\s]+", text) if a.strip()]
    if len(addresses) > MAX_ADDRESSES:
        raise NotificationSettingError("too_many_addresses", limit=MAX_ADDRESSES)
    for address in addresses:
        if len(address) > 254 or not _ADDRESS.match(address):
            raise NotificationSettingError("bad_address", address=address[:80])
    return ", ".join(dict.fromkeys(addresses))


def addresses_of(target: str) -> list[str]:
    return [a.strip() for a in target.split(",") if a.strip()]


def webhook_format(url: str) -> str:
    """The message shape for ``url``: its fragment if it names one, else by host, else markdown."""
    parts = urlsplit(url)
    if parts.fragment in WEBHOOK_FORMATS:
        return parts.fragment
    host = (parts.hostname or "").lower()
    for known, fmt in _HOST_FORMATS:
        if host == known:
            return fmt
    return "markdown"


def post_url(url: str) -> str:
    """The URL that is posted to: without its fragment."""
    return url.split("#", 1)[0]


def mask_target(kind: str, target: str | None) -> str:
    """What a page shows of a channel's target: e-mail addresses in full (they are not secret),
    a webhook as scheme and host, the rest replaced by dots but for its last four characters."""
    if not target:
        return ""
    if kind != "webhook":
        return target
    try:
        parts = urlsplit(target)
        head = f"{parts.scheme}://{parts.hostname or ''}"
    except ValueError:
        head = ""
    tail = post_url(target)[-4:] if len(post_url(target)) > len(head) + 8 else ""
    return f"{head}/…{tail}"


def scrub(text: str | None, *secrets: str | None) -> str | None:
    """``text`` with every secret (webhook URL, its key, the SMTP password) replaced by ``***``."""
    if not text:
        return text
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, "***")
        if "://" in secret:
            base = post_url(secret)
            text = text.replace(base, "***")
            query = urlsplit(base).query
            for part in query.split("&"):
                value = part.split("=", 1)[-1]
                if len(value) >= 6:
                    text = text.replace(value, "***")
            path = urlsplit(base).path
            if len(path) >= 12:
                text = text.replace(path, "/***")
    return text


def _validated(kind: str, target: str | None) -> str:
    if kind not in CHANNEL_KINDS:
        raise NotificationSettingError("bad_kind")
    return validate_webhook_url(target) if kind == "webhook" else validate_addresses(target)


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise NotificationSettingError("name_required")
    if len(name) > NAME_MAX:
        raise NotificationSettingError("name_too_long", limit=NAME_MAX)
    return name


def _department(conn: Connection, department_id) -> int:
    if department_id is None:
        raise NotificationSettingError("department_required")
    found = conn.execute(select(Department.id).where(Department.id == int(department_id))).scalar_one_or_none()
    if found is None:
        raise NotificationSettingError("department_required")
    return found


def create_channel(
    conn: Connection,
    *,
    department_id: int | None,
    kind: str,
    name: str | None,
    target: str | None,
    created_by: str,
    now: dt.datetime,
    enabled: bool = True,
    within_path: str | None = None,
) -> int:
    require_whole_tree(conn, within_path)
    values = {
        "department_id": _department(conn, department_id),
        "kind": kind,
        "name": _name(name),
        "target": _validated(kind, target),
        "enabled": bool(enabled),
        "created_at": now,
        "created_by": created_by[:64],
    }
    return conn.execute(insert(NotificationChannel).values(**values).returning(NotificationChannel.id)).scalar_one()


def get_channel(conn: Connection, channel_id: int):
    row = conn.execute(select(NotificationChannel).where(NotificationChannel.id == int(channel_id))).first()
    if row is None:
        raise NotificationSettingError("not_found")
    return row


def update_channel(
    conn: Connection,
    channel_id: int,
    *,
    name: str | None = None,
    target: str | None = None,
    department_id: int | None = None,
    enabled: bool | None = None,
    within_path: str | None = None,
) -> None:
    """Change a channel. ``target`` empty or None keeps the stored one (a page never has the
    stored webhook URL to send back); its kind never changes."""
    require_whole_tree(conn, within_path)
    row = get_channel(conn, channel_id)
    values: dict = {}
    if name is not None:
        values["name"] = _name(name)
    if target is not None and target.strip():
        values["target"] = _validated(row.kind, target)
    if department_id is not None:
        values["department_id"] = _department(conn, department_id)
    if enabled is not None:
        values["enabled"] = bool(enabled)
    if values:
        conn.execute(update(NotificationChannel).where(NotificationChannel.id == row.id).values(**values))


def list_channels(conn: Connection) -> list[dict]:
    """Every channel, masked: id, department_id, department_name_zh/en, kind, name, target_masked,
    webhook_format (None for e-mail), enabled, created_at, created_by. The stored target is not
    part of the rows."""
    rows = conn.execute(
        select(
            NotificationChannel.id,
            NotificationChannel.department_id,
            Department.name_zh.label("department_name_zh"),
            Department.name_en.label("department_name_en"),
            NotificationChannel.kind,
            NotificationChannel.name,
            NotificationChannel.target,
            NotificationChannel.enabled,
            NotificationChannel.created_at,
            NotificationChannel.created_by,
        )
        .join(Department, Department.id == NotificationChannel.department_id)
        .order_by(Department.id, NotificationChannel.id)
    )
    out = []
    for r in rows:
        row = dict(r._mapping)
        target = row.pop("target")
        row["target_masked"] = mask_target(r.kind, target)
        row["webhook_format"] = webhook_format(target) if r.kind == "webhook" else None
        out.append(row)
    return out


def list_departments(conn: Connection) -> list[dict]:
    """id, code, name_zh, name_en of every department."""
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(Department.id, Department.code, Department.name_zh, Department.name_en).order_by(Department.id)
        )
    ]
