"""What a declared page shows, resolved once per request: the entity (an org node, or one building,
vehicle, asset, office room or turnover-housing unit under it), the reporting period and its comparison period, and the selected indicator.

A page's URL says what to show (``?org=12&building=345&period=month&end=2026-11-30&cmp=yoy``);
``ViewRequest`` carries those values as plain, untrusted data, and ``resolve_view`` turns them
into a ``ViewContext`` within the user's scope with as few statements as it can: the entity
(one primary-key read), its org node (one), and the span of the domain's roll-ups (one or two).
Every panel query of a declared page takes ``(conn, ViewContext)`` and reads only what it needs
on top of it, so the node and the data span are resolved once per callback, never twice.

Periods are inclusive local date ranges clipped to the data (``as_of`` is the latest day in the
roll-ups): a month period in the middle of the as-of month is month to date, and its
year-on-year comparison covers the same days a year earlier, so a partial period is always
compared like with like.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from data.calendar import add_months, month_end, month_start, shift_years
from data.models import Asset, Building, HousingUnit, OfficeRoom, OrgNode, Vehicle
from data.scope import OrgNotFound, OutOfScope, Scope

from .org import ORG_COLUMNS, org_select
from .period import ANCHOR_METRICS
from .rollup_read import fetch_data_span

PERIOD_KINDS = ("day", "week", "month", "year", "custom")
COMPARISONS = ("yoy", "prev")
ENTITY_KINDS = ("org", "building", "vehicle", "asset", "room", "dwelling")
#: The entity kinds below the org tree, in the order a URL's parameters are read.
LEAF_KINDS = ENTITY_KINDS[1:]
DEFAULT_PERIOD = "month"
DEFAULT_COMPARISON = "yoy"
#: The longest custom period a page accepts: two years of days is what the roll-ups answer quickly.
MAX_CUSTOM_DAYS = 731


@dataclass(frozen=True)
class ViewRequest:
    """What the URL asks for, as plain values (validated by ``resolve_view``).

    ``building_id``, ``vehicle_id``, ``asset_id``, ``room_id`` (an office room) and
    ``dwelling_id`` (a turnover-housing unit) are exclusive; ``org_id`` None means the scope's root.
    ``end`` anchors the period (its last day); None means the latest day of the data.
    """

    org_id: int | None = None
    building_id: int | None = None
    vehicle_id: int | None = None
    asset_id: int | None = None
    room_id: int | None = None
    dwelling_id: int | None = None
    period: str = DEFAULT_PERIOD
    start: dt.date | None = None  # custom periods only
    end: dt.date | None = None
    compare: str = DEFAULT_COMPARISON
    metric: str | None = None


@dataclass(frozen=True)
class Period:
    """An inclusive date range of one kind, and how to compare it."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def comparison(self, how: str) -> Period:
        """The period to compare with: the same dates a year earlier (``yoy``), or the period of
        the same kind just before (``prev``: the previous day, week, month, year, or for a custom
        range the same number of days ending the day before it starts). A partial period's
        comparison covers the same number of days."""
        if how == "yoy":
            return Period(self.kind, shift_years(self.start, -1), shift_years(self.end, -1))
        if how != "prev":
            raise ValueError(f"unknown comparison {how!r}")
        if self.kind == "month":
            start = add_months(self.start, -1)
            end = min(month_end(start), start + dt.timedelta(days=self.days - 1))
            return Period(self.kind, start, end)
        if self.kind == "year":
            start = self.start.replace(year=self.start.year - 1)
            return Period(self.kind, start, shift_years(self.end, -1))
        length = {"day": 1, "week": 7}.get(self.kind, self.days)
        start = self.start - dt.timedelta(days=length)
        return Period(self.kind, start, start + dt.timedelta(days=self.days - 1))


def make_period(kind: str, end: dt.date, *, start: dt.date | None = None, as_of: dt.date | None = None) -> Period:
    """The period of ``kind`` whose last day is ``end`` (clipped to ``as_of``, the latest day of the data).

    ``day`` is that day; ``week`` the Monday-to-Sunday week holding it; ``month`` and ``year`` the
    calendar month and year; ``custom`` is ``start`` .. ``end`` (at most ``MAX_CUSTOM_DAYS``).
    A period running past ``as_of`` ends at ``as_of`` (to date).
    """
    if kind not in PERIOD_KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    if as_of is not None and end > as_of:
        end = as_of
    if kind == "day":
        first = end
    elif kind == "week":
        first = end - dt.timedelta(days=end.weekday())
        end = min(first + dt.timedelta(days=6), as_of or end)
    elif kind == "month":
        first = month_start(end)
        end = min(month_end(end), as_of or month_end(end))
    elif kind == "year":
        first = end.replace(month=1, day=1)
        year_end = end.replace(month=12, day=31)
        end = min(year_end, as_of or year_end)
    else:
        first = start or end
        if first > end:
            first, end = end, first
        first = max(first, end - dt.timedelta(days=MAX_CUSTOM_DAYS - 1))
    return Period(kind, first, end)


@dataclass(frozen=True)
class ViewContext:
    """A declared page's request resolved within the user's scope.

    Attributes:
        domain: the catalog domain (``energy``, ``vehicle`` …) whose roll-ups anchor ``as_of``.
        scope: the user's scope (panels that list people mask by it).
        node: the org node shown (a row of ``fetch_org``); for a building or a vehicle, its unit.
        entity_kind: ``org`` or one of ``LEAF_KINDS``.
        entity_id: the org node's or the entity's id.
        entity: the entity's row (``id``, ``code``, ``name_zh``, ``name_en``, ``org_id``, plus
            ``floor_area_m2`` for a building; ``vehicle_class``, ``energy_type``,
            ``rated_consumption`` for a vehicle; ``category_id``, ``status``, ``building_id`` for an
            asset; ``building_id``, ``building_name_zh``/``_en``, ``usable_area_m2``, ``purpose``
            for a room; ``building_id``, ``building_name_zh``/``_en``, ``area_m2``, ``rooms``,
            ``monthly_rent_yuan``, ``status`` for a dwelling); None for an org node.
        as_of: the latest day of the domain's data at the scope root (None: no data yet).
        first_day: where that data begins.
        period: the reporting period (None when there is no data).
        compare: ``yoy`` or ``prev``; ``compare_period`` the period compared with.
        metric: the selected indicator (a catalog id), or None for the page's default.
    """

    domain: str
    scope: Scope
    node: dict
    entity_kind: str = "org"
    entity_id: int = 0
    entity: dict | None = None
    as_of: dt.date | None = None
    first_day: dt.date | None = None
    period: Period | None = None
    compare: str = DEFAULT_COMPARISON
    compare_period: Period | None = None
    metric: str | None = None

    @property
    def org_id(self) -> int:
        return self.node["org_id"]

    @property
    def has_data(self) -> bool:
        return self.period is not None

    def covers(self, start: dt.date) -> bool:
        """Whether data exist from ``start`` on (a comparison reaching before the data would mislead)."""
        return self.first_day is None or start >= self.first_day

    def with_metric(self, metric: str | None) -> ViewContext:
        return replace(self, metric=metric)


_BUILDING = select(
    Building.id, Building.code, Building.name_zh, Building.name_en, Building.org_id, Building.floor_area_m2
)
_VEHICLE = select(
    Vehicle.id,
    Vehicle.plate,
    Vehicle.model,
    Vehicle.org_id,
    Vehicle.vehicle_class,
    Vehicle.energy_type,
    Vehicle.rated_consumption,
)
_ASSET = select(
    Asset.id,
    Asset.code,
    Asset.name_zh,
    func.coalesce(Asset.name_en, Asset.name_zh),
    Asset.org_id,
    Asset.category_id,
    Asset.status,
    Asset.building_id,
)
_ROOM = select(
    OfficeRoom.id,
    OfficeRoom.room_no,
    OfficeRoom.org_id,
    OfficeRoom.building_id,
    Building.name_zh,
    Building.name_en,
    OfficeRoom.usable_area_m2,
    OfficeRoom.purpose,
).join(Building, Building.id == OfficeRoom.building_id)
_DWELLING = select(
    HousingUnit.id,
    HousingUnit.code,
    HousingUnit.org_id,
    HousingUnit.building_id,
    Building.name_zh,
    Building.name_en,
    HousingUnit.area_m2,
    HousingUnit.rooms,
    HousingUnit.monthly_rent_yuan,
    HousingUnit.status,
).outerjoin(Building, Building.id == HousingUnit.building_id)

# kind -> (statement, its primary key column, the names of its row's values)
_ENTITY_READS = {
    "building": (_BUILDING, Building.id, ["id", "code", "name_zh", "name_en", "org_id", "floor_area_m2"]),
    "vehicle": (
        _VEHICLE,
        Vehicle.id,
        ["id", "plate", "model", "org_id", "vehicle_class", "energy_type", "rated_consumption"],
    ),
    "asset": (_ASSET, Asset.id, ["id", "code", "name_zh", "name_en", "org_id", "category_id", "status", "building_id"]),
    "room": (
        _ROOM,
        OfficeRoom.id,
        ["id", "code", "org_id", "building_id", "building_name_zh", "building_name_en", "usable_area_m2", "purpose"],
    ),
    "dwelling": (
        _DWELLING,
        HousingUnit.id,
        [
            "id",
            "code",
            "org_id",
            "building_id",
            "building_name_zh",
            "building_name_en",
            "area_m2",
            "rooms",
            "monthly_rent_yuan",
            "status",
        ],
    ),
}


def _entity_row(conn: Connection, kind: str, entity_id: int) -> dict:
    statement, key, names = _ENTITY_READS[kind]
    row = conn.execute(statement.where(key == entity_id)).first()
    if row is None:
        raise OrgNotFound(f"{kind} {entity_id} does not exist")
    values = dict(zip(names, row))
    if kind == "vehicle":  # a vehicle is named by its plate in both languages
        return {**values, "code": values["plate"], "name_zh": values["plate"], "name_en": values["plate"]}
    if kind == "room":  # a room by its building and number: "综合楼 305"
        return {
            **values,
            "name_zh": f"{values['building_name_zh']} {values['code']}",
            "name_en": f"{values['building_name_en'] or values['building_name_zh']} {values['code']}",
        }
    if kind == "dwelling":  # a turnover-housing unit by its code
        return {**values, "name_zh": values["code"], "name_en": values["code"]}
    if kind == "asset":  # an asset by its name and code: many are called "办公椅"
        return {
            **values,
            "name_zh": f"{values['name_zh']}（{values['code']}）",
            "name_en": f"{values['name_en']} ({values['code']})",
        }
    return values


def request_entity(request: ViewRequest) -> tuple[str, int] | None:
    """The entity below the org tree a request names, as ``(kind, id)`` (the first of
    ``LEAF_KINDS`` given), or None for an org node."""
    for kind in LEAF_KINDS:
        entity_id = getattr(request, f"{kind}_id")
        if entity_id is not None:
            return kind, int(entity_id)
    return None


def resolve_view(conn: Connection, scope: Scope, domain: str, request: ViewRequest) -> ViewContext:
    """``request`` resolved within ``scope`` for a page of ``domain``.

    Raises:
        OutOfScope: the org node or the entity lies outside the scope (or, for an org node, does
            not exist: a hand-edited URL learns nothing about other ids).
        OrgNotFound: the entity does not exist, or there is no org tree yet.
        ValueError: never for bad request values; unknown period kinds, comparisons and
            inverted ranges fall back to the defaults.
    """
    entity_kind, entity_id, entity = "org", None, None
    org_id = request.org_id
    named = request_entity(request)
    if named is not None:
        entity_kind, entity_id = named
        entity = _entity_row(conn, entity_kind, entity_id)
        org_id = entity["org_id"]
    node = _node(conn, scope, org_id)
    anchors = ANCHOR_METRICS.get(domain, ())
    first_day, as_of = fetch_data_span(conn, scope.org_id, anchors or None)
    compare = request.compare if request.compare in COMPARISONS else DEFAULT_COMPARISON
    period = compare_period = None
    if as_of is not None:
        kind = request.period if request.period in PERIOD_KINDS else DEFAULT_PERIOD
        end = request.end or as_of
        if first_day is not None and end < first_day:
            end = first_day
        period = make_period(kind, end, start=request.start, as_of=as_of)
        compare_period = period.comparison(compare)
    return ViewContext(
        domain=domain,
        scope=scope,
        node=node,
        entity_kind=entity_kind,
        entity_id=int(entity_id) if entity_id is not None else node["org_id"],
        entity=entity,
        as_of=as_of,
        first_day=first_day,
        period=period,
        compare=compare,
        compare_period=compare_period,
        metric=request.metric,
    )


def _node(conn: Connection, scope: Scope, org_id: int | None) -> dict:
    """``fetch_org`` in one statement: the row is read and its path checked against the scope."""
    wanted = scope.org_id if org_id is None else int(org_id)
    row = conn.execute(org_select().where(OrgNode.id == wanted)).first()
    if row is None:
        if org_id is None:  # the scope's own root is gone, or the tree was never loaded
            raise OrgNotFound(f"org node {wanted} does not exist")
        raise OutOfScope(f"org node {wanted} is outside the scope")
    node = dict(zip(ORG_COLUMNS, row))
    if not scope.contains(node["path"]):
        raise OutOfScope(f"org node {wanted} is outside the scope")
    return node


__all__ = [
    "COMPARISONS",
    "DEFAULT_COMPARISON",
    "DEFAULT_PERIOD",
    "ENTITY_KINDS",
    "LEAF_KINDS",
    "MAX_CUSTOM_DAYS",
    "PERIOD_KINDS",
    "Period",
    "ViewContext",
    "ViewRequest",
    "make_period",
    "request_entity",
    "resolve_view",
]
