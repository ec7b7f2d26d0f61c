"""A declared page's frame (``views.spec.PageSpec``): heading, status line, breadcrumb and drill
chooser, the period bar, the KPI row, and one card per panel, each with its freshness line.

Pure builders: the page module resolves the request (``views.render.resolve_page_view``) and
hands in what to show; the panels' contents arrive from ``callbacks.view_page``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from dash import dcc, html

from components import ids
from components.alert_panel import build_ticker_frame
from components.grid import build_grid_panel
from components.shell import dropdown_labels, graph_config
from components.states import build_empty, build_error, build_loading
from data.catalog import get_metric
from presentation.i18n import has, t
from views.spec import PageSpec, PanelSpec

PERIOD_KINDS = ("day", "week", "month", "year", "custom")


def build_view_breadcrumb(crumbs: Sequence[Mapping], *, lang: str) -> html.Nav:
    """Links up the org tree (and to the unit of a building or vehicle), the last one plain.

    Args:
        crumbs: ``{"name_zh", "name_en", "href"}`` from the scope root down to the shown entity.
    """
    items = []
    name = "name_zh" if lang == "zh" else "name_en"
    for i, crumb in enumerate(crumbs):
        if i == len(crumbs) - 1:
            items.append(html.Li(crumb[name], className="breadcrumb-item active", **{"aria-current": "page"}))
        else:
            items.append(html.Li(dcc.Link(crumb[name], href=crumb["href"]), className="breadcrumb-item"))
    return html.Nav(
        [html.Ol(items, className="breadcrumb mb-0")],
        className="aocc-breadcrumb",
        **{"aria-label": t("org.breadcrumb", lang)},
    )


def build_drill_chooser(page_key: str, options: Sequence[Mapping], *, lang: str, leaf: str | None, more: int = 0):
    """The drop-down of what lies one level down (child units, or an agency's buildings or
    vehicles); ``options`` are ``{"label", "value": drill target}``."""
    if not options:
        placeholder = t("view.drill.none", lang)
    elif (kind := str(options[0]["value"]).partition(":")[0]) != "org" and has(f"view.drill.{kind}s"):
        # What lies below an agency (its buildings, vehicles, assets) or a building (its rooms).
        placeholder = t(f"view.drill.{kind}s", lang)
    else:
        placeholder = t("view.drill.placeholder", lang)
    chooser = dcc.Dropdown(
        id=ids.view_drill(page_key),
        options=list(options),
        value=None,
        clearable=False,
        searchable=True,
        disabled=not options,
        placeholder=placeholder,
        className="aocc-org-drill",
        labels=dropdown_labels(lang),
    )
    note = [html.Span(t("view.drill.more", lang, n=more), className="aocc-view__drill-more")] if more else []
    return html.Div([chooser, *note], className="aocc-view__drill")


def _indicator_options(page: PageSpec, lang: str) -> list[dict]:
    return [{"label": get_metric(metric).name(lang), "value": metric} for metric in page.indicators]


def build_period_bar(
    page: PageSpec,
    *,
    lang: str,
    kind: str,
    start: dt.date | None,
    end: dt.date | None,
    compare: str,
    metric: str | None,
    first_day: dt.date | None = None,
    as_of: dt.date | None = None,
) -> html.Div:
    """Period kind (日/周/月/年/自定义), its last day (or a range for a custom period), the
    comparison (同比/环比) and the indicator of the trend and the ranking."""
    custom = kind == "custom"
    bounds = {
        "min_date_allowed": first_day.isoformat() if first_day else None,
        "max_date_allowed": as_of.isoformat() if as_of else None,
    }
    bounds = {k: v for k, v in bounds.items() if v}
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t("view.period", lang), className="aocc-view__label"),
                    dcc.RadioItems(
                        id=ids.period_kind(page.key),
                        options=[{"label": t(f"view.period.{k}", lang), "value": k} for k in PERIOD_KINDS],
                        value=kind,
                        inline=True,
                        className="aocc-view__segmented",
                    ),
                ],
                className="aocc-view__control",
            ),
            html.Div(
                [
                    html.Span(
                        t("view.period.range" if custom else "view.period.end", lang), className="aocc-view__label"
                    ),
                    dcc.DatePickerSingle(
                        id=ids.period_end(page.key),
                        date=end.isoformat() if end else None,
                        display_format="YYYY-MM-DD",
                        first_day_of_week=1,
                        placeholder=t("view.period.end", lang),
                        className="aocc-view__dates" + (" aocc-view__dates--hidden" if custom else ""),
                        **bounds,
                    ),
                    dcc.DatePickerRange(
                        id=ids.period_range(page.key),
                        start_date=(start or end).isoformat() if custom and (start or end) else None,
                        end_date=end.isoformat() if custom and end else None,
                        display_format="YYYY-MM-DD",
                        first_day_of_week=1,
                        start_date_placeholder_text=t("view.period.start", lang),
                        end_date_placeholder_text=t("view.period.end", lang),
                        className="aocc-view__dates" + ("" if custom else " aocc-view__dates--hidden"),
                        **bounds,
                    ),
                ],
                className="aocc-view__control",
            ),
            html.Div(
                [
                    html.Span(t("view.compare", lang), className="aocc-view__label"),
                    dcc.RadioItems(
                        id=ids.period_compare(page.key),
                        options=[{"label": t(f"view.compare.{c}", lang), "value": c} for c in ("yoy", "prev")],
                        value=compare,
                        inline=True,
                        className="aocc-view__segmented",
                    ),
                ],
                className="aocc-view__control",
            ),
            html.Div(
                [
                    html.Span(t("view.indicator", lang), className="aocc-view__label"),
                    dcc.Dropdown(
                        id=ids.indicator(page.key),
                        options=_indicator_options(page, lang),
                        value=metric or page.default_metric(),
                        clearable=False,
                        searchable=False,
                        className="aocc-view__indicator",
                        labels=dropdown_labels(lang),
                    ),
                ],
                className="aocc-view__control",
                # A page without a choice of indicator keeps the control (the URL callback reads
                # it on every page) but does not show an empty drop-down.
                hidden=not page.indicators,
            ),
        ],
        className="aocc-view__periodbar",
        role="group",
        **{"aria-label": t("view.period", lang)},
    )


def build_panel_card(
    page: PageSpec, panel: PanelSpec, *, lang: str, theme: str, can_export: bool = True
) -> html.Section:
    """One panel's card: title, hint, freshness line and its body (graph, grid or list)."""
    if panel.kind == "graph":
        body = dcc.Loading(
            dcc.Graph(
                id=ids.panel_graph(page.key, panel.key),
                config=graph_config(lang, theme),
                className="aocc-chart aocc-panel__graph" + (" aocc-panel__graph--drill" if panel.drills else ""),
                responsive=True,
            ),
            type="dot",
            delay_show=300,
            parent_className="aocc-panel__body",
        )
    elif panel.kind == "grid":
        body = build_grid_panel(page.key, panel, lang=lang, theme=theme, can_export=can_export)
    else:
        body = html.Div(build_loading(lang), id=ids.panel_list(page.key, panel.key), className="aocc-panel__list")
    head = [html.H2(t(panel.title_key, lang), className="aocc-card__title")]
    if panel.hint_key:
        head.append(html.P(t(panel.hint_key, lang), className="aocc-panel__hint"))
    head.append(
        html.Div(id=ids.panel_fresh(page.key, panel.key, panel.kind), className="aocc-panel__fresh", role="status")
    )
    return html.Section(
        [html.Div(head, className="aocc-panel__head"), body],
        className=f"aocc-card aocc-panel aocc-panel--{panel.kind} aocc-panel--w{panel.width}",
        id=f"panel-{page.key}-{panel.key}",
        **{"data-panel": panel.key, "aria-label": t(panel.title_key, lang)},
    )


def build_view_page(
    page: PageSpec,
    *,
    lang: str,
    theme: str,
    refresh_seconds: int,
    query: Mapping[str, str],
    panels: Sequence[PanelSpec],
    heading: str,
    subtitle: str | None = None,
    crumbs: Sequence[Mapping] = (),
    drill_options: Sequence[Mapping] = (),
    drill_more: int = 0,
    period: Mapping | None = None,
    org_id: int | None = None,
    message: str | None = None,
    can_export: bool = True,
) -> html.Div:
    """A declared page before its data arrives.

    Args:
        query: the URL's query values (kept in the page's view store for its callbacks).
        panels: the panels shown for the entity (``views.render.panels_for``).
        heading: the page heading (``能耗监测``); subtitle: the entity shown (``示范市``).
        crumbs: the breadcrumb (``build_view_breadcrumb``).
        drill_options: what one level down can be opened.
        period: ``kind``, ``start``, ``end``, ``compare``, ``metric``, ``first_day``, ``as_of`` of
            the resolved view, for the period bar (None: no data yet, no bar).
        org_id: the org node shown (for the KPI tiles' provenance links).
        message: ``refused`` / ``empty`` / ``error``: the page cannot be shown, and says why.
        can_export: the user may export tables (grids offer CSV and XLSX buttons only then).
    """
    title = [html.H1(heading, className="aocc-page__title")]
    if subtitle:
        title.append(html.Span(subtitle, className="aocc-page__entity"))
    head = html.Div(
        [
            html.Div(title, className="aocc-page__heading"),
            html.Div(id=ids.view_status(page.key), className="aocc-page__status", role="status"),
        ],
        className="aocc-page__head",
    )
    stores = [
        dcc.Store(id=ids.view_store(page.key), data=dict(query)),
        dcc.Store(id=ids.org_store(page.key), data=str(org_id) if org_id is not None else None),
    ]
    if message is not None:
        state = {
            "refused": build_error(lang, message_key="state.out_of_scope"),
            "empty": build_empty(lang),
            "error": build_error(lang),
        }[message]
        return html.Div([*stores, head, state], className=f"aocc-page aocc-page--{page.key} aocc-view")
    bar = [
        build_view_breadcrumb(crumbs, lang=lang),
        build_drill_chooser(page.key, drill_options, lang=lang, leaf=page.leaf, more=drill_more),
    ]
    children = [
        *stores,
        head,
        html.Div(bar, className="aocc-orgbar"),
    ]
    if period is not None and page.periods:
        children.append(build_period_bar(page, lang=lang, **period))
    children += [
        html.Section(
            build_loading(lang),
            id=ids.view_tiles(page.key),
            className=f"aocc-kpis aocc-kpis--{page.key}"
            + (" aocc-kpis--groups" if any(t.layout == "groups" for t in page.tiles.values()) else ""),
            **{"aria-label": t("page.kpi_region", lang)},
        ),
        html.Div(
            [build_panel_card(page, panel, lang=lang, theme=theme, can_export=can_export) for panel in panels],
            className="aocc-panels",
            **{"aria-label": t("view.panels", lang)},
        ),
        *([build_ticker_frame(lang)] if page.extra.get("ticker") else []),
        dcc.Interval(id=ids.view_interval(page.key), interval=max(int(refresh_seconds), 1) * 1000, n_intervals=0),
    ]
    return html.Div(children, className=f"aocc-page aocc-page--{page.key} aocc-view", **{"data-page": page.key})


__all__ = [
    "build_drill_chooser",
    "build_panel_card",
    "build_period_bar",
    "build_view_breadcrumb",
    "build_view_page",
]
