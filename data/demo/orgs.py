"""Org nodes, the demo data sources, buildings and their meters."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import DataSource
from ..rollup import insert_frame
from .context import BuildContext

SOURCE_NAMES = MappingProxyType(
    {
        "energy": ("演示能耗数据", "Demo energy feed"),
        "vehicle": ("演示公车数据", "Demo vehicle feed"),
        "asset": ("演示资产数据", "Demo asset register"),
        "housing": ("演示房产数据", "Demo housing register"),
    }
)
STALE_AFTER_SECONDS = 2 * 86400  # the demo feeds deliver daily; two days without a batch is stale


def write_org_nodes(conn: Connection, ctx: BuildContext) -> None:
    orgs = ctx.structure.orgs
    frame = orgs[
        [
            "id",
            "parent_id",
            "level",
            "admin_level",
            "code",
            "name_zh",
            "name_en",
            "path",
            "depth",
            "headcount",
            "energy_users",
            "sort_order",
        ]
    ]
    ctx.add_count("org_node", insert_frame(conn, "org_node", frame))


def write_sources(conn: Connection, ctx: BuildContext) -> None:
    """One demo_generator source per domain, plus the county meter gateway that goes stale."""
    rows = []
    for domain, (zh, en) in SOURCE_NAMES.items():
        rows.append({"code": ctx.source_codes[domain], "domain": domain, "name_zh": zh, "name_en": en})
    stale_org = ctx.structure.orgs.set_index("id").loc[ctx.plan.stale_org_id]
    rows.append(
        {
            "code": ctx.plan.stale_source_code,
            "domain": "energy",
            "name_zh": f"{stale_org['name_zh']}能耗采集网关",
            "name_en": f"{stale_org['name_en']} energy meter gateway",
        }
    )
    for i, row in enumerate(rows, start=1):
        row.update(
            id=i,
            kind="demo_generator",
            interval_seconds=86400,
            stale_after_seconds=STALE_AFTER_SECONDS,
            enabled=True,
            config={"generator": "data.demo", "tier": ctx.tier.name, "seed": ctx.seed},
            high_water_mark=None,
            last_success_at=None,
        )
        ctx.source_ids[row["code"]] = i
    conn.execute(sa.insert(DataSource.__table__), rows)
    ctx.add_count("data_source", len(rows))


def finish_sources(conn: Connection, ctx: BuildContext, batches: pd.DataFrame) -> None:
    """Each source's freshness: its last batch's finish time and the end of its data."""
    table = DataSource.__table__
    for source_id in ctx.source_ids.values():
        mine = batches[batches["source_id"] == source_id]
        if mine.empty:
            continue
        finished = pd.Timestamp(mine["finished_at"].max()).to_pydatetime()
        data_to = pd.Timestamp(mine["data_to"].max()).to_pydatetime()
        conn.execute(
            sa.update(table)
            .where(table.c.id == source_id)
            .values(last_success_at=finished.replace(tzinfo=dt.UTC), high_water_mark=data_to.isoformat() + "Z")
        )


def write_buildings(conn: Connection, ctx: BuildContext) -> None:
    """Buildings sized by the staff they house, and their meters (electricity hourly; water, and
    where present gas and district heat, daily)."""
    rng = ctx.rng("orgs")
    structure = ctx.structure
    b = structure.buildings.merge(
        structure.orgs[["id", "headcount", "energy_users", "latitude", "longitude"]].rename(columns={"id": "org_id"}),
        on="org_id",
    )
    n = len(b)
    extras = b.groupby("org_id")["ordinal"].transform("max")
    main = b["ordinal"].to_numpy() == 0
    # The main building houses the agency (75 % of staff when it has other buildings).
    share = np.where(main, np.where(extras > 0, 0.75, 1.0), 0.25 / np.maximum(extras, 1))
    occupants = np.maximum(5, np.round(b["headcount"].to_numpy() * share)).astype(np.int64)
    energy_users = np.maximum(occupants, np.round(b["energy_users"].to_numpy() * share)).astype(np.int64)
    area = np.where(main, occupants * rng.uniform(24, 40, n), rng.uniform(1200, 6000, n))
    area = np.round(np.maximum(area, 1500.0), -1)
    use_type = np.where(main, "office", rng.choice(np.array(["office", "archive", "training"]), n, p=[0.6, 0.2, 0.2]))
    frame = pd.DataFrame(
        {
            "id": b["id"],
            "code": b["code"],
            "org_id": b["org_id"],
            "name_zh": b["name_zh"],
            "name_en": b["name_en"],
            "use_type": use_type,
            "floor_area_m2": area,
            "heated_area_m2": np.round(area * rng.uniform(0.82, 0.96, n), -1),
            "occupants": occupants,
            "year_built": rng.integers(1985, 2021, n),
            "latitude": np.round(b["latitude"].to_numpy() + rng.normal(0, 0.01, n), 5),
            "longitude": np.round(b["longitude"].to_numpy() + rng.normal(0, 0.01, n), 5),
        }
    )
    ctx.add_count("building", insert_frame(conn, "building", frame))

    district_heat = rng.random(n) < 0.85
    gas = rng.random(n) < np.where(district_heat, 0.45, 1.0)  # without district heat, a gas boiler
    attributes = frame[["id", "org_id", "floor_area_m2", "heated_area_m2", "occupants", "use_type"]].copy()
    attributes["energy_users"] = energy_users
    attributes["district_heat"] = district_heat
    attributes["gas"] = gas
    ctx.building_attributes = attributes

    stale = set(ctx.plan.stale_building_ids)
    meters = []
    for row, heat, has_gas in zip(frame.itertuples(index=False), district_heat, gas):
        source = ctx.plan.stale_source_code if row.id in stale else ctx.source_codes["energy"]
        kinds = [("electricity", "E", "kWh", 60), ("water", "W", "m3", 1440)]
        if has_gas:
            kinds.append(("gas", "G", "m3", 1440))
        if heat:
            kinds.append(("heat", "H", "GJ", 1440))
        for kind, suffix, unit, interval in kinds:
            meters.append((f"{row.code}-{suffix}", row.id, kind, unit, interval, ctx.source_ids[source]))
    meter_frame = pd.DataFrame(meters, columns=["code", "building_id", "kind", "unit", "interval_minutes", "source_id"])
    meter_frame.insert(0, "id", np.arange(1, len(meter_frame) + 1))
    meter_frame["active"] = True
    ctx.add_count("meter", insert_frame(conn, "meter", meter_frame))
    ctx.meters = meter_frame
