"""The declaration types: a page, its tiles, its panels, its drill levels, and a grid's columns.

A new panel is one ``PanelSpec`` in a page's ``panels`` plus its query and builder:

* ``fetch(conn, view) -> DataFrame`` reads the roll-ups for a resolved ``ViewContext``;
* ``build(frame, *, lang, theme, font_size, **options) -> go.Figure`` draws a ``graph`` panel
  (a ``grid`` panel is drawn from its ``columns``; an ``alerts`` panel by the alerts list);
* ``options(view) -> dict`` passes what the builder needs from the request (the highlighted
  unit, the indicator's unit) as plain values, since builders never see a connection.

Points of a graph panel and rows of a grid panel carry a drill target (``"org:12"``,
``"building:345"``, ``"vehicle:9"``, ``"asset:7"``, ``"room:88"``, ``"dwelling:4"``; see
``drill_target``): clicking one opens that entity on
the same page, keeping the period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

PANEL_KINDS = ("graph", "grid", "alerts")
#: The most KPI tiles a wall screen shows: one row across the screen.
WALL_TILES = 8
DRILL_KINDS = ("org", "building", "vehicle", "asset", "room", "dwelling")

Fetch = Callable[..., pd.DataFrame]  # (conn, view: ViewContext) -> frame
Build = Callable[..., Any]  # (frame, *, lang, theme, font_size, **options) -> go.Figure
Options = Callable[..., Mapping[str, Any]]  # (view: ViewContext) -> builder options


def drill_target(kind: str, entity_id: int) -> str:
    """The drill target a point or row carries: ``"<kind>:<id>"``."""
    if kind not in DRILL_KINDS:
        raise ValueError(f"unknown drill kind {kind!r}")
    return f"{kind}:{int(entity_id)}"


def parse_drill_target(value: Any) -> tuple[str, int] | None:
    """``(kind, id)`` from a drill target (a point's ``customdata``, or its first element); None
    for anything else, so a point without a target is simply not a link."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    kind, _, number = value.partition(":")
    if kind not in DRILL_KINDS or not number.isdigit():
        return None
    return kind, int(number)


@dataclass(frozen=True)
class GridColumn:
    """One column of a grid panel.

    ``kind`` says how the value is shown and exported: ``text``, ``number`` (with ``decimals``),
    ``percent`` (a fraction shown ×100), ``date``, ``datetime`` or ``personal`` (masked for roles
    without personal data, by the query). ``title_key`` is a message key.
    """

    field: str
    title_key: str
    kind: str = "text"
    decimals: int = 0
    unit: str | None = None
    width: int | None = None
    pinned: bool = False


@dataclass(frozen=True)
class PanelSpec:
    """One panel of a page.

    Attributes:
        key: unique within the page; the panel's id and its anchor in the URL.
        title_key: the panel title's message key.
        kind: ``graph``, ``grid`` or ``alerts``.
        fetch: the panel's query.
        build: a ``graph`` panel's figure builder.
        options: the builder's per-request options.
        columns: a ``grid`` panel's columns.
        show_at: the entity kinds the panel belongs to (``org``, ``building``, ``vehicle``).
        org_levels: for ``org``, the node levels it shows at (None: all).
        width: columns of the page grid it spans (1 or 2).
        hint_key: a line under the title saying what the panel answers (message key).
        drills: the kind of entity a click opens (None: not clickable).
        export: a grid panel offers CSV and XLSX export.
        wall: the panel is on the page's wall-screen version (dark theme), which shows the tiles
            and its wall panels on one screen that never scrolls; lists and detail stay on desks.
    """

    key: str
    title_key: str
    kind: str
    fetch: Fetch
    build: Build | None = None
    options: Options | None = None
    columns: tuple[GridColumn, ...] = ()
    show_at: tuple[str, ...] = ("org",)
    org_levels: tuple[str, ...] | None = None
    width: int = 1
    hint_key: str | None = None
    drills: str | None = None
    export: bool = True
    wall: bool = False

    def __post_init__(self):
        if self.kind not in PANEL_KINDS:
            raise ValueError(f"panel {self.key}: unknown kind {self.kind!r}")
        if self.kind == "graph" and self.build is None:
            raise ValueError(f"panel {self.key}: a graph panel needs a figure builder")
        if self.kind == "grid" and not self.columns:
            raise ValueError(f"panel {self.key}: a grid panel needs columns")

    def shows_at(self, entity_kind: str, org_level: str | None = None) -> bool:
        if entity_kind not in self.show_at:
            return False
        return entity_kind != "org" or self.org_levels is None or org_level in self.org_levels


@dataclass(frozen=True)
class TileSpec:
    """The KPI tiles of one entity kind: the metric ids shown, in order, and the query that reads
    them (``fetch(conn, view) -> KPI frame`` with ``data.queries.kpi.KPI_COLUMNS``).

    ``layout`` is ``tiles`` (one row) or ``groups`` (grouped by the frame's ``domain`` column,
    each group linking to its domain's page for the same unit: the overview).

    ``wall`` names the metrics the wall screen shows, at most ``WALL_TILES`` so that they fit one
    row (a page with more tiles than that picks the ones read from across the room); empty: all."""

    metrics: tuple[str, ...]
    fetch: Fetch
    layout: str = "tiles"
    wall: tuple[str, ...] = ()

    def __post_init__(self):
        if len(self.wall or self.metrics) > WALL_TILES and self.layout == "tiles":
            raise ValueError(f"a wall shows at most {WALL_TILES} tiles in a row; name them in TileSpec.wall")
        unknown = set(self.wall) - set(self.metrics)
        if unknown:
            raise ValueError(f"wall tiles {sorted(unknown)} are not among the tiles")


@dataclass(frozen=True)
class PageSpec:
    """A declared page.

    Attributes:
        key: the page key (``energy``); ids and messages hang off it (``page.<key>.heading``).
        domain: the catalog domain anchoring the data's as-of day.
        path: the URL path.
        tiles: the tiles per entity kind (``org``, ``building``, ``vehicle``).
        panels: the panels, in reading order.
        leaf: the entity below the org tree's agencies (``building``, ``vehicle``, ``asset``), or None.
        below: what each leaf entity kind opens in turn (the housing page: a building's office
            rooms and turnover-housing units, ``{"building": ("room", "dwelling")}``).
        indicators: the metric ids a user can choose for the trend and the ranking; the first
            is the default.
        periods: whether the page has the period selector.
    """

    key: str
    domain: str
    path: str
    tiles: Mapping[str, TileSpec]
    panels: tuple[PanelSpec, ...]
    leaf: str | None = None
    indicators: tuple[str, ...] = ()
    periods: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)
    below: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def panel(self, key: str) -> PanelSpec:
        for panel in self.panels:
            if panel.key == key:
                return panel
        raise KeyError(f"page {self.key} has no panel {key!r}")

    def panels_at(self, entity_kind: str, org_level: str | None = None, *, wall: bool = False) -> tuple[PanelSpec, ...]:
        return tuple(p for p in self.panels if p.shows_at(entity_kind, org_level) and (p.wall or not wall))

    def default_metric(self) -> str | None:
        return self.indicators[0] if self.indicators else None
