"""The words of an alert notification (e-mail and work-chat robot), from the facts that
``data.alerts.notify`` collects: title, severity, entity, value against threshold, org, rule,
time and the link to the alert on the alerts page.

Pure: a dict of plain values in, ``{"subject", "text", "markdown"}`` out. Values typed by people
(rule, org and entity names) go into the markdown as they are: robots render markdown, so a name
with ``*`` or ``[`` is shown with its marks stripped rather than reinterpreted.
"""

from __future__ import annotations

from presentation.format import format_quantity, is_missing
from presentation.i18n import normalize_language, t

_MARKDOWN_MARKS = str.maketrans({c: " " for c in "*_`[]<>#|~"})
SEVERITY_COLOURS = {"critical": "warning", "warning": "comment"}  # WeCom markdown <font color=…>


def _plain(value) -> str:
    return "" if value is None else str(value).replace("\r", " ").replace("\n", " ").strip()


def _md(value) -> str:
    return _plain(value).translate(_MARKDOWN_MARKS)


def _name(facts: dict, key: str, lang: str) -> str:
    zh, en = facts.get(f"{key}_zh"), facts.get(f"{key}_en")
    return _plain((zh or en) if lang == "zh" else (en or zh))


def _quantity(value, unit, lang: str) -> str:
    if value is None or is_missing(value):
        return t("notify.msg.no_value", lang)
    return format_quantity(float(value), unit or "", lang)


def render_notification(facts: dict, lang: str) -> dict:
    """Subject, plain text and markdown of one notification (``facts["event"]``: firing,
    resolved or test)."""
    lang = normalize_language(lang)
    if facts.get("event") == "test":
        return _render_test(facts, lang)
    event = "resolved" if facts.get("event") == "resolved" else "firing"
    severity = facts.get("severity") if facts.get("severity") in ("warning", "critical") else "warning"
    severity_label = t(f"notify.severity.{severity}", lang)
    rule = _name(facts, "rule_name", lang)
    entity = _name(facts, "entity_name", lang) or t(
        "notify.msg.entity_fallback", lang, kind=_plain(facts.get("entity_kind")), id=facts.get("entity_id")
    )
    subject = t(f"notify.subject.{event}", lang, severity=severity_label, rule=rule, entity=entity)
    lines = [
        (t("notify.msg.severity", lang), severity_label),
        (t("notify.msg.rule", lang), rule),
        (t("notify.msg.entity", lang), entity),
        (t("notify.msg.org", lang), _name(facts, "org_name", lang)),
        (t("notify.msg.value", lang), _quantity(facts.get("value"), facts.get("unit"), lang)),
        (t("notify.msg.threshold", lang), _quantity(facts.get("threshold"), facts.get("unit"), lang)),
        (t("notify.msg.department", lang), _name(facts, "department_name", lang)),
        (t(f"notify.msg.time_{event}", lang), _plain(facts.get("time_local"))),
    ]
    link = _plain(facts.get("link"))
    text = "\n".join(
        [subject, ""] + [f"{label}：{value}" if lang == "zh" else f"{label}: {value}" for label, value in lines]
    )
    text += "\n\n" + t("notify.msg.open", lang) + ("：" if lang == "zh" else ": ") + link
    colour = "info" if event == "resolved" else SEVERITY_COLOURS[severity]
    heading = f'### <font color="{colour}">{_md(subject)}</font>'
    body = [
        f"> {_md(label)}：{_md(value)}" if lang == "zh" else f"> {_md(label)}: {_md(value)}" for label, value in lines
    ]
    markdown = "\n".join([heading, *body, "", f"[{t('notify.msg.open', lang)}]({link})"])
    return {"subject": subject, "text": text, "markdown": markdown}


def _render_test(facts: dict, lang: str) -> dict:
    subject = t("notify.subject.test", lang, channel=_plain(facts.get("channel_name")))
    body = t(
        "notify.msg.test_body", lang, department=_name(facts, "department_name", lang), time=facts.get("time_local")
    )
    link = _plain(facts.get("link"))
    text = f"{subject}\n\n{body}\n\n{link}"
    markdown = f"### {_md(subject)}\n> {_md(body)}\n\n[{t('notify.msg.open_page', lang)}]({link})"
    return {"subject": subject, "text": text, "markdown": markdown}
