"""The asset register checked against its other sources (多源校核), and redeployment matching
(调剂匹配): what the warehouse can offer before anyone buys.

Both read the register as it stands (the current status and unit of each asset), the movements
and audits recorded and the requests open now; values are net book values at the data's as-of
day. Scope and caps as in ``asset_lists``: the view's subtree only (assets and requests both),
rows carry ``_drill`` (``"asset:<id>"``) and ``total``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from data.calendar import configured_calendar
from data.models import OrgNode
from data.models.asset import Asset, AssetAudit, AssetCategory, AssetMovement, AssetRequest

from .asset_lists import (
    DEPRECIATION_SELECT,
    as_date,
    asset_select,
    check_scope,
    identity_select,
    net_values_of,
    reference_day,
    with_drill,
)
from .view import ViewContext

CROSSCHECK_LIMIT = 1000
MATCH_LIMIT = 1000
#: Discrepancy kinds, in display order (message keys ``asset_lists.discrepancy.<kind>``).
DISCREPANCY_KINDS = (
    "status_vs_movement",  # the register's status is not the last movement's to_status
    "unit_vs_movement",  # the register's unit is not the last movement's to_org
    "redeploy_unit",  # ... and that movement was a redeployment (调剂 to another unit)
    "warehouse_without_movement",  # in the warehouse by the register, never sent there
    "audit_missing",  # in use by the register, not found at the latest audit
    "audit_mismatch",  # in use by the register, the latest audit found it not as booked
)
#: The statuses whose assets the warehouse can offer.
OFFERABLE = ("idle", "warehouse")

_IDENTITY = [
    "_drill",
    "asset_id",
    "code",
    "name_zh",
    "name_en",
    "category_id",
    "category_name_zh",
    "category_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
]
CROSSCHECK_COLUMNS = [
    *_IDENTITY,
    "kind",
    "register_status",
    "register_org_name_zh",
    "register_org_name_en",
    "source_status",
    "source_org_name_zh",
    "source_org_name_en",
    "source_result",
    "day",
    "total",
]
MATCH_COLUMNS = [
    *_IDENTITY,
    "status",
    "net_value_yuan",
    "request_id",
    "request_org_id",
    "request_org_name_zh",
    "request_org_name_en",
    "request_category_name_zh",
    "request_category_name_en",
    "requested_on",
    "quantity",
    "match_level",
    "total",
]


# --- the cross-check -----------------------------------------------------------------------------


# Built once (building a statement costs more than a county's read), joined to the subtree's
# assets by the path range so the asset_id indexes serve them without a parameter per asset.
# The units as a subquery: SQLite (without statistics) then seeks each unit's assets by the
# (org_id, status) index rather than walking every in-use asset by status.
_UNITS = select(OrgNode.id).where(OrgNode.path >= bindparam("lo"), OrgNode.path < bindparam("hi"))
_MOVES = (
    select(
        AssetMovement.asset_id,
        AssetMovement.id,
        AssetMovement.ts,
        AssetMovement.kind,
        AssetMovement.to_status,
        AssetMovement.to_org_id,
    )
    .join(Asset, Asset.id == AssetMovement.asset_id)
    .where(Asset.org_id.in_(_UNITS), Asset.status != "disposed")
)
_AUDITS = (
    select(AssetAudit.asset_id, AssetAudit.id, AssetAudit.audited_on, AssetAudit.result)
    .join(Asset, Asset.id == AssetAudit.asset_id)
    .where(Asset.org_id.in_(_UNITS), Asset.status == "in_use")
)


def fetch_asset_crosscheck(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Discrepancies between the register and the movements and audits of the subtree's assets.

    Against the movements (each asset's latest movement naming a status, and its latest naming a
    unit, by time): ``status_vs_movement`` when the register's status differs from that movement's
    ``to_status`` (the register says in use, the last movement sent it to the warehouse);
    ``unit_vs_movement`` when the register's unit differs from that movement's ``to_org``,
    ``redeploy_unit`` when that movement is a redeployment; ``warehouse_without_movement`` for an
    asset the register has in the warehouse without any ``to_warehouse`` movement. Against the
    audits: ``audit_missing`` / ``audit_mismatch`` when the asset's latest audit did not find it
    (or found it not as booked) while the register says it is in use.

    Returns:
        DataFrame with ``CROSSCHECK_COLUMNS``: identity (the register's unit), ``kind`` (one of
        ``DISCREPANCY_KINDS``), what the register says (``register_status``, and for a unit
        discrepancy ``register_org_name_zh``/``_en``), what the other source says
        (``source_status``, ``source_org_name_zh``/``_en``, ``source_result``), ``day`` (the
        movement's local day or the audit's day, the register's ``status_since`` for a warehouse
        asset without a movement), ``total`` discrepancies before the cap (``CROSSCHECK_LIMIT``).
        Newest first, then by kind and code.
    """
    check_scope(view)
    path = view.node["path"]
    # The subtree's held assets (the path range, then the org_id index), their movements and
    # audits through the asset (a county's few thousand rows), judged here: window functions
    # over a join of the whole movement and audit tables cost more than the rows they return,
    # and PostgreSQL scanned those tables to hash-join them.
    held = {
        int(i): (status, int(org), since)
        for i, status, org, since in conn.execute(
            select(Asset.id, Asset.status, Asset.org_id, Asset.status_since)
            .join(OrgNode, OrgNode.id == Asset.org_id)
            .where(OrgNode.path >= path, OrgNode.path < path + "~", Asset.status != "disposed")
        ).all()
    }
    by_status: dict[int, tuple] = {}  # asset -> ((ts, id), ts, to_status)
    by_unit: dict[int, tuple] = {}  # asset -> ((ts, id), ts, kind, to_org)
    sent: set[int] = set()
    subtree = {"lo": path, "hi": path + "~"}
    for asset_id, move_id, ts, kind, to_status, to_org in conn.execute(_MOVES, subtree).all():
        key = (ts, move_id)
        if kind == "to_warehouse":
            sent.add(asset_id)
        if to_status is not None and (asset_id not in by_status or key > by_status[asset_id][0]):
            by_status[asset_id] = (key, ts, to_status)
        if to_org is not None and (asset_id not in by_unit or key > by_unit[asset_id][0]):
            by_unit[asset_id] = (key, ts, kind, int(to_org))
    audited: dict[int, tuple] = {}  # asset -> ((day, id), day, result)
    for asset_id, audit_id, day, result in conn.execute(_AUDITS, subtree).all():
        key = (day, audit_id)
        if asset_id not in audited or key > audited[asset_id][0]:
            audited[asset_id] = (key, day, result)
    rows: list[dict] = []
    calendar = configured_calendar()
    for asset_id, (_, ts, to_status) in by_status.items():
        status = held[asset_id][0]
        # A warehoused asset never sent there is listed once, as that (below).
        if to_status != status and (status != "warehouse" or asset_id in sent):
            rows.append(_row(asset_id, "status_vs_movement", status, calendar.local_day(ts), to_status))
    for asset_id, (_, ts, kind, to_org) in by_unit.items():
        status, org, _ = held[asset_id]
        if to_org != org:
            kind = "redeploy_unit" if kind == "redeploy" else "unit_vs_movement"
            rows.append({**_row(asset_id, kind, status, calendar.local_day(ts)), "source_org_id": to_org})
    for asset_id, (status, _, since) in held.items():
        if status == "warehouse" and asset_id not in sent:
            rows.append(_row(asset_id, "warehouse_without_movement", "warehouse", as_date(since)))
    for asset_id, (_, day, result) in audited.items():
        if result in ("missing", "mismatch"):
            rows.append({**_row(asset_id, f"audit_{result}", "in_use", as_date(day)), "source_result": result})
    if not rows:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    names = _org_names(conn, {r["source_org_id"] for r in rows if r["source_org_id"] is not None})
    identity = {
        int(r[0]): r
        for chunk in _chunks(sorted({r["asset_id"] for r in rows}))
        for r in conn.execute(asset_select(*identity_select()).where(Asset.id.in_(chunk))).all()
    }
    order = {k: i for i, k in enumerate(DISCREPANCY_KINDS)}
    # Newest first, then by kind and code: the day's ordinal negated sorts descending.
    rows.sort(key=lambda r: (-r["day"].toordinal(), order[r["kind"]], identity[r["asset_id"]][1]))
    total = len(rows)
    records = []
    for r in rows[:CROSSCHECK_LIMIT]:
        who = dict(zip(_IDENTITY[1:], identity[r["asset_id"]]))
        unit_kind = r["kind"] in ("unit_vs_movement", "redeploy_unit")
        source = names.get(r["source_org_id"], (None, None))
        records.append(
            {
                **who,
                **r,
                "register_org_name_zh": who["org_name_zh"] if unit_kind else None,
                "register_org_name_en": who["org_name_en"] if unit_kind else None,
                "source_org_name_zh": source[0],
                "source_org_name_en": source[1],
                "total": total,
            }
        )
    return with_drill(pd.DataFrame(records))[CROSSCHECK_COLUMNS]


def _chunks(ids: list[int], size: int = 5000):
    """``ids`` in slices small enough for one statement's parameters (SQLite's limit)."""
    return [ids[k : k + size] for k in range(0, len(ids), size)] if ids else []


def _row(asset_id, kind: str, register_status, day, source_status=None) -> dict:
    return {
        "asset_id": int(asset_id),
        "kind": kind,
        "register_status": register_status,
        "source_status": source_status,
        "source_org_id": None,
        "source_result": None,
        "day": day,
    }


def _org_names(conn: Connection, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = conn.execute(select(OrgNode.id, OrgNode.name_zh, OrgNode.name_en).where(OrgNode.id.in_(sorted(ids))))
    return {int(i): (zh, en) for i, zh, en in rows}


# --- redeployment matching -----------------------------------------------------------------------


def category_family(parent_of: Mapping[int, int | None], category_id: int) -> set[int]:
    """``category_id`` and every category under it."""
    family = {category_id}
    grown = True
    while grown:
        grown = False
        for child, parent in parent_of.items():
            if parent in family and child not in family:
                family.add(child)
                grown = True
    return family


def match_requests(assets: pd.DataFrame, requests: pd.DataFrame, parent_of: Mapping[int, int | None]) -> pd.DataFrame:
    """Greedy redeployment matching: each open request is offered the most valuable available
    assets of its category held by another unit.

    Requests are served oldest first (``requested_on``, then ``request_id``), each up to its
    ``quantity``, with the available assets of its category (the category or any category under
    it) held by another unit, highest net value first (then the lower ``asset_id``). Only then, in
    a second round in the same order, does a request still short take assets of its category's
    parent family (the parent and everything under it), so a fallback never takes an asset
    another request matches exactly. An asset is offered once.

    Args:
        assets: ``asset_id``, ``org_id``, ``category_id``, ``net_value_yuan``.
        requests: ``request_id``, ``org_id``, ``category_id``, ``quantity``, ``requested_on``.
        parent_of: ``{category_id: parent_id or None}`` for every category.

    Returns:
        DataFrame with ``request_id``, ``asset_id``, ``match_level`` (``exact`` or ``parent``), one
        row per proposed match, ordered by the asset's net value (highest first), then ``asset_id``.
    """
    columns = ["request_id", "asset_id", "match_level"]
    if assets.empty or requests.empty:
        return pd.DataFrame(columns=columns)
    # numpy and plain tuples: a frame's sort and records cost more than the matching itself
    order = np.lexsort((assets["asset_id"].to_numpy(dtype=np.int64), -assets["net_value_yuan"].to_numpy(dtype=float)))
    asset_ids = assets["asset_id"].to_numpy(dtype=np.int64)[order]
    holder = assets["org_id"].to_numpy(dtype=np.int64)[order]
    category = assets["category_id"].to_numpy(dtype=np.int64)[order]
    taken = np.zeros(len(order), dtype=bool)
    queue = sorted(
        zip(
            requests["requested_on"].tolist(),
            [int(v) for v in requests["request_id"]],
            [int(v) for v in requests["org_id"]],
            [int(v) for v in requests["category_id"]],
            [max(int(v), 0) for v in requests["quantity"]],
        )
    )
    wanted = {rid: quantity for _, rid, _, _, quantity in queue}
    families: dict[int, np.ndarray] = {}

    def family_mask(category_id) -> np.ndarray:
        if category_id is None:
            return np.zeros(len(order), dtype=bool)
        category_id = int(category_id)
        if category_id not in families:
            families[category_id] = np.isin(category, sorted(category_family(parent_of, category_id)))
        return families[category_id]

    matches: list[tuple[int, int, str, int]] = []
    for level in ("exact", "parent"):
        for _, rid, org, cat, _ in queue:
            if not wanted[rid]:
                continue
            mask = family_mask(cat if level == "exact" else parent_of.get(cat))
            candidates = np.flatnonzero(mask & ~taken & (holder != org))[: wanted[rid]]
            taken[candidates] = True
            wanted[rid] -= len(candidates)
            matches.extend((rid, int(asset_ids[i]), level, int(i)) for i in candidates)
    matches.sort(key=lambda m: m[3])
    return pd.DataFrame([m[:3] for m in matches], columns=columns)


def fetch_redeploy_matches(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Idle and warehoused assets of the subtree matched to the subtree's open requests of other
    units (``match_requests``), ranked by net book value at the as-of day.

    Returns:
        DataFrame with ``MATCH_COLUMNS``: the asset's identity (its holder unit), ``status``,
        ``net_value_yuan``; the request's ``request_id``, ``request_org_id``,
        ``request_org_name_zh``/``_en``, ``request_category_name_zh``/``_en``, ``requested_on``,
        ``quantity``; ``match_level`` (``exact`` or ``parent``); ``total`` matches before the cap
        (``MATCH_LIMIT``).
    """
    check_scope(view)
    path = view.node["path"]
    r = AssetRequest
    found = conn.execute(
        select(
            r.id.label("request_id"),
            r.org_id,
            r.category_id,
            r.quantity,
            r.requested_on,
            OrgNode.name_zh.label("request_org_name_zh"),
            OrgNode.name_en.label("request_org_name_en"),
            AssetCategory.name_zh.label("request_category_name_zh"),
            AssetCategory.name_en.label("request_category_name_en"),
        )
        .join(OrgNode, OrgNode.id == r.org_id)
        .join(AssetCategory, AssetCategory.id == r.category_id)
        .where(r.status == "open", OrgNode.path >= path, OrgNode.path < path + "~")
    )
    keys = list(found.keys())
    by_request = {int(row[0]): dict(zip(keys, row)) for row in found.all()}
    if not by_request:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    for request in by_request.values():
        request["requested_on"] = as_date(request["requested_on"])
    # Only what the matching reads: the names stay in ``by_request``.
    requests = pd.DataFrame(
        {key: [q[key] for q in by_request.values()] for key in keys[:5]},
        columns=keys[:5],
    )
    parent_of = {int(c): (int(p) if p is not None else None) for c, p in conn.execute(
        select(AssetCategory.id, AssetCategory.parent_id))}  # fmt: skip
    wanted: set[int] = set()
    for category_id in {int(c) for c in requests["category_id"]}:
        top = parent_of.get(category_id)
        wanted |= category_family(parent_of, top if top is not None else category_id)
    # Only what the matching needs for the offerable assets (a few thousand in a province), the
    # status index first; names are read for the matched ones only.
    # The subtree's units by the path index, then their few offerable assets by the (org_id,
    # status) index (migration 0008). ``category_id + 0`` keeps the category index out of the
    # plan: SQLite, without statistics, would otherwise walk every asset of those categories.
    units = select(OrgNode.id).where(OrgNode.path >= path, OrgNode.path < path + "~")
    offered = conn.execute(
        select(Asset.id.label("asset_id"), Asset.org_id, Asset.category_id, *DEPRECIATION_SELECT)
        .join(AssetCategory, AssetCategory.id == Asset.category_id)
        .where(
            Asset.org_id.in_(units),
            Asset.status.in_(OFFERABLE),
            (Asset.category_id + 0).in_(sorted(wanted)),
        )
    ).all()
    if not offered:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    # Numbers only in the frame the matching reads (string columns are what a frame costs).
    asset_id, org_id, category_id, original, acquired, life, method, residual = zip(*offered)
    assets = pd.DataFrame(
        {
            "asset_id": np.array(asset_id, dtype=np.int64),
            "org_id": np.array(org_id, dtype=np.int64),
            "category_id": np.array(category_id, dtype=np.int64),
            "net_value_yuan": net_values_of(original, acquired, life, method, residual, reference_day(view)),
        }
    )
    matches = match_requests(assets, requests, parent_of)
    if matches.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    total = len(matches)
    matches = matches.head(MATCH_LIMIT)
    # Assembled from dicts: pandas merges of a few hundred rows cost more than the statements.
    fields = [*_IDENTITY[1:], "status"]
    named = {
        int(row[0]): dict(zip(fields, row))
        for chunk in _chunks(sorted({int(v) for v in matches["asset_id"]}))
        for row in conn.execute(asset_select(*identity_select(), Asset.status).where(Asset.id.in_(chunk))).all()
    }
    value = dict(zip(assets["asset_id"].tolist(), assets["net_value_yuan"].tolist()))
    records = []
    for request_id, asset_id, level in zip(matches["request_id"], matches["asset_id"], matches["match_level"]):
        asset_id, request = int(asset_id), by_request[int(request_id)]
        records.append(
            {
                **named[asset_id],
                "net_value_yuan": value[asset_id],
                "request_id": int(request_id),
                "request_org_id": request["org_id"],
                "request_org_name_zh": request["request_org_name_zh"],
                "request_org_name_en": request["request_org_name_en"],
                "request_category_name_zh": request["request_category_name_zh"],
                "request_category_name_en": request["request_category_name_en"],
                "requested_on": request["requested_on"],
                "quantity": request["quantity"],
                "match_level": level,
                "total": total,
            }
        )
    return with_drill(pd.DataFrame(records))[MATCH_COLUMNS]


__all__ = [
    "CROSSCHECK_COLUMNS",
    "CROSSCHECK_LIMIT",
    "DISCREPANCY_KINDS",
    "MATCH_COLUMNS",
    "MATCH_LIMIT",
    "OFFERABLE",
    "category_family",
    "fetch_asset_crosscheck",
    "fetch_redeploy_matches",
    "match_requests",
]
