"""Plugs the rule evaluation into the loaders and the scheduler (``data.loaders.hooks``).

* ``after_batch``: every applied batch evaluates the rules of its domain inside the batch's
  transaction (a master-data batch, whose domain is not a page domain, evaluates every rule);
* ``alert_check``: the scheduler's check every 5 minutes evaluates every rule in a writer's
  transaction of its own.
"""

from __future__ import annotations

import datetime as dt
import logging

from data.catalog import DOMAINS
from data.models.base import utcnow

from .evaluate import evaluate_rules

log = logging.getLogger("aocc.alerts")
HOOK_NAME = "alerts.evaluate_rules"


def after_batch(conn, batch) -> None:
    if batch.status != "applied":
        return
    domains = (batch.domain,) if batch.domain in DOMAINS else None
    summary = evaluate_rules(conn, now=utcnow(), domains=domains)
    log.info("batch %s: rules evaluated %s", batch.batch_id, summary)


def alert_check(engine, now: dt.datetime) -> None:
    from data.loaders.pipeline import write_connection

    with write_connection(engine) as conn:
        summary = evaluate_rules(conn, now=now)
    log.info("scheduled check: %s", summary)


def register_hooks(registry) -> None:
    registry.register("after_batch", after_batch, name=HOOK_NAME)
    registry.register("alert_check", alert_check, name=HOOK_NAME)
