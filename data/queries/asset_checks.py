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
from sqlalchemy import exists, func, not_, or_, select
from sqlalchemy.engine import Connection

from data.calendar import configured_calendar
from data.models import OrgNode
from data.models.asset import Asset, AssetAudit, AssetCategory, AssetMovement, AssetRequest

from .asset_lists import (
    DEPRECIATION_SELECT,
    as_date,
    asset_select,
    check_scope,
    frame_of,
    identity_select,
    net_values_at,
    reference_day,
    subtree_org_ids,
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
    ids = subtree_org_ids(conn, view)
    held = (Asset.org_id.in_(ids), Asset.status != "disposed")
    m = AssetMovement
    sent = exists().where(m.asset_id == Asset.id, m.kind == "to_warehouse")
    rows: list[dict] = []
    calendar = configured_calendar()
    # Each asset's latest movement naming a status (a unit), compared in SQL so that only the
    # discrepancies leave the database.
    status_moves = _latest(m.to_status.is_not(None), held)
    for asset_id, ts, _kind, to_status, _to_org, status, _org in conn.execute(
        _against(status_moves).where(
            status_moves.c.to_status != Asset.status,
            # A warehoused asset never sent there is listed once, as that (below).
            or_(Asset.status != "warehouse", sent),
        )
    ):
        rows.append(_row(asset_id, "status_vs_movement", status, calendar.local_day(ts), to_status))
    unit_moves = _latest(m.to_org_id.is_not(None), held)
    for asset_id, ts, kind, _to_status, to_org, status, _org in conn.execute(
        _against(unit_moves).where(unit_moves.c.to_org_id != Asset.org_id)
    ):
        kind = "redeploy_unit" if kind == "redeploy" else "unit_vs_movement"
        rows.append({**_row(asset_id, kind, status, calendar.local_day(ts)), "source_org_id": int(to_org)})
    for asset_id, since in conn.execute(
        select(Asset.id, Asset.status_since).where(*held, Asset.status == "warehouse", not_(sent))
    ):
        rows.append(_row(asset_id, "warehouse_without_movement", "warehouse", as_date(since)))
    a = AssetAudit
    latest_audit = (
        select(
            a.asset_id,
            a.audited_on,
            a.result,
            func.row_number().over(partition_by=a.asset_id, order_by=(a.audited_on.desc(), a.id.desc())).label("n"),
        )
        .join(Asset, Asset.id == a.asset_id)
        .where(Asset.org_id.in_(ids), Asset.status == "in_use")
        .subquery()
    )
    for asset_id, day, result in conn.execute(
        select(latest_audit.c.asset_id, latest_audit.c.audited_on, latest_audit.c.result).where(
            latest_audit.c.n == 1, latest_audit.c.result.in_(("missing", "mismatch"))
        )
    ):
        rows.append({**_row(asset_id, f"audit_{result}", "in_use", as_date(day)), "source_result": result})
    if not rows:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    found = pd.DataFrame(rows)
    names = _org_names(conn, {int(v) for v in found["source_org_id"].dropna()})
    found["source_org_name_zh"] = [names.get(o, (None, None))[0] for o in found["source_org_id"]]
    found["source_org_name_en"] = [names.get(o, (None, None))[1] for o in found["source_org_id"]]
    assets = frame_of(
        conn.execute(asset_select(*identity_select()).where(Asset.id.in_(sorted(set(found["asset_id"])))))
    )
    frame = found.merge(assets, on="asset_id", how="left")
    unit_kinds = frame["kind"].isin(["unit_vs_movement", "redeploy_unit"])
    frame["register_org_name_zh"] = frame["org_name_zh"].where(unit_kinds, None)
    frame["register_org_name_en"] = frame["org_name_en"].where(unit_kinds, None)
    order = {k: i for i, k in enumerate(DISCREPANCY_KINDS)}
    frame["_day"] = pd.to_datetime(frame["day"])
    frame["_kind"] = frame["kind"].map(order)
    frame = frame.sort_values(["_day", "_kind", "code"], ascending=[False, True, True]).reset_index(drop=True)
    total = len(frame)
    frame = frame.head(CROSSCHECK_LIMIT).copy()
    frame["total"] = total
    return with_drill(frame)[CROSSCHECK_COLUMNS]


def _latest(condition, held):
    """Each held asset's latest movement (by time, then id) meeting ``condition``."""
    m = AssetMovement
    return (
        select(
            m.asset_id,
            m.ts,
            m.kind,
            m.to_status,
            m.to_org_id,
            func.row_number().over(partition_by=m.asset_id, order_by=(m.ts.desc(), m.id.desc())).label("n"),
        )
        .join(Asset, Asset.id == m.asset_id)
        .where(*held, condition)
        .subquery()
    )


def _against(latest):
    """The latest movements beside the register's status and unit."""
    c = latest.c
    return (
        select(c.asset_id, c.ts, c.kind, c.to_status, c.to_org_id, Asset.status, Asset.org_id)
        .join(Asset, Asset.id == c.asset_id)
        .where(c.n == 1)
    )


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
    ranked = assets.sort_values(["net_value_yuan", "asset_id"], ascending=[False, True]).reset_index(drop=True)
    asset_ids = ranked["asset_id"].to_numpy(dtype=np.int64)
    holder = ranked["org_id"].to_numpy(dtype=np.int64)
    category = ranked["category_id"].to_numpy(dtype=np.int64)
    taken = np.zeros(len(ranked), dtype=bool)
    queue = requests.sort_values(["requested_on", "request_id"]).to_dict("records")
    wanted = {int(r["request_id"]): max(int(r["quantity"]), 0) for r in queue}
    families: dict[int, np.ndarray] = {}

    def family_mask(category_id) -> np.ndarray:
        if category_id is None:
            return np.zeros(len(ranked), dtype=bool)
        category_id = int(category_id)
        if category_id not in families:
            families[category_id] = np.isin(category, sorted(category_family(parent_of, category_id)))
        return families[category_id]

    matches: list[tuple[int, int, str, int]] = []
    for level in ("exact", "parent"):
        for request in queue:
            rid = int(request["request_id"])
            if not wanted[rid]:
                continue
            cat = int(request["category_id"])
            mask = family_mask(cat if level == "exact" else parent_of.get(cat))
            candidates = np.flatnonzero(mask & ~taken & (holder != int(request["org_id"])))[: wanted[rid]]
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
    requests = frame_of(
        conn.execute(
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
    )
    if requests.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    parent_of = {int(c): (int(p) if p is not None else None) for c, p in conn.execute(
        select(AssetCategory.id, AssetCategory.parent_id))}  # fmt: skip
    wanted: set[int] = set()
    for category_id in {int(c) for c in requests["category_id"]}:
        top = parent_of.get(category_id)
        wanted |= category_family(parent_of, top if top is not None else category_id)
    # Only what the matching needs for the offerable assets (a few thousand in a province), the
    # status index first; names are read for the matched ones only.
    assets = frame_of(
        conn.execute(
            select(Asset.id.label("asset_id"), Asset.org_id, Asset.category_id, *DEPRECIATION_SELECT)
            .join(AssetCategory, AssetCategory.id == Asset.category_id)
            .join(OrgNode, OrgNode.id == Asset.org_id)
            .where(
                Asset.status.in_(OFFERABLE),
                # Not a range on the path index: the few offerable assets are found by status.
                func.substr(OrgNode.path, 1, len(path)) == path,
                Asset.category_id.in_(sorted(wanted)),
            )
        )
    )
    if assets.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    assets["net_value_yuan"] = net_values_at(assets, reference_day(view))
    requests["requested_on"] = [as_date(v) for v in requests["requested_on"]]
    matches = match_requests(assets, requests, parent_of)
    if matches.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    total = len(matches)
    matches = matches.head(MATCH_LIMIT)
    named = frame_of(
        conn.execute(
            asset_select(*identity_select(), Asset.status).where(Asset.id.in_([int(v) for v in matches["asset_id"]]))
        )
    )
    frame = (
        matches.merge(assets[["asset_id", "net_value_yuan"]], on="asset_id", how="left")
        .merge(named, on="asset_id", how="left")
        .merge(
            requests.rename(columns={"org_id": "request_org_id", "category_id": "request_category_id"}),
            on="request_id",
            how="left",
        )
    )
    frame["total"] = total
    return with_drill(frame)[MATCH_COLUMNS]


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
