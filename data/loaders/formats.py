"""The import formats: ``data.import_formats``, where the loaders and the data page's reads share them."""

from __future__ import annotations

from data.import_formats import (
    ASSET_STATUS_CHOICES,
    FACT_DOMAINS,
    FACTS,
    FIELD_KINDS,
    FORMATS,
    METER_KIND_CHOICES,
    FactFormat,
    Field,
    HeaderMap,
    choice_index,
    detect_fact,
    facts_for_domain,
    header_score,
    match_header,
    normalize_header,
    split_header,
)

__all__ = [
    "ASSET_STATUS_CHOICES",
    "FACTS",
    "FACT_DOMAINS",
    "FIELD_KINDS",
    "FORMATS",
    "METER_KIND_CHOICES",
    "FactFormat",
    "Field",
    "HeaderMap",
    "choice_index",
    "detect_fact",
    "facts_for_domain",
    "header_score",
    "match_header",
    "normalize_header",
    "split_header",
]
