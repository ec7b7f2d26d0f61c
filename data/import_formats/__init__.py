"""The import formats: one per domain fact, with the header names departments really use.

A format lists its fields: the canonical name (used in code, the SQL source's mapping and
the docs), the header aliases in Chinese and English, the kind of value and whether it is
required. Headers are matched after normalisation (full-width → half-width, case, spaces,
``*`` markers), and a unit written in the header — ``用电量（千瓦时）`` — becomes the default
unit of that column's values. ``docs/import-formats.md`` documents the same tables.

- ``field``: Field, FactFormat and the registry FORMATS;
- ``common``: the fields several formats share (org and building codes, plate, staff number …);
- ``master``: master data (org units, buildings, meters, vehicles, staff), loaded first;
- ``master_space``: master data naming those (office rooms, housing units, vehicle and energy quotas);
- ``energy``, ``vehicle``, ``asset``, ``housing``: each domain's formats (``weather``: the energy
  domain's daily temperatures per city);
- ``header``: header matching (normalize_header, match_header, detect_fact, choice_index …).

Shared by the loaders (which read files with them) and the data page's reads (which re-check a
quarantined row's header); imports nothing of the database.
"""

from __future__ import annotations

from data.import_formats import asset, energy, housing, master, master_space, vehicle, weather
from data.import_formats.asset import ASSET_STATUS_CHOICES
from data.import_formats.energy import METER_KIND_CHOICES
from data.import_formats.field import FIELD_KINDS, FORMATS, FactFormat, Field, _register
from data.import_formats.header import (
    HeaderMap,
    choice_index,
    detect_fact,
    header_score,
    match_header,
    normalize_header,
    split_header,
)
from data.import_formats.master import MASTER_DOMAIN

# The registration order is the order of FACTS, which the upload page and the tests follow:
# master data first, in dependency order (org units, buildings, meters, vehicles, staff).
for _domain in (master, master_space, energy, weather, vehicle, asset, housing):
    for _fmt in _domain.DOMAIN_FORMATS:
        _register(_fmt)
del _domain, _fmt

FACTS: tuple[str, ...] = tuple(FORMATS)
# Master data in dependency order: org units … staff, then the rooms, housing units and quotas that name them.
MASTER_FACTS: tuple[str, ...] = master.MASTER_FACTS + tuple(f.fact for f in master_space.DOMAIN_FORMATS)
FACT_DOMAINS: dict[str, str] = {f.fact: f.domain for f in FORMATS.values()}


def facts_for_domain(domain: str | None) -> tuple[str, ...]:
    return tuple(f for f, d in FACT_DOMAINS.items() if domain in (None, d))


def is_master(fact: str | None) -> bool:
    """Whether ``fact`` is master data (org units, buildings, meters, vehicles, staff)."""
    return fact in MASTER_FACTS


__all__ = [
    "ASSET_STATUS_CHOICES",
    "FACTS",
    "FACT_DOMAINS",
    "FIELD_KINDS",
    "FORMATS",
    "MASTER_DOMAIN",
    "MASTER_FACTS",
    "METER_KIND_CHOICES",
    "FactFormat",
    "Field",
    "HeaderMap",
    "choice_index",
    "detect_fact",
    "facts_for_domain",
    "header_score",
    "is_master",
    "match_header",
    "normalize_header",
    "split_header",
]
