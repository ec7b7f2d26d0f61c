"""One indicator of the metrics catalog (``data/catalog.py`` explains the fields' meaning)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    id: str
    domain: str
    name_zh: str
    name_en: str
    unit: str
    kind: str  # flow | state | derived
    rollup_rule: str  # sum | last | ratio | formula
    bad_direction: str  # up | down | none
    department: str
    formula: str | None = None

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def define_metric(id, domain, zh, en, unit, kind, rule, bad, dept, formula=None) -> Metric:
    """A ``Metric`` from its fields in the catalog's positional order."""
    return Metric(id, domain, zh, en, unit, kind, rule, bad, dept, formula)


__all__ = ["Metric", "define_metric"]
