"""Scale tiers of the demo province.

Counts here are exact and do not depend on the seed: the org tree, which buildings, vehicles,
assets and housing units exist and their codes are fixed per tier (so the injected anomalies
have documented codes), while every value (readings, trips, dates, statuses …) comes from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Tier:
    name: str
    cities: int
    counties_per_city: int
    province_agencies: int  # agencies directly under the province (省直单位)
    city_agencies: int  # per city
    county_agencies: int  # per county
    buildings: int  # at least one per agency
    days: int  # days of facts, ending the day before as_of
    vehicles: int
    assets: int
    housing_units: int
    structure_seed: int  # seeds the org tree and entity counts, never the values


TIERS = MappingProxyType(
    {
        # For fast tests: every code path and every anomaly, in a few seconds.
        "tiny": Tier(
            "tiny",
            cities=2,
            counties_per_city=1,
            province_agencies=6,
            city_agencies=4,
            county_agencies=3,
            buildings=24,
            days=75,
            vehicles=48,
            assets=700,
            housing_units=60,
            structure_seed=11,
        ),
        # The default demo.
        "small": Tier(
            "small",
            cities=3,
            counties_per_city=2,
            province_agencies=12,
            city_agencies=6,
            county_agencies=2,
            buildings=60,
            days=400,
            vehicles=200,
            assets=3000,
            housing_units=300,
            structure_seed=12,
        ),
        # PRODUCT.md scale: ~2,000 buildings × 730 days of hourly electricity (~35 M readings).
        "province": Tier(
            "province",
            cities=14,
            counties_per_city=8,
            province_agencies=45,
            city_agencies=22,
            county_agencies=7,
            buildings=2000,
            days=730,
            vehicles=5000,
            assets=100_000,
            housing_units=20_000,
            structure_seed=13,
        ),
    }
)


def get_tier(name: str) -> Tier:
    try:
        return TIERS[name]
    except KeyError as exc:
        raise ValueError(f"unknown demo tier {name!r}; choose one of {', '.join(TIERS)}") from exc
