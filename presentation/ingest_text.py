"""The data page's texts that need no Dash: messages, stored reasons and file issues rendered from
their codes, places in a file, durations, fact and job names.

They are the sentences a weekly snapshot or a log may print too, so they live here and take only
the message catalog (``presentation.i18n``) and pandas. A stored reason from an older version must
still render: a missing parameter shows as "?", an unknown code as itself.
"""

from __future__ import annotations

import string

import pandas as pd

from data.text_safety import reveal_invisible
from presentation.i18n import CATALOG, t


class _Params(dict):
    def __missing__(self, key):
        return "?"


def _param_text(value, lang: str) -> str:
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value) or "—"
    if value is None:
        return "—"
    return reveal_invisible(str(value))


def format_message(key: str, params: dict | None, lang: str) -> str:
    """The catalog text for ``key`` with ``params``; a missing parameter shows as "?" (a stored
    reason from an older version must still render)."""
    zh, en = CATALOG[key]
    template = zh if lang == "zh" else en
    values = _Params({k: _param_text(v, lang) for k, v in (params or {}).items()})
    # A parameter that names a choice (``basis: "area"``) is shown in the catalog's words for it,
    # ``{key}.{name}.{value}``, formatted with the same parameters.
    for name, value in (params or {}).items():
        choice = f"{key}.{name}.{value}"
        if isinstance(value, str) and choice in CATALOG:
            values[name] = string.Formatter().vformat(CATALOG[choice][0 if lang == "zh" else 1], (), values)
    return string.Formatter().vformat(template, (), values)


def format_reason(code: str, params: dict | None, lang: str) -> str:
    key = f"data.reason.{code}"
    if key not in CATALOG:
        return code
    return format_message(key, params, lang)


def format_issue(issue: dict, lang: str) -> str:
    """A file-level issue (``{"code", "params", "line"?, "column"?}``) as a sentence with its place."""
    code = issue.get("code", "")
    key = f"data.issue.{code}"
    text = (
        format_message(key, issue.get("params"), lang)
        if key in CATALOG
        else format_reason(code, issue.get("params"), lang)
    )
    where = format_where(issue.get("line"), issue.get("column"), lang)
    return f"{where}：{text}" if where and lang == "zh" else (f"{where}: {text}" if where else text)


def format_where(line, column, lang: str) -> str:
    if line is None or (isinstance(line, float) and pd.isna(line)):
        return ""
    if column:
        return t("data.batch.line_column_col", lang, line=int(line), column=column)
    return t("data.batch.line_column", lang, line=int(line))


def format_duration(seconds, lang: str) -> str:
    if seconds is None or pd.isna(seconds):
        return "—"
    seconds = float(seconds)
    if seconds < 90:
        return t("data.duration.seconds", lang, n=round(seconds, 1) if seconds < 10 else int(seconds))
    if seconds < 90 * 60:
        return t("data.duration.minutes", lang, n=int(seconds // 60))
    if seconds < 48 * 3600:
        return t("data.duration.hours", lang, n=int(seconds // 3600))
    return t("data.duration.days", lang, n=int(seconds // 86400))


def fact_name(fact: str | None, lang: str) -> str:
    key = f"data.fact.{fact}"
    return t(key, lang) if key in CATALOG else t("data.fact.unknown", lang)


def catalog_label(prefix: str, value, lang: str) -> str:
    """The catalog text of ``prefix.value`` (a status, kind, domain...), or the value itself."""
    key = f"{prefix}.{value}"
    return t(key, lang) if key in CATALOG else str(value)


def job_name(job_id: str, lang: str) -> str:
    if job_id.startswith("source:"):
        return t("data.job.name.source", lang, code=job_id.split(":", 1)[1])
    return catalog_label("data.job.name", job_id, lang)
