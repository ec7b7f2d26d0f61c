"""The fixed skeleton of a tier: org tree, buildings, and which vehicles, assets and housing units
exist with their codes.

Built from the tier's own ``structure_seed``, never from the user's seed, so that entity codes
(and the codes of the injected anomalies in ``docs/demo-data.md``) are the same for every seed.

Codes: org nodes ``JL`` (province), ``JL.C01`` (city), ``JL.C01.X01`` (county), agencies
``<region code>.<agency key>`` (``JL.finance``, ``JL.C02.education``); buildings ``BLD-0001``;
meters ``BLD-0001-E`` / ``-W`` / ``-G`` / ``-H``; plates ``临A01234``; assets ``AS-000001``;
turnover housing units ``HU-00001``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from . import names
from .tiers import Tier

HEADCOUNT_RANGES = MappingProxyType({"province": (70, 220), "city": (40, 130), "county": (22, 70)})
MIN_ASSETS_PER_AGENCY = 15
MIN_HOUSING_UNITS_PER_REGION = 4


@dataclass(frozen=True)
class Structure:
    tier: Tier
    # id, parent_id, level, admin_level, code, name_zh, name_en, path, depth, headcount, energy_users,
    # sort_order, agency_key, region_id, city_id, latitude, longitude, plate_letter
    orgs: pd.DataFrame
    buildings: pd.DataFrame  # id, code, org_id, ordinal (0 = the agency's main building), name_zh, name_en
    vehicles: pd.DataFrame  # id, plate, org_id
    assets: pd.DataFrame  # id, code, org_id
    housing_units: pd.DataFrame  # id, code, org_id

    @property
    def agencies(self) -> pd.DataFrame:
        return self.orgs[self.orgs["level"] == "agency"]

    def agency_id(self, region_code: str, key: str) -> int:
        code = f"{region_code}.{key}"
        found = self.orgs.loc[self.orgs["code"] == code, "id"]
        if found.empty:
            raise LookupError(f"tier {self.tier.name} has no agency {code}")
        return int(found.iloc[0])

    def region_code(self, level: str, index: int) -> str:
        regions = self.orgs[self.orgs["level"] == level].sort_values("id")
        return str(regions["code"].iloc[index])

    def main_building_id(self, org_id: int) -> int:
        rows = self.buildings[(self.buildings["org_id"] == org_id) & (self.buildings["ordinal"] == 0)]
        return int(rows["id"].iloc[0])

    def code_of(self, table: str, entity_id: int) -> str:
        frame = {
            "building": self.buildings,
            "vehicle": self.vehicles,
            "asset": self.assets,
            "housing_unit": self.housing_units,
            "org": self.orgs,
        }[table]
        column = "plate" if table == "vehicle" else "code"
        return str(frame.loc[frame["id"] == entity_id, column].iloc[0])


def _county_names(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    cities = {zh for zh, _ in names.CITY_NAMES}
    pairs = [
        (a + b, (pa + pb).capitalize())
        for a, pa in names.COUNTY_FIRST
        for b, pb in names.COUNTY_SECOND
        if a != b and a + b not in cities
    ]
    order = rng.permutation(len(pairs))
    return [pairs[i] for i in order[:count]]


def build_structure(tier: Tier) -> Structure:
    rng = np.random.Generator(np.random.PCG64(tier.structure_seed))
    if tier.cities > len(names.CITY_NAMES) or tier.cities + 1 > len(names.PLATE_LETTERS):
        raise ValueError("not enough invented city names for this tier")
    rows: list[dict] = []

    def add(
        parent: dict | None,
        level: str,
        admin_level: str,
        code: str,
        zh: str,
        en: str,
        *,
        key: str | None,
        region: dict | None,
        city: dict | None,
        lat: float,
        lon: float,
        letter: str,
    ) -> dict:
        node_id = len(rows) + 1
        path = (parent["path"] if parent else "/") + f"{node_id}/"
        low, high = HEADCOUNT_RANGES[admin_level]
        headcount = 0
        if level == "agency":
            headcount = int(rng.integers(low, high + 1))
            if key == "gov_office":
                headcount = int(headcount * 1.3)
        row = {
            "id": node_id,
            "parent_id": parent["id"] if parent else None,
            "level": level,
            "admin_level": admin_level,
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "path": path,
            "depth": path.count("/") - 2,
            "headcount": headcount,
            "energy_users": headcount + int(round(headcount * rng.uniform(0.05, 0.2))) if headcount else 0,
            "sort_order": len(rows),
            "agency_key": key,
            "region_id": (region or {}).get("id", node_id) if level == "agency" else node_id,
            "city_id": city["id"] if city else None,
            "latitude": lat,
            "longitude": lon,
            "plate_letter": letter,
        }
        rows.append(row)
        return row

    def add_agencies(region: dict, catalogue, count: int, region_zh: str, region_en: str, city: dict | None) -> None:
        if count > len(catalogue):
            raise ValueError(f"tier asks for {count} agencies but only {len(catalogue)} names exist")
        for key, suffix, english in catalogue[:count]:
            add(
                region,
                "agency",
                region["admin_level"],
                f"{region['code']}.{key}",
                region_zh + suffix,
                english.format(region=region_en),
                key=key,
                region=region,
                city=city,
                lat=region["latitude"] + rng.normal(0, 0.01),
                lon=region["longitude"] + rng.normal(0, 0.01),
                letter=region["plate_letter"],
            )

    province = add(
        None,
        "province",
        "province",
        names.PROVINCE_CODE,
        names.PROVINCE_ZH + "省",
        f"{names.PROVINCE_EN} Province",
        key=None,
        region=None,
        city=None,
        lat=36.65,
        lon=117.0,
        letter=names.PLATE_LETTERS[0],
    )
    # The provincial capital's weather stands for the province-level agencies: they sit in city 1.
    add_agencies(province, names.PROVINCE_AGENCIES, tier.province_agencies, names.PROVINCE_ZH, names.PROVINCE_EN, None)
    county_names = iter(_county_names(rng, tier.cities * tier.counties_per_city))
    angles = np.linspace(0, 2 * np.pi, tier.cities, endpoint=False) + 0.3
    for c in range(tier.cities):
        zh, en = names.CITY_NAMES[c]
        radius = 0.0 if c == 0 else rng.uniform(0.9, 1.9)
        city = add(
            province,
            "city",
            "city",
            f"{names.PROVINCE_CODE}.C{c + 1:02d}",
            zh + "市",
            f"{en} City",
            key=None,
            region=None,
            city=None,
            lat=36.65 + radius * np.sin(angles[c]),
            lon=117.0 + 1.3 * radius * np.cos(angles[c]),
            letter=names.PLATE_LETTERS[c + 1],
        )
        city["city_id"] = city["id"]
        add_agencies(city, names.CITY_AGENCIES, tier.city_agencies, zh, en, city)
        for x in range(tier.counties_per_city):
            czh, cen = next(county_names)
            county = add(
                city,
                "county",
                "county",
                f"{city['code']}.X{x + 1:02d}",
                czh + "县",
                f"{cen} County",
                key=None,
                region=None,
                city=city,
                lat=city["latitude"] + rng.uniform(-0.45, 0.45),
                lon=city["longitude"] + rng.uniform(-0.5, 0.5),
                letter=city["plate_letter"],
            )
            add_agencies(county, names.COUNTY_AGENCIES, tier.county_agencies, czh, cen, city)
    orgs = pd.DataFrame(rows)
    first_city = int(orgs.loc[orgs["level"] == "city", "id"].min())
    orgs["city_id"] = orgs["city_id"].fillna(first_city).astype(np.int64)
    orgs["parent_id"] = orgs["parent_id"].astype("Int64")

    agencies = orgs[orgs["level"] == "agency"].reset_index(drop=True)
    weights = agencies["headcount"].to_numpy(dtype=float)
    weights /= weights.sum()

    buildings = _buildings(rng, tier, agencies, weights)
    vehicle_counts = _spread(rng, tier.vehicles, weights, minimum=1)
    vehicles = _vehicles(rng, agencies, vehicle_counts)
    asset_counts = _spread(rng, tier.assets, weights, minimum=MIN_ASSETS_PER_AGENCY)
    asset_org = np.repeat(agencies["id"].to_numpy(), asset_counts)
    assets = pd.DataFrame({"id": np.arange(1, len(asset_org) + 1), "org_id": asset_org})
    assets["code"] = [f"AS-{i:06d}" for i in assets["id"]]
    housing = _housing_units(rng, tier, orgs)
    return Structure(tier=tier, orgs=orgs, buildings=buildings, vehicles=vehicles, assets=assets, housing_units=housing)


def _spread(rng: np.random.Generator, total: int, weights: np.ndarray, *, minimum: int) -> np.ndarray:
    """``total`` items over units: ``minimum`` each, the rest in proportion to ``weights``."""
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError(f"{total} items cannot give {minimum} to each of {len(weights)} units")
    return minimum + rng.multinomial(rest, weights)


def _buildings(rng: np.random.Generator, tier: Tier, agencies: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    counts = _spread(rng, tier.buildings, weights, minimum=1)
    rows = []
    for agency, count in zip(agencies.itertuples(index=False), counts):
        for ordinal in range(count):
            if ordinal == 0:
                zh, en = f"{agency.name_zh}办公楼", f"{agency.name_en} Office Building"
            else:
                zh, en = f"{agency.name_zh}{ordinal + 1}号楼", f"{agency.name_en} Building {ordinal + 1}"
            rows.append((agency.id, ordinal, zh, en))
    frame = pd.DataFrame(rows, columns=["org_id", "ordinal", "name_zh", "name_en"])
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    frame.insert(1, "code", [f"BLD-{i:04d}" for i in frame["id"]])
    return frame


def _vehicles(rng: np.random.Generator, agencies: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
    org_ids = np.repeat(agencies["id"].to_numpy(), counts)
    letters = np.repeat(agencies["plate_letter"].to_numpy(), counts)
    plates = np.empty(len(org_ids), dtype=object)
    for letter in np.unique(letters):
        where = np.flatnonzero(letters == letter)
        serials = rng.choice(100_000, size=len(where), replace=False)
        plates[where] = [f"{names.PLATE_PREFIX}{letter}{s:05d}" for s in serials]
    return pd.DataFrame({"id": np.arange(1, len(org_ids) + 1), "plate": plates, "org_id": org_ids})


def _housing_units(rng: np.random.Generator, tier: Tier, orgs: pd.DataFrame) -> pd.DataFrame:
    """Turnover housing belongs to each region's offices administration (机关事务管理局)."""
    owners = orgs[orgs["agency_key"] == "affairs"].sort_values("id")
    level_weight = owners["admin_level"].map({"province": 3.0, "city": 2.0, "county": 1.0}).to_numpy()
    counts = _spread(rng, tier.housing_units, level_weight / level_weight.sum(), minimum=MIN_HOUSING_UNITS_PER_REGION)
    org_ids = np.repeat(owners["id"].to_numpy(), counts)
    frame = pd.DataFrame({"id": np.arange(1, len(org_ids) + 1), "org_id": org_ids})
    frame["code"] = [f"HU-{i:05d}" for i in frame["id"]]
    return frame
