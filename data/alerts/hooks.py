"""Plugs the rule evaluation into the loaders and the scheduler (``data.loaders.hooks``).

* ``after_commit``: every applied batch, once committed, evaluates the rules of its domain in a
  writer's transaction of its own (a master-data batch, whose domain is not a page domain,
  evaluates every rule). Not inside the batch's transaction: on a province the evaluation takes
  as long as the load, and reading roll-ups the same transaction just rewrote is slower still
  (PostgreSQL: a day of readings took 3.2 s instead of 0.9 s with the rules inside);
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


def after_commit(engine, batch) -> None:
    from data.loaders.pipeline import write_connection

    if batch.status != "applied":
        return
    domains = (batch.domain,) if batch.domain in DOMAINS else None
    with write_connection(engine) as conn:
        summary = evaluate_rules(conn, now=utcnow(), domains=domains)
    log.info("batch %s: rules evaluated %s", batch.batch_id, summary)


def alert_check(engine, now: dt.datetime) -> None:
    from data.loaders.pipeline import write_connection

    with write_connection(engine) as conn:
        summary = evaluate_rules(conn, now=now)
    log.info("scheduled check: %s", summary)


def register_hooks(registry) -> None:
    registry.register("after_commit", after_commit, name=HOOK_NAME)
    registry.register("alert_check", alert_check, name=HOOK_NAME)
