"""The alert rules that judge KPI tiles: the enabled org-level rules read once per KPI frame, and
the frame's ``status`` column (see ``data.kpi_status`` for how a rule judges a tile, and what a
tile without an applicable rule shows)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.catalog import METRICS_BY_ID
from data.kpi_status import KpiRule, is_missing, kpi_status, rule_figure
from data.models import OrgNode
from data.models.alert import AlertRule

_RULES = (
    sa.select(
        AlertRule.metric_id,
        AlertRule.comparison,
        AlertRule.warning_level,
        AlertRule.critical_level,
        AlertRule.window,
        AlertRule.scope_org_id,
        AlertRule.scope_filter,
        OrgNode.path.label("scope_path"),
    )
    .outerjoin(OrgNode, OrgNode.id == AlertRule.scope_org_id)
    .where(AlertRule.enabled.is_(True), AlertRule.entity_kind == "org")
    .order_by(AlertRule.id)
)


def fetch_kpi_rules(conn: Connection) -> dict[str, list[KpiRule]]:
    """The enabled org-level rules by metric, oldest first (the first that applies judges).

    A rule's scope path comes with it in the same statement (it was a read of every org node's
    path, 1,264 rows at province scale, on every page of tiles)."""
    rows = conn.execute(_RULES).all()
    paths = {r.scope_org_id: r.scope_path for r in rows if r.scope_org_id is not None and r.scope_path is not None}
    rules: dict[str, list[KpiRule]] = {}
    for r in rows:
        if r.warning_level is None or (r.scope_org_id is not None and r.scope_org_id not in paths):
            continue
        levels = (r.scope_filter or {}).get("org_level")
        rules.setdefault(r.metric_id, []).append(
            KpiRule(
                metric_id=r.metric_id,
                comparison=r.comparison,
                warning_level=float(r.warning_level),
                critical_level=None if r.critical_level is None else float(r.critical_level),
                window=r.window,
                scope_prefix=paths[r.scope_org_id] if r.scope_org_id is not None else "/",
                org_levels=None if levels is None else tuple(levels if isinstance(levels, list | tuple) else [levels]),
            )
        )
    return rules


def with_kpi_status(conn: Connection, kpis: pd.DataFrame) -> pd.DataFrame:
    """``kpis`` (``KPI_COLUMNS`` …) with a ``status`` column: each tile judged by the first enabled
    org rule of its metric that covers its org and can judge its period, else as ``kpi_status``."""
    frame = kpis.copy()
    if frame.empty:
        frame["status"] = pd.Series(dtype=object)
        return frame
    rules = fetch_kpi_rules(conn)
    orgs = {int(o) for o in frame["org_id"].dropna()}
    nodes = {
        node_id: (path, level)
        for node_id, path, level in conn.execute(
            sa.select(OrgNode.id, OrgNode.path, OrgNode.level).where(OrgNode.id.in_(orgs))
        )
    }
    statuses = []
    for row in frame.to_dict("records"):
        metric = METRICS_BY_ID.get(row["metric_id"])
        bad = metric.bad_direction if metric is not None else "none"
        path, level = nodes.get(int(row["org_id"]), ("", "")) if not is_missing(row.get("org_id")) else ("", "")
        applicable = [
            r for r in rules.get(row["metric_id"], []) if r.covers(path, level) and rule_figure(r, row) is not None
        ]
        rule = applicable[0] if applicable else None
        statuses.append(
            kpi_status(row["value"], row.get("reference"), row.get("reference_kind") or "", bad, rule=rule, row=row)
        )
    frame["status"] = statuses
    return frame
