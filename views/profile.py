"""The unit profile (单位画像), declared: one org node's four domains side by side.

Tiles grouped by domain, each group linking to its domain's page for the same unit: energy
(total incl. the official vehicles' fuel, and the intensities against the quota's 约束值),
the fleet against its approved quota, idle assets and what redeployments saved, office area per
person and the area over the standard, turnover housing occupancy and its waiting list. Then the
unit's rank among its siblings on a handful of indicators, its open alerts of every domain, and
one panel per domain (the year-end projection against the quota, the fleet by class, assets by
status, office area per person against the standard) in a 2 × 2 grid. The wall shows the tiles
and the two quota charts (energy, fleet).

Nothing here reads a table itself: the tiles are the domain pages' own tile reads (so a number
on the profile is the number on the domain page for the same unit and period), the panels are
the domain pages' queries and figure builders, and the rank reads what
``data.queries.compare.fetch_peer_position`` reads (``window_arrays`` over the parent's children,
``combine`` for a derived metric), for all of a domain's indicators at once and with every peer's
value kept, so the peers' median comes with it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from data.catalog import get_metric
from data.queries.asset_panels import fetch_asset_tiles, fetch_asset_units
from data.queries.compare import DERIVATIONS, combine, metric_bases, ratio_array, window_arrays
from data.queries.energy_tiles import fetch_energy_period_tiles
from data.queries.housing import fetch_office_area_by_child
from data.queries.housing_panels import fetch_housing_tiles
from data.queries.kpi import KPI_COLUMNS, empty_kpis
from data.queries.org import fetch_children
from data.queries.reference import fetch_coefficients
from data.queries.vehicle_panels import fetch_fleet_by_class
from data.queries.view import ViewContext, ViewRequest, resolve_view
from presentation.figures.asset_panels import make_asset_units_figure
from presentation.figures.common import base_layout, make_message_figure
from presentation.figures.compare import unvalidated_figure
from presentation.figures.housing import make_office_area_figure
from presentation.figures.vehicle_panels import make_fleet_class_figure
from presentation.format import format_quantity
from presentation.i18n import t
from presentation.theme import palette

from .energy import fetch_projection_panel, make_projection_figure
from .panels import open_alerts_panel
from .spec import PageSpec, PanelSpec, TileSpec
from .vehicles import fetch_org_tiles as fetch_vehicle_tiles

#: The tiles of each domain group, in display order: a subset of each domain page's own tiles.
TILE_GROUPS = (
    ("energy", ("energy.total_kgce", "energy.kgce_per_person", "energy.kgce_per_m2")),
    ("vehicle", ("vehicle.fleet", "vehicle.utilization", "vehicle.cost_per_km")),
    ("asset", ("asset.idle_rate", "asset.redeploy_saved_yuan")),
    (
        "housing",
        ("housing.area_per_person", "housing.over_standard_area_m2", "housing.occupancy_rate", "housing.waiting"),
    ),
)

#: The indicators the unit is ranked on among its siblings, each one with a bad direction (so
#: "better" means something): energy, cost per 100 km, idle rate, office space per person and over.
RANK_INDICATORS = (
    "energy.total_kgce",
    "vehicle.cost_per_km",
    "asset.idle_rate",
    "housing.area_per_person",
    "housing.over_standard_area_m2",
)
#: Ratios of two stored states (the catalog's formula: numerator, denominator, scale), computed
#: from their parts' values while ``data.queries.compare`` has no derivation for them; once it
#: has one, its own is used.
STATE_RATIOS = {
    "asset.idle_rate": ("asset.idle_count", "asset.count", 100.0),
    "housing.area_per_person": ("housing.office_area_m2", "housing.office_occupants", 1.0),
}
PEER_COLUMNS = [
    "metric_id",
    "name_zh",
    "name_en",
    "unit",
    "value",
    "rank",
    "count",
    "median",
    "better_than",
    "standing",
]


# --- each domain's own view of the period --------------------------------------------------------


def domain_view(conn: Connection, view: ViewContext, domain: str) -> ViewContext:
    """``view`` as the page of ``domain`` resolves the same URL: the period cut at that domain's
    own as-of day (energy may end a day before the vehicles), so the profile's energy and vehicle
    figures are the very figures of those pages. Asset and housing anchor on every flow, as the
    profile does, and read ``view`` itself."""
    if not view.has_data or view.domain == domain:
        return view
    period = view.period
    request = ViewRequest(
        org_id=view.org_id,
        period=period.kind,
        start=period.start if period.kind == "custom" else None,
        end=period.end,
        compare=view.compare,
        metric=view.metric,
    )
    return resolve_view(conn, view.scope, domain, request)


def in_domain(domain: str, fetch):
    """``fetch(conn, view)`` run on ``domain_view(conn, view, domain)``."""

    def read(conn: Connection, view: ViewContext) -> pd.DataFrame:
        return fetch(conn, domain_view(conn, view, domain))

    read.__name__ = read.__qualname__ = fetch.__name__
    read.__doc__ = fetch.__doc__
    return read


#: The domains whose pages anchor their as-of day on their own flows (``ANCHOR_METRICS``).
OWN_AS_OF = ("energy", "vehicle")


# --- tiles --------------------------------------------------------------------------------------


def _group(frame: pd.DataFrame, domain: str, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The rows of ``metrics`` of a domain's tile frame, in ``metrics``' order, tagged with the domain."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=[*KPI_COLUMNS, "status", "domain"])
    rows = frame[frame["metric_id"].isin(metrics)].copy()
    rows["_order"] = rows["metric_id"].map({m: i for i, m in enumerate(metrics)})
    rows = rows.sort_values("_order", kind="stable").drop(columns="_order")
    rows["domain"] = domain
    return rows


def fetch_profile_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The unit's tiles of all four domains for the view's period, each exactly as its domain
    page's tiles read it (``KPI_COLUMNS``, ``status`` and ``domain``), grouped in ``TILE_GROUPS``
    order; a domain without data has no rows."""
    if not view.has_data:
        return empty_kpis()
    frames = {
        "energy": fetch_energy_period_tiles(conn, domain_view(conn, view, "energy")),
        "vehicle": fetch_vehicle_tiles(conn, domain_view(conn, view, "vehicle")),
        # the declared asset and housing pages' tile reads (their as-of day is the profile's)
        "asset": fetch_asset_tiles(conn, view),
        "housing": fetch_housing_tiles(conn, view),
    }
    parts = [_group(frames[domain], domain, metrics) for domain, metrics in TILE_GROUPS]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_kpis()
    return pd.concat(parts, ignore_index=True)


# --- rank among peers ---------------------------------------------------------------------------


def _bases(metric_id: str) -> tuple[str, ...]:
    if metric_id in STATE_RATIOS and metric_id not in DERIVATIONS:
        return STATE_RATIOS[metric_id][:2]
    return metric_bases(metric_id)


def _peer_values(conn: Connection, view: ViewContext, peers: list[int], metrics: list[str]) -> dict[str, pd.Series]:
    """Each of ``metrics`` over ``view.period`` for each of the ``peers`` (org ids): the reads and
    formulas of ``data.queries.compare.fetch_child_ranking`` (``window_arrays``, ``combine``),
    for all the metrics of one domain in one pass. NaN: no value."""
    if not view.has_data or not peers:
        return {m: pd.Series(np.nan, index=peers, dtype=float) for m in metrics}
    bases = sorted({b for m in metrics for b in _bases(m)})
    window = {"cur": (view.period.start, view.period.end)}
    arrays = window_arrays(conn, bases, "org", peers, window)["cur"]
    needs = any(DERIVATIONS[m].needs_coefficients for m in metrics if m in DERIVATIONS)
    coefficients = fetch_coefficients(conn) if needs else {}
    values = {}
    for metric_id in metrics:
        if metric_id in STATE_RATIOS and metric_id not in DERIVATIONS:
            numerator, denominator, scale = STATE_RATIOS[metric_id]
            series = ratio_array(arrays[numerator], arrays[denominator], scale)
        else:
            series = combine(metric_id, {b: arrays[b] for b in metric_bases(metric_id)}, coefficients)
        values[metric_id] = pd.Series(series, index=peers, dtype=float)
    return values


def peer_standing(values: pd.Series, org_id: int, bad_direction: str) -> dict:
    """The unit's place among ``values`` (its siblings' and its own, by org id; NaN: no value).

    Returns:
        ``value``; ``count`` (units with a value, the unit included); ``rank`` (1 = best: the
        lowest value when higher is worse, the highest otherwise; ties share the better rank;
        NaN without a value); ``median`` of the values; ``better_than`` (the share of the other
        units with a value that it does better than, %); ``standing`` against the median
        (``better``, ``worse``, ``even``; ``""`` without a value).
    """
    present = values.dropna()
    value = float(values.get(org_id, np.nan))
    count = int(present.size)
    if np.isnan(value) or count == 0:
        return {"value": value, "count": count, "rank": np.nan, "median": np.nan, "better_than": np.nan, "standing": ""}
    sign = -1.0 if bad_direction == "up" else 1.0  # sign × value: larger is better
    better = int((sign * present > sign * value).sum())
    worse = int((sign * present < sign * value).sum())
    median = float(present.median())
    delta = sign * (value - median)
    return {
        "value": value,
        "count": count,
        "rank": float(better + 1),
        "median": median,
        "better_than": worse / (count - 1) * 100.0 if count > 1 else np.nan,
        "standing": "better" if delta > 0 else "worse" if delta < 0 else "even",
    }


def fetch_peer_ranks(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The unit's rank among its siblings on each of ``RANK_INDICATORS`` over the view's period.

    Returns:
        DataFrame with ``PEER_COLUMNS``, one row per indicator (see ``peer_standing``; ``name_zh``
        and ``name_en`` the indicator's, ``unit`` its catalog unit). At the user's scope root
        (whose siblings lie outside the scope) the rows carry no rank and ``attrs["scope_root"]``
        is True. Empty without data.
    """
    if not view.has_data:
        return pd.DataFrame(columns=PEER_COLUMNS)
    at_root = view.node["parent_id"] is None or view.org_id == view.scope.org_id
    values: dict[str, pd.Series] = {}
    if not at_root:
        # The parent lies in the scope (the unit is not its root). A unit retired before the period
        # has no value in it, so it is not counted, as fetch_child_ranking leaves it out.
        peers = [int(i) for i in fetch_children(conn, view.scope, int(view.node["parent_id"]))["org_id"]]
        by_domain: dict[str, list[str]] = {}
        for metric_id in RANK_INDICATORS:
            by_domain.setdefault(get_metric(metric_id).domain, []).append(metric_id)
        for domain, metrics in by_domain.items():
            seen = domain_view(conn, view, domain) if domain in OWN_AS_OF else view
            values.update(_peer_values(conn, seen, peers, metrics))
    records = []
    for metric_id in RANK_INDICATORS:
        metric = get_metric(metric_id)
        standing = peer_standing(values.get(metric_id, pd.Series(dtype=float)), view.org_id, metric.bad_direction)
        records.append(
            {
                "metric_id": metric_id,
                "name_zh": metric.name_zh,
                "name_en": metric.name_en,
                "unit": metric.unit,
                **standing,
            }
        )
    frame = pd.DataFrame(records, columns=PEER_COLUMNS)
    frame.attrs["scope_root"] = at_root
    frame.attrs["name_zh"], frame.attrs["name_en"] = view.node["name_zh"], view.node["name_en"]
    return frame


def make_peer_rank_figure(df: pd.DataFrame, *, lang: str, theme: str | None = "light", font_size=None):
    """One bar per indicator: the share of its peers the unit does better than (0–100 %, the
    dashed line at 50 % is the middle), green when better than the peers' median, red when worse,
    labelled with its rank ("第 3/12 位", 1 = best); the hover gives the value and the median.

    At the user's scope root, or when no indicator has peers to compare with, a sentence saying so.
    """
    name = df.attrs.get("name_zh" if lang == "zh" else "name_en", "")
    if df.attrs.get("scope_root"):
        return make_message_figure(t("profile_page.rank.scope_root", lang, name=name), theme=theme, font_size=font_size)
    ranked = df[df["rank"].notna() & (df["count"] > 1)]
    if ranked.empty:
        return make_message_figure(t("profile_page.rank.no_peers", lang), theme=theme, font_size=font_size)
    colors = palette(theme)
    color_of = {"better": colors["good"], "worse": colors["bad"], "even": colors["muted"]}
    names = ranked["name_zh" if lang == "zh" else "name_en"].tolist()
    labels = [
        t("profile_page.rank.position", lang, rank=int(r), count=int(c))
        for r, c in zip(ranked["rank"], ranked["count"])
    ]
    hover = [
        "<br>".join(
            (
                f"{n} · {label}",
                f"{t('profile_page.rank.value', lang)}: {format_quantity(v, u, lang)}",
                f"{t('profile_page.rank.median', lang)}: {format_quantity(m, u, lang)}",
                t(f"profile_page.rank.{s}", lang),
            )
        )
        for n, label, v, m, u, s in zip(
            names, labels, ranked["value"], ranked["median"], ranked["unit"], ranked["standing"]
        )
    ]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": ranked["better_than"].round(1).tolist(),
        "y": names,
        "text": labels,
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": [color_of.get(s, colors["muted"]) for s in ranked["standing"]]},
        "customdata": hover,
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    layout = base_layout(theme, lang, font_size=font_size)
    layout.update(
        showlegend=False,
        bargap=0.35,
        margin={"l": 16, "r": 72, "t": 24, "b": 16, "pad": 4},
        xaxis={
            "range": [0, 100],
            "ticksuffix": "%",
            "title": {"text": t("profile_page.rank.axis", lang), "standoff": 8},
            "gridcolor": colors["grid"],
            "zeroline": False,
            "automargin": True,  # room for the axis title under the tick labels
        },
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False, "automargin": True},
        shapes=[
            {
                "type": "line",
                "x0": 50,
                "x1": 50,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": colors["zero"], "dash": "dash", "width": 1},
            }
        ],
    )
    return unvalidated_figure([bar], layout)


# --- the domain panels --------------------------------------------------------------------------


def fetch_office_area(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The housing page's office area per person of each child unit, within and over the standard
    (``fetch_office_area_by_child``), at the period's last day."""
    return fetch_office_area_by_child(conn, view.scope, view.org_id, as_of=view.period.end)


def _domain_panel(key: str, fetch, build, *, wall: bool, drills: str | None = None) -> PanelSpec:
    return PanelSpec(
        key=key,
        title_key=f"profile_page.{key}.title",
        hint_key=f"profile_page.{key}.hint",
        kind="graph",
        fetch=fetch,
        build=build,
        wall=wall,
        drills=drills,
    )


PROFILE_PAGE = PageSpec(
    key="profile",
    domain="overview",  # no domain of its own, as the overview: its as-of day is the latest of any flow
    path="/profile",
    tiles={
        "org": TileSpec(
            metrics=tuple(m for _, ms in TILE_GROUPS for m in ms), fetch=fetch_profile_tiles, layout="groups"
        )
    },
    panels=(
        PanelSpec(
            key="rank",
            title_key="profile_page.rank.title",
            hint_key="profile_page.rank.hint",
            kind="graph",
            fetch=fetch_peer_ranks,
            build=make_peer_rank_figure,
        ),
        # every domain's open alerts (the page's domain is none of the four)
        replace(open_alerts_panel(), wall=False),
        # On the wall, two quota charts under the tiles: the grouped tiles take two rows there, and
        # a second row of panels (20em each at the least) would push the page past one screen.
        _domain_panel("energy", in_domain("energy", fetch_projection_panel), make_projection_figure, wall=True),
        _domain_panel("vehicle", in_domain("vehicle", fetch_fleet_by_class), make_fleet_class_figure, wall=True),
        _domain_panel("asset", fetch_asset_units, make_asset_units_figure, wall=False, drills="org"),
        _domain_panel("housing", fetch_office_area, make_office_area_figure, wall=False),
    ),
    leaf=None,
)

__all__ = [
    "PEER_COLUMNS",
    "PROFILE_PAGE",
    "RANK_INDICATORS",
    "TILE_GROUPS",
    "domain_view",
    "fetch_peer_ranks",
    "fetch_profile_tiles",
    "make_peer_rank_figure",
    "peer_standing",
]
