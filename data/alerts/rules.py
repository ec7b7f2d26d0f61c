"""Threshold rules: the spec, validation with messages a person understands, versioned saving.

``save_rule`` validates and refuses an invalid rule (``InvalidRule`` carries the problems); every
save writes the full definition as a new ``alert_rule_version`` row (version 1 on creation, +1 on
each change) with who and when, so ``rule_versions`` can show before and after and every alert can
be explained by the version that fired it. Functions take an open ``Connection`` and never commit:
the caller owns the unit of work.

Levels are in the indicator's unit (``%`` for change comparisons and ``ytd_pace``). Severity is
derived: ``critical`` when the critical level is breached, else ``warning``. The recovery level
(hysteresis) defaults to the warning level; it must lie on the good side of it.

Problems are ``RuleProblem(field, message_key, params)``; keys live in
``presentation/i18n/catalog_alert_rules.py`` (``alerts.rule.problem.*``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import asdict, dataclass, field, fields, replace

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.catalog import METRICS_BY_ID
from data.models import Department, OrgNode
from data.models.alert import AlertRule, AlertRuleVersion
from data.models.base import utcnow

from .entities import ENTITY_KINDS, ENTITY_SQL
from .indicators import INDICATORS
from .windows import CHANGE_COMPARISONS, COMPARISONS, WindowError, parse_window

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")


@dataclass(frozen=True)
class RuleSpec:
    """One rule as an administrator defines it (mirrors ``alert_rule``)."""

    code: str
    name_zh: str
    name_en: str
    metric_id: str
    entity_kind: str
    comparison: str
    warning_level: float | None
    critical_level: float | None = None
    recovery_level: float | None = None
    window: str = "latest"
    for_seconds: int = 0
    department_code: str | None = None
    scope_org_id: int | None = None
    scope_filter: dict = field(default_factory=dict)
    enabled: bool = True

    def definition(self) -> dict:
        return asdict(self)

    @property
    def effective_recovery(self) -> float | None:
        return self.warning_level if self.recovery_level is None else self.recovery_level


@dataclass(frozen=True)
class RuleProblem:
    field: str
    message_key: str
    params: dict = field(default_factory=dict)


class InvalidRule(ValueError):
    """A rule that cannot be saved; ``problems`` says why, field by field."""

    def __init__(self, problems: list[RuleProblem]):
        super().__init__("; ".join(f"{p.field}: {p.message_key}" for p in problems))
        self.problems = problems


def _p(field_name: str, problem: str, /, **params) -> RuleProblem:
    # Positional-only: a problem's parameters may themselves be called ``code`` (code_taken).
    return RuleProblem(field_name, f"alerts.rule.problem.{problem}", params)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _levels(spec: RuleSpec) -> list[RuleProblem]:
    problems = []
    w, c, r = spec.warning_level, spec.critical_level, spec.recovery_level
    if w is None:
        return [_p("warning_level", "warning_missing")]
    for name, value in (("warning_level", w), ("critical_level", c), ("recovery_level", r)):
        if value is not None and not _number(value):
            problems.append(_p(name, "level_not_number"))
    if problems:
        return problems
    worse_up = spec.comparison != "below"
    if spec.comparison == "outside" and w < 0:
        problems.append(_p("warning_level", "band_negative"))
    if c is not None and ((worse_up and c < w) or (not worse_up and c > w)):
        key = "critical_below_warning" if worse_up else "critical_above_warning"
        problems.append(_p("critical_level", key, warning=w, critical=c))
    if r is not None and ((worse_up and r > w) or (not worse_up and r < w)):
        key = "recovery_above_warning" if worse_up else "recovery_below_warning"
        problems.append(_p("recovery_level", key, warning=w, recovery=r))
    return problems


def validate_rule(conn: Connection, spec: RuleSpec, *, rule_id: int | None = None) -> list[RuleProblem]:
    """Everything wrong with ``spec``, in field order; an empty list means it can be saved."""
    problems: list[RuleProblem] = []
    if not isinstance(spec.code, str) or not CODE_PATTERN.match(spec.code or ""):
        problems.append(_p("code", "code_format"))
    else:
        taken = conn.execute(sa.select(AlertRule.id).where(AlertRule.code == spec.code)).scalar_one_or_none()
        if taken is not None and taken != rule_id:
            problems.append(_p("code", "code_taken", code=spec.code))
    for name in ("name_zh", "name_en"):
        if not (getattr(spec, name) or "").strip():
            problems.append(_p(name, "name_missing"))
    indicator = INDICATORS.get(spec.metric_id)
    if spec.metric_id not in METRICS_BY_ID or indicator is None:
        problems.append(_p("metric_id", "metric_unknown", metric=spec.metric_id))
    if spec.entity_kind not in ENTITY_KINDS:
        problems.append(_p("entity_kind", "entity_kind_unknown", kind=spec.entity_kind))
    elif indicator is not None and spec.entity_kind not in indicator.kinds:
        problems.append(_p("entity_kind", "entity_kind_unsupported", kinds=", ".join(indicator.kinds)))
    if spec.comparison not in COMPARISONS:
        problems.append(_p("comparison", "comparison_unknown"))
    elif spec.comparison in CHANGE_COMPARISONS and indicator is not None and not indicator.baseline:
        problems.append(_p("comparison", "comparison_no_baseline"))
    try:
        window = parse_window(spec.window)
        if indicator is not None and window.kind not in indicator.windows:
            problems.append(_p("window", "window_unsupported", windows=", ".join(indicator.windows)))
        elif window.kind == "ytd_pace" and spec.comparison in CHANGE_COMPARISONS:
            problems.append(_p("window", "window_unsupported", windows=", ".join(indicator.windows)))
    except WindowError as exc:
        problems.append(_p("window", exc.code))
    if spec.comparison in COMPARISONS:
        problems.extend(_levels(spec))
    if not isinstance(spec.for_seconds, int) or isinstance(spec.for_seconds, bool) or spec.for_seconds < 0:
        problems.append(_p("for_seconds", "for_seconds_negative"))
    if not spec.department_code:
        problems.append(_p("department_code", "department_missing"))
    elif conn.execute(sa.select(Department.id).where(Department.code == spec.department_code)).first() is None:
        problems.append(_p("department_code", "department_unknown", department=spec.department_code))
    problems.extend(_scope_problems(conn, spec))
    return problems


def _scope_problems(conn: Connection, spec: RuleSpec) -> list[RuleProblem]:
    if spec.entity_kind not in ENTITY_SQL:
        return []
    filters = ENTITY_SQL[spec.entity_kind].filters
    problems = []
    if not isinstance(spec.scope_filter, dict):
        return [_p("scope_filter", "scope_filter_unknown", key="?")]
    for key, wanted in spec.scope_filter.items():
        if key not in filters:
            problems.append(_p("scope_filter", "scope_filter_unknown", key=key))
            continue
        allowed = filters[key][1]
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        if not values or (allowed is not None and any(v not in allowed for v in values)):
            problems.append(_p("scope_filter", "scope_filter_value", key=key))
    path = "%"
    if spec.scope_org_id is not None:
        found = conn.execute(sa.select(OrgNode.path).where(OrgNode.id == spec.scope_org_id)).scalar_one_or_none()
        if found is None:
            return [*problems, _p("scope_org_id", "scope_unknown")]
        path = found + "%"
    if problems:
        return problems
    where = ["so.path LIKE :path"] if spec.entity_kind != "source" else []
    params: dict = {"path": path}
    for i, (key, wanted) in enumerate(spec.scope_filter.items()):
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        names = [f"f{i}_{j}" for j in range(len(values))]
        params.update(dict(zip(names, values, strict=True)))
        where.append(f"e.{filters[key][0]} IN ({', '.join(':' + n for n in names)})")
    sql = (
        f"SELECT 1 FROM ({ENTITY_SQL[spec.entity_kind].sql}) e JOIN org_node so ON so.id = e.org_id"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " LIMIT 1"
    )
    if conn.execute(sa.text(sql), {k: v for k, v in params.items() if f":{k}" in sql}).first() is None:
        return [_p("scope_org_id", "scope_empty", kind=spec.entity_kind)]
    return []


def _department_ids(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(sa.select(Department.code, Department.id)).all())


def save_rule(
    conn: Connection, spec: RuleSpec, *, actor: str, rule_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Create (``rule_id`` None) or change a rule; returns its id. Raises ``InvalidRule``.

    A change that alters nothing writes no version; any other writes version ``n + 1``.
    """
    problems = validate_rule(conn, spec, rule_id=rule_id)
    if problems:
        raise InvalidRule(problems)
    now = now or utcnow()
    values = {f.name: getattr(spec, f.name) for f in fields(RuleSpec) if f.name != "department_code"}
    values["department_id"] = _department_ids(conn)[spec.department_code]
    values["scope_filter"] = dict(spec.scope_filter)
    if rule_id is None:
        rule_id = conn.execute(
            sa.insert(AlertRule).values(**values, version=1, updated_at=now, updated_by=actor).returning(AlertRule.id)
        ).scalar_one()
        version = 1
    else:
        current = load_rule(conn, rule_id)
        if current == spec:
            return rule_id
        version = conn.execute(sa.select(AlertRule.version).where(AlertRule.id == rule_id)).scalar_one() + 1
        conn.execute(
            sa.update(AlertRule)
            .where(AlertRule.id == rule_id)
            .values(**values, version=version, updated_at=now, updated_by=actor)
        )
    conn.execute(
        sa.insert(AlertRuleVersion).values(
            rule_id=rule_id, version=version, definition=spec.definition(), changed_at=now, changed_by=actor
        )
    )
    return rule_id


def _spec_from_row(row, department_code: str | None) -> RuleSpec:
    return RuleSpec(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        metric_id=row.metric_id,
        entity_kind=row.entity_kind,
        comparison=row.comparison,
        warning_level=row.warning_level,
        critical_level=row.critical_level,
        recovery_level=row.recovery_level,
        window=row.window,
        for_seconds=int(row.for_seconds),
        department_code=department_code,
        scope_org_id=row.scope_org_id,
        scope_filter=dict(row.scope_filter or {}),
        enabled=bool(row.enabled),
    )


def load_rule(conn: Connection, rule_id: int) -> RuleSpec:
    """The rule as saved; ``LookupError`` when there is none."""
    row = conn.execute(
        sa.select(AlertRule.__table__, Department.code.label("department_code"))
        .join(Department, Department.id == AlertRule.department_id)
        .where(AlertRule.id == rule_id)
    ).first()
    if row is None:
        raise LookupError(f"alert rule {rule_id} does not exist")
    return _spec_from_row(row, row.department_code)


def rule_versions_of(conn: Connection, rule_id: int) -> int:
    return conn.execute(sa.select(AlertRule.version).where(AlertRule.id == rule_id)).scalar_one()


RULE_COLUMNS = [
    "id",
    "code",
    "name_zh",
    "name_en",
    "metric_id",
    "domain",
    "entity_kind",
    "comparison",
    "warning_level",
    "critical_level",
    "recovery_level",
    "window",
    "for_seconds",
    "department_code",
    "scope_org_id",
    "scope_filter",
    "enabled",
    "version",
    "updated_at",
    "updated_by",
]


def list_rules(conn: Connection) -> pd.DataFrame:
    """Every rule, by code: ``RULE_COLUMNS`` (``domain`` from the metrics catalog)."""
    rows = conn.execute(
        sa.select(AlertRule.__table__, Department.code.label("department_code"))
        .join(Department, Department.id == AlertRule.department_id)
        .order_by(AlertRule.code)
    ).all()
    records = [
        {
            **{c: getattr(r, c) for c in RULE_COLUMNS if c not in ("domain",)},
            "domain": r.metric_id.split(".")[0],
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=RULE_COLUMNS)


def rule_versions(conn: Connection, rule_id: int) -> pd.DataFrame:
    """The versions of a rule, oldest first: ``version, changed_at, changed_by, before, after``
    (``before`` is None for version 1; both are full definitions as dicts)."""
    rows = conn.execute(
        sa.select(
            AlertRuleVersion.version,
            AlertRuleVersion.changed_at,
            AlertRuleVersion.changed_by,
            AlertRuleVersion.definition,
        )
        .where(AlertRuleVersion.rule_id == rule_id)
        .order_by(AlertRuleVersion.version)
    ).all()
    records, before = [], None
    for version, changed_at, changed_by, definition in rows:
        records.append(
            {
                "version": version,
                "changed_at": changed_at,
                "changed_by": changed_by,
                "before": before,
                "after": definition,
            }
        )
        before = definition
    return pd.DataFrame(records, columns=["version", "changed_at", "changed_by", "before", "after"])


def ensure_default_rules(conn: Connection, *, now: dt.datetime | None = None) -> list[int]:
    """Insert the ``DEFAULT_RULES`` whose code is missing (never overwrite an edit); returns new ids."""
    from sqlalchemy.orm import Session

    from data.seed import seed_reference

    # A database seeded before the catalog gained the alert indicators lacks their metric rows.
    with Session(bind=conn) as session:
        seed_reference(session)
        session.flush()
    have = set(conn.execute(sa.select(AlertRule.code)).scalars())
    return [save_rule(conn, spec, actor="system", now=now) for spec in DEFAULT_RULES if spec.code not in have]


def with_changes(spec: RuleSpec, **changes) -> RuleSpec:
    return replace(spec, **changes)


from .defaults import DEFAULT_RULES  # noqa: E402  (the defaults are RuleSpecs: defined after the class)

__all__ = [
    "DEFAULT_RULES",
    "InvalidRule",
    "RuleProblem",
    "RuleSpec",
    "ensure_default_rules",
    "list_rules",
    "load_rule",
    "rule_versions",
    "save_rule",
    "validate_rule",
]
