"""Loading, empty and error blocks: what a widget shows instead of figures.

An empty result ("暂无数据") and a failure ("数据暂不可用") look different on purpose: one is a
fact about the data, the other a fault someone must see.
"""

from __future__ import annotations

from dash import html

from presentation.i18n import t


def _block(kind: str, title: str, detail: str | None = None, *, role: str = "status") -> html.Div:
    children = [
        html.Span(className="aocc-state__icon", **{"aria-hidden": "true"}),
        html.Span(title, className="aocc-state__title"),
    ]
    if detail:
        children.append(html.Span(detail, className="aocc-state__detail"))
    return html.Div(children, className=f"aocc-state aocc-state--{kind}", role=role, **{"data-state": kind})


def build_loading(lang: str) -> html.Div:
    """The placeholder a widget shows until its first data arrives."""
    return _block("loading", t("state.loading", lang))


def build_empty(lang: str) -> html.Div:
    """The query ran and found nothing: "暂无数据"."""
    return _block("empty", t("state.empty", lang))


def build_error(lang: str, *, detail: str | None = None, message_key: str = "state.error") -> html.Div:
    """The query failed (or was refused): "数据暂不可用" and, optionally, what happened."""
    return _block("error", t(message_key, lang), detail, role="alert")
