"""The overview's alerts panel and the wall screen's ticker: the newest firing alerts, critical
first (``data.queries.alerts.fetch_firing_alerts``), each linking to the alerts page.

The ticker is one line that scrolls (CSS animation; it stands still for readers who ask for
reduced motion); the theme shows it on the wall (dark) only. Its items are drawn twice in a row
so the loop has no gap. Both are rebuilt on the overview's refresh interval, so a new critical
alert is on screen within one interval.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from components.alerts import PANEL, TICKER, alerts_href, entity_label, severity_label, value_text
from data.frames import frame_records
from presentation.format import format_time, is_missing
from presentation.i18n import t


def _name(row: dict, prefix: str, lang: str) -> str:
    value = row.get(f"{prefix}_zh" if lang == "zh" else f"{prefix}_en")
    return "" if is_missing(value) else str(value)


def build_alerts_panel_frame(lang: str, *, loading) -> html.Section:
    """The panel's card before its data arrives (``loading``: the loading block)."""
    return html.Section(
        [
            html.Div(
                [
                    html.H2(t("alerts.panel.title", lang), className="aocc-card__title"),
                    dcc.Link(t("alerts.panel.all", lang), href=alerts_href(), className="aocc-group__link"),
                ],
                className="aocc-alerts-panel__head",
            ),
            html.Div(loading, id=PANEL, className="aocc-alerts-panel__body"),
        ],
        className="aocc-card aocc-alerts-panel",
        **{"aria-label": t("alerts.panel.title", lang)},
    )


def build_ticker_frame(lang: str) -> html.Div:
    return html.Div(
        [
            html.Span(t("alerts.ticker.label", lang), className="aocc-ticker__label"),
            html.Div(id=TICKER, className="aocc-ticker__viewport"),
        ],
        className="aocc-ticker",
        role="marquee",
        **{"aria-label": t("alerts.ticker.label", lang)},
    )


def build_alerts_panel(alerts: pd.DataFrame, *, lang: str) -> list:
    """The panel's rows: severity, rule, entity and unit, value vs threshold, when it fired."""
    if alerts is None or alerts.empty:
        return [html.P(t("alerts.panel.none", lang), className="aocc-alerts-panel__none", **{"data-state": "empty"})]
    items = []
    for r in frame_records(alerts):
        items.append(
            html.Li(
                dcc.Link(
                    [
                        html.Span(severity_label(r["severity"], lang), className="aocc-alerts-panel__sev"),
                        html.Span(
                            [
                                html.Span(_name(r, "rule_name", lang), className="aocc-alerts-panel__rule"),
                                html.Span(
                                    f"{entity_label(r, lang)} · {_name(r, 'org_name', lang)}",
                                    className="aocc-alerts-panel__entity",
                                ),
                            ],
                            className="aocc-alerts-panel__text",
                        ),
                        html.Span(value_text(r, lang), className="aocc-alerts-panel__value"),
                        html.Span(format_time(r["fired_at"])[5:], className="aocc-alerts-panel__time"),
                    ],
                    href=alerts_href(r["alert_id"]),
                    className="aocc-alerts-panel__link",
                ),
                className=f"aocc-alerts-panel__item aocc-alerts-panel__item--{r['severity']}",
                **{"data-alert-id": str(int(r["alert_id"])), "data-severity": r["severity"]},
            )
        )
    return [html.Ol(items, className="aocc-alerts-panel__list")]


def build_ticker(alerts: pd.DataFrame, *, lang: str) -> list:
    """The ticker's moving line (or a still "no alerts" line)."""
    if alerts is None or alerts.empty:
        return [html.Span(t("alerts.ticker.none", lang), className="aocc-ticker__none", **{"data-state": "empty"})]
    items = [
        html.Span(
            [
                html.Span(severity_label(r["severity"], lang), className="aocc-ticker__sev"),
                f" {_name(r, 'rule_name', lang)} · {entity_label(r, lang)} · {_name(r, 'org_name', lang)} · "
                f"{value_text(r, lang)} · {format_time(r['fired_at'])[11:]}",
            ],
            className=f"aocc-ticker__item aocc-ticker__item--{r['severity']}",
            **{"data-alert-id": str(int(r["alert_id"]))},
        )
        for r in frame_records(alerts)
    ]
    # the track holds the items twice: scrolling it by half its width loops without a jump
    copy = [html.Span(item.children, className=item.className, **{"aria-hidden": "true"}) for item in items]
    seconds = max(20, 8 * len(items))
    return [html.Div(items + copy, className="aocc-ticker__track", style={"animationDuration": f"{seconds}s"})]
