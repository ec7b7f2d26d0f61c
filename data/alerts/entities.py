"""The entities an alert can be about, as SQL: each kind's table with ``id``, ``org_id``, ``code``,
``name_zh``, ``name_en`` and the columns its scope filters test, plus the few dialect helpers the
indicator SQL needs (day arithmetic differs between SQLite and PostgreSQL).

Entity kinds: ``org``, ``building``, ``vehicle``, ``asset``, ``room`` (an office room; code
``<building code>/<room no>``), ``housing_unit``, ``meter`` and ``source`` (a data source; its org
is the lowest org node holding all its meters' buildings, the province root when it has none —
worked out after the query, see ``indicators``).
"""

from __future__ import annotations

from dataclasses import dataclass

from data.models.vehicle import VEHICLE_CLASSES

ENTITY_KINDS = ("org", "building", "vehicle", "asset", "room", "housing_unit", "meter", "source")
ORG_LEVELS = ("province", "city", "county", "agency")


@dataclass(frozen=True)
class EntitySql:
    """A kind's entity table: ``sql`` selects ``id, org_id, code, name_zh, name_en`` and ``filters``
    maps each scope-filter key to (column, allowed values or None for any)."""

    sql: str
    filters: dict[str, tuple[str, tuple[str, ...] | None]]


ENTITY_SQL: dict[str, EntitySql] = {
    "org": EntitySql(
        "SELECT id, id AS org_id, code, name_zh, name_en, level AS f_org_level FROM org_node WHERE retired_on IS NULL",
        {"org_level": ("f_org_level", ORG_LEVELS)},
    ),
    "building": EntitySql(
        "SELECT id, org_id, code, name_zh, name_en, use_type AS f_use_type, code AS f_building "
        "FROM building WHERE retired_on IS NULL",
        {"use_type": ("f_use_type", None), "building": ("f_building", None)},
    ),
    "vehicle": EntitySql(
        "SELECT id, org_id, plate AS code, model AS name_zh, model AS name_en, vehicle_class AS f_vehicle_class, "
        "energy_type AS f_energy_type, rated_consumption AS rated FROM vehicle WHERE status != 'disposed'",
        {"vehicle_class": ("f_vehicle_class", VEHICLE_CLASSES), "energy_type": ("f_energy_type", None)},
    ),
    "asset": EntitySql(
        "SELECT a.id, a.org_id, a.code, a.name_zh, COALESCE(a.name_en, a.name_zh) AS name_en, "
        "c.code AS f_asset_category, a.status, a.status_since, a.custodian_name, a.last_audit_on, a.acquired_on "
        "FROM asset a JOIN asset_category c ON c.id = a.category_id WHERE a.status != 'disposed'",
        {"asset_category": ("f_asset_category", None)},
    ),
    "room": EntitySql(
        "SELECT r.id, r.org_id, b.code || '/' || r.room_no AS code, b.name_zh || ' ' || r.room_no AS name_zh, "
        "b.name_en || ' ' || r.room_no AS name_en, b.code AS f_building, r.usable_area_m2 AS area "
        "FROM office_room r JOIN building b ON b.id = r.building_id WHERE r.purpose = 'office'",
        {"building": ("f_building", None)},
    ),
    "housing_unit": EntitySql(
        "SELECT id, org_id, code, code AS name_zh, code AS name_en FROM housing_unit",
        {},
    ),
    "meter": EntitySql(
        "SELECT m.id, b.org_id, m.code, b.name_zh || ' ' || m.code AS name_zh, b.name_en || ' ' || m.code AS name_en, "
        "m.kind AS f_meter_kind, b.code AS f_building FROM meter m JOIN building b ON b.id = m.building_id "
        "WHERE m.active AND m.retired_on IS NULL",
        {"meter_kind": ("f_meter_kind", ("electricity", "water", "gas", "heat")), "building": ("f_building", None)},
    ),
    "source": EntitySql(
        # org_id is refined after the query (the meters' lowest common org); the root stands in.
        "SELECT s.id, (SELECT MIN(id) FROM org_node WHERE parent_id IS NULL) AS org_id, s.code, s.name_zh, s.name_en, "
        "s.domain AS f_source_domain, s.last_success_at, s.stale_after_seconds, "
        "(SELECT MIN(o.path) FROM meter m JOIN building b ON b.id = m.building_id JOIN org_node o ON o.id = b.org_id "
        " WHERE m.source_id = s.id) AS min_path, "
        "(SELECT MAX(o.path) FROM meter m JOIN building b ON b.id = m.building_id JOIN org_node o ON o.id = b.org_id "
        " WHERE m.source_id = s.id) AS max_path "
        "FROM data_source s WHERE s.enabled",
        {"source_domain": ("f_source_domain", ("energy", "vehicle", "asset", "housing", "reference"))},
    ),
}


def days_between(dialect: str, later: str, earlier: str) -> str:
    """SQL for the whole days from ``earlier`` to ``later`` (both dates)."""
    if dialect == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


def seconds_between(dialect: str, later: str, earlier: str) -> str:
    """SQL for the seconds from timestamp ``earlier`` to timestamp ``later``."""
    if dialect == "sqlite":
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
    return f"EXTRACT(EPOCH FROM (CAST({later} AS TIMESTAMP) - CAST({earlier} AS TIMESTAMP)))"


def common_org(min_path, max_path, default: int) -> int:
    """The lowest org node whose subtree holds both materialised paths (their common prefix)."""
    if not isinstance(min_path, str) or not isinstance(max_path, str):
        return default
    parts_a, parts_b = min_path.strip("/").split("/"), max_path.strip("/").split("/")
    common = []
    for a, b in zip(parts_a, parts_b, strict=False):
        if a != b:
            break
        common.append(a)
    return int(common[-1]) if common else default
