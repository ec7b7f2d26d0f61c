"""The metrics catalog is the single definition of every indicator."""

from __future__ import annotations

import pytest

from data.catalog import DOMAINS, METRICS, METRICS_BY_ID, get_metric, metrics_for_domain, stored_metric_ids
from data.reference import DEPARTMENTS

DEPARTMENT_CODES = {code for code, _zh, _en in DEPARTMENTS}


def test_ids_are_unique_and_prefixed_by_domain():
    assert len(METRICS_BY_ID) == len(METRICS)
    for metric in METRICS:
        assert metric.domain in DOMAINS
        assert metric.id.startswith(metric.domain + ".")


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_each_metric_is_complete(metric):
    assert metric.name_zh and metric.name_en and metric.unit
    assert metric.kind in {"flow", "state", "derived"}
    assert metric.bad_direction in {"up", "down", "none"}
    assert metric.department in DEPARTMENT_CODES
    assert (metric.kind == "derived") == (metric.rollup_rule in {"formula", "ratio"})
    if metric.kind == "derived":
        assert metric.formula, "a derived metric documents how it is computed"


def test_every_domain_has_stored_and_derived_metrics():
    for domain in DOMAINS:
        kinds = {m.kind for m in metrics_for_domain(domain)}
        assert "derived" in kinds and kinds & {"flow", "state"}


def test_unknown_metric_is_an_error():
    with pytest.raises(KeyError, match="unknown metric"):
        get_metric("energy.nonexistent")


def test_stored_metrics_exclude_derived():
    assert "energy.total_kgce" not in stored_metric_ids()
    assert "energy.electricity_kwh" in stored_metric_ids()
