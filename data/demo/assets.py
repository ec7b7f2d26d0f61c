"""Fixed assets: the register, movements (acquisition, idling, the public property warehouse 公物仓,
redeployment 调剂, disposal), yearly physical audits (盘点) and open requests.

The category tree and its useful lives are the reference data ``data.seed`` stores in every
database (``data.reference.ASSET_CATEGORIES``); the demo draws its assets from those rows.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import AssetCategory
from ..rollup import insert_frame
from .context import BuildContext, local_to_utc

# How common each leaf category of the seeded tree (``data.reference.ASSET_CATEGORIES``) is among an
# agency's assets, and its typical price in yuan.
LEAF_PROFILE = MappingProxyType(
    {
        "A020101": (0.16, 5200),
        "A020102": (0.08, 7200),
        "A020103": (0.01, 65000),
        "A020201": (0.06, 2600),
        "A020202": (0.02, 26000),
        "A020203": (0.03, 6500),
        "A020204": (0.02, 1500),
        "A020301": (0.07, 5800),
        "A020401": (0.02, 14000),
        "A020402": (0.01, 30000),
        "A030101": (0.04, 1800),
        "A060101": (0.15, 2200),
        "A060102": (0.18, 900),
        "A060103": (0.10, 1600),
        "A060104": (0.03, 4800),
        "A060105": (0.02, 9000),
    }
)
IDLE_ANOMALY_CATEGORIES = ("A020201", "A020203", "A020101")
MAX_AGE_DAYS = 12 * 365
NORMAL_IDLE_MAX_DAYS = 290
AUDIT_SKIPPED_SHARE = 0.06  # agencies that missed their latest yearly audit


def write_assets(conn: Connection, ctx: BuildContext) -> None:
    rng = ctx.rng("assets")
    plan = ctx.plan
    categories = _seeded_categories(conn)
    a = ctx.structure.assets.copy()
    n = len(a)
    leaves = categories[categories["weight"] > 0]
    pick = rng.choice(len(leaves), n, p=leaves["weight"].to_numpy() / leaves["weight"].sum())
    idle_injected = a["id"].isin(plan.idle_asset_ids).to_numpy()
    forced = leaves.reset_index(drop=True).index[leaves["code"].isin(IDLE_ANOMALY_CATEGORIES).to_numpy()]
    pick[idle_injected] = forced[np.arange(idle_injected.sum()) % len(forced)]
    leaf = leaves.iloc[pick].reset_index(drop=True)
    life_days = leaf["useful_life_years"].to_numpy() * 365
    value = np.round(leaf["price"].to_numpy() * rng.lognormal(0, 0.2, n), -1)
    as_of = ctx.as_of_number
    acquired = as_of - rng.integers(20, MAX_AGE_DAYS, n)
    acquired = np.where(idle_injected, np.minimum(acquired, as_of - plan.idle_since_days - 200), acquired)
    age = as_of - acquired

    # Status now, and since when
    draw = rng.random(n)
    old = age > life_days + 365
    status = np.full(n, "in_use", dtype=object)
    since = acquired.copy()
    status[old & (draw < 0.35)] = "disposed"
    status[old & (draw >= 0.35) & (draw < 0.50)] = "pending_disposal"
    young = ~old
    status[young & (draw < 0.03)] = "idle"
    status[young & (draw >= 0.03) & (draw < 0.055)] = "warehouse"
    redeployed = young & (draw >= 0.055) & (draw < 0.075) & (age > 120) & ~idle_injected
    status[idle_injected] = "idle"
    back = {
        "disposed": (10, 600),
        "pending_disposal": (10, 300),
        "idle": (20, NORMAL_IDLE_MAX_DAYS),
        "warehouse": (20, 700),
    }
    for name, (low, high) in back.items():
        where = (status == name) & ~idle_injected
        since[where] = np.maximum(acquired[where] + 1, as_of - rng.integers(low, high, where.sum()))
    since[idle_injected] = as_of - plan.idle_since_days

    # Redeployments inside the data range: warehouse at t1 (from a sibling unit), in use at t2 here.
    first = ctx.first_day_number
    t2 = np.where(redeployed, first + rng.integers(0, ctx.n_days, n), 0)
    t1 = t2 - rng.integers(30, 200, n)
    redeployed &= t1 > acquired
    since[redeployed] = t2[redeployed]
    orgs = ctx.structure.orgs.set_index("id")
    org = a["org_id"].to_numpy()
    siblings = {int(p): g["id"].to_numpy() for p, g in ctx.structure.agencies.groupby("parent_id")}
    from_org = org.copy()
    for i in np.flatnonzero(redeployed):
        options = siblings[int(orgs.at[org[i], "parent_id"])]
        options = options[options != org[i]]
        from_org[i] = rng.choice(options) if len(options) else org[i]

    staff_by_org = {o: g for o, g in ctx.staff.groupby("org_id")}
    custodian, phone = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    holds = np.isin(status, ["in_use", "idle"]) & ~idle_injected & (rng.random(n) > 0.01)
    for o in np.unique(org[holds]):
        where = np.flatnonzero(holds & (org == o))
        people = staff_by_org[o]
        chosen = rng.integers(0, len(people), len(where))
        custodian[where] = people["person_name"].to_numpy()[chosen]
        phone[where] = people["person_phone"].to_numpy()[chosen]

    audits, last_audit = _audits(ctx, rng, a, acquired, status, since)
    main_building = {int(o): ctx.structure.main_building_id(int(o)) for o in np.unique(org)}
    frame = pd.DataFrame(
        {
            "id": a["id"],
            "code": a["code"],
            "org_id": org,
            "category_id": leaf["id"].to_numpy(),
            "name_zh": leaf["name_zh"].to_numpy(),
            "name_en": leaf["name_en"].to_numpy(),
            "status": status,
            "status_since": since.astype("datetime64[D]"),
            "original_value_yuan": value,
            "acquired_on": acquired.astype("datetime64[D]"),
            "building_id": [main_building[int(o)] for o in org],
            "custodian_name": custodian,
            "custodian_phone": phone,
            "last_audit_on": last_audit.astype("datetime64[D]"),
            "batch_id": ctx.registry.assign(
                ctx.source_codes["asset"], "asset", "asset", "asset_register", acquired, str(a["code"].iloc[0])
            ),
        }
    )
    ctx.add_count("asset", insert_frame(conn, "asset", frame))
    _write_movements(conn, ctx, rng, frame, from_org, redeployed, t1, t2)
    audits["batch_id"] = ctx.registry.assign(
        ctx.source_codes["asset"],
        "asset",
        "asset_audit",
        "asset_audit",
        audits["audited_on"].to_numpy().astype("datetime64[D]").astype(np.int64),
        str(a["code"].iloc[0]),
    )
    ctx.add_count("asset_audit", insert_frame(conn, "asset_audit", audits))
    _write_requests(conn, ctx, rng, leaves)


def _seeded_categories(conn: Connection) -> pd.DataFrame:
    """The asset categories ``data.seed`` stored, with each leaf's weight and price (0 for the others)."""
    categories = pd.read_sql(
        sa.select(
            AssetCategory.id,
            AssetCategory.code,
            AssetCategory.name_zh,
            AssetCategory.name_en,
            AssetCategory.useful_life_years,
        ).order_by(AssetCategory.code),
        conn,
    )
    missing = set(LEAF_PROFILE) - set(categories["code"])
    if missing:
        raise LookupError(f"asset categories not seeded: {', '.join(sorted(missing))}")
    profile = [LEAF_PROFILE.get(code, (0.0, 0)) for code in categories["code"]]
    categories["weight"] = [weight for weight, _price in profile]
    categories["price"] = [price for _weight, price in profile]
    return categories


def _audits(
    ctx: BuildContext,
    rng: np.random.Generator,
    a: pd.DataFrame,
    acquired: np.ndarray,
    status: np.ndarray,
    since: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each agency audits all its assets once a year on its own date; a few agencies missed the latest one."""
    agencies = ctx.structure.agencies["id"].to_numpy()
    phase = dict(zip(agencies, rng.integers(0, 365, len(agencies))))
    skipped = dict(zip(agencies, rng.random(len(agencies)) < AUDIT_SKIPPED_SHARE))
    as_of, start = ctx.as_of_number, ctx.first_day_number - 365
    rows = []
    org = a["org_id"].to_numpy()
    order = np.argsort(org, kind="stable")
    bounds = np.searchsorted(org[order], agencies), np.searchsorted(org[order], agencies, side="right")
    for o, lo, hi in zip(agencies, *bounds):
        mine = order[lo:hi]
        dates = np.arange(start - (start - phase[o]) % 365 + 365, as_of, 365)
        if skipped[o] and len(dates):
            dates = dates[:-1]
        for date in dates:
            keep = (acquired[mine] < date) & ~((status[mine] == "disposed") & (since[mine] <= date))
            rows.append((mine[keep], date))
    index = np.concatenate([w for w, _ in rows]) if rows else np.array([], dtype=np.int64)
    dates = np.concatenate([np.full(len(w), d) for w, d in rows]) if rows else np.array([], dtype=np.int64)
    order = np.lexsort((index, dates))
    index, dates = index[order], dates[order]
    result = rng.choice(np.array(["found", "mismatch", "missing"]), len(index), p=[0.975, 0.018, 0.007])
    audits = pd.DataFrame(
        {
            "id": np.arange(1, len(index) + 1),
            "asset_id": a["id"].to_numpy()[index],
            "audited_on": dates.astype("datetime64[D]"),
            "result": result,
            "note": np.where(result == "found", None, np.where(result == "mismatch", "账实不符", "未找到实物")),
        }
    )
    last = np.full(len(a), np.iinfo(np.int64).min)
    np.maximum.at(last, index, dates)
    return audits, last


def _write_movements(
    conn: Connection,
    ctx: BuildContext,
    rng: np.random.Generator,
    assets: pd.DataFrame,
    from_org: np.ndarray,
    redeployed: np.ndarray,
    t1: np.ndarray,
    t2: np.ndarray,
) -> None:
    ids = assets["id"].to_numpy()
    org = assets["org_id"].to_numpy()
    status = assets["status"].to_numpy()
    acquired = assets["acquired_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    since = assets["status_since"].to_numpy().astype("datetime64[D]").astype(np.int64)
    value = assets["original_value_yuan"].to_numpy()
    parts = [
        pd.DataFrame(
            {
                "asset": ids,
                "day": acquired,
                "minute": 600,
                "kind": "acquire",
                "from_org_id": None,
                "to_org_id": np.where(redeployed, from_org, org),
                "from_status": None,
                "to_status": "in_use",
                "value_saved_yuan": np.nan,
                "note": "新购入账",
            }
        )
    ]
    for name, kind in (
        ("idle", "status_change"),
        ("warehouse", "to_warehouse"),
        ("pending_disposal", "status_change"),
        ("disposed", "dispose"),
    ):
        where = status == name
        parts.append(
            pd.DataFrame(
                {
                    "asset": ids[where],
                    "day": since[where],
                    "minute": 570,
                    "kind": kind,
                    "from_org_id": org[where],
                    "to_org_id": org[where],
                    "from_status": "in_use",
                    "to_status": name,
                    "value_saved_yuan": np.nan,
                    "note": None,
                }
            )
        )
    where = np.flatnonzero(redeployed)
    parts.append(
        pd.DataFrame(
            {
                "asset": ids[where],
                "day": t1[where],
                "minute": 570,
                "kind": "to_warehouse",
                "from_org_id": from_org[where],
                "to_org_id": from_org[where],
                "from_status": "in_use",
                "to_status": "warehouse",
                "value_saved_yuan": np.nan,
                "note": "交公物仓",
            }
        )
    )
    parts.append(
        pd.DataFrame(
            {
                "asset": ids[where],
                "day": t2[where],
                "minute": 630,
                "kind": "redeploy",
                "from_org_id": from_org[where],
                "to_org_id": org[where],
                "from_status": "warehouse",
                "to_status": "in_use",
                "value_saved_yuan": np.round(value[where] * rng.uniform(0.85, 1.05, len(where)), 2),
                "note": "公物仓调剂",
            }
        )
    )
    moves = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["asset", "day", "minute"], kind="stable")
        .reset_index(drop=True)
    )
    local = moves["day"].to_numpy(dtype=np.int64).astype("datetime64[D]").astype("datetime64[m]") + moves[
        "minute"
    ].to_numpy(dtype=np.int64).astype("timedelta64[m]")
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(moves) + 1),
            "asset_id": moves["asset"].to_numpy(),
            "ts": local_to_utc(local, ctx.calendar),
            "kind": moves["kind"].to_numpy(),
            "from_org_id": pd.array(moves["from_org_id"].to_numpy(), dtype="Int64"),
            "to_org_id": pd.array(moves["to_org_id"].to_numpy(), dtype="Int64"),
            "from_status": moves["from_status"].to_numpy(),
            "to_status": moves["to_status"].to_numpy(),
            "value_saved_yuan": moves["value_saved_yuan"].to_numpy(dtype=float),
            "note": moves["note"].to_numpy(),
            "batch_id": ctx.registry.assign(
                ctx.source_codes["asset"],
                "asset",
                "asset_movement",
                "asset_movement",
                moves["day"].to_numpy(dtype=np.int64),
                str(assets["code"].iloc[0]),
            ),
        }
    )
    ctx.add_count("asset_movement", insert_frame(conn, "asset_movement", frame))


def _write_requests(conn: Connection, ctx: BuildContext, rng: np.random.Generator, leaves: pd.DataFrame) -> None:
    """Units' open requests for assets: what the warehouse's redeployment matching serves first."""
    agencies = ctx.structure.agencies["id"].to_numpy()
    m = max(3, len(agencies) // 4)
    frame = pd.DataFrame(
        {
            "id": np.arange(1, m + 1),
            "org_id": rng.choice(agencies, m),
            "category_id": rng.choice(leaves["id"].to_numpy(), m),
            "quantity": rng.integers(1, 6, m),
            "requested_on": (ctx.as_of_number - rng.integers(1, 120, m)).astype("datetime64[D]"),
            "status": rng.choice(np.array(["open", "matched", "bought", "cancelled"]), m, p=[0.6, 0.2, 0.15, 0.05]),
        }
    )
    ctx.add_count("asset_request", insert_frame(conn, "asset_request", frame))
