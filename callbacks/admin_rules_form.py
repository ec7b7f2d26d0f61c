"""The rule form as the server reads it: the values a browser sends parsed into a ``RuleSpec``
(never trusted: a scope outside the administrator's is refused, anything malformed becomes a value
``validate_rule`` refuses with its own message), and a saved rule turned back into form values.
"""

from __future__ import annotations

import math

import components.admin_rules as ui
from data.alerts.rules import RuleProblem, RuleSpec

FORM_STATES = (
    (ui.CODE, "code"),
    (ui.NAME_ZH, "name_zh"),
    (ui.NAME_EN, "name_en"),
    (ui.METRIC, "metric_id"),
    (ui.KIND, "entity_kind"),
    (ui.SCOPE, "scope_org_id"),
    (ui.FILTER_KEY, "filter_key"),
    (ui.FILTER_VALUES, "filter_values"),
    (ui.COMPARISON, "comparison"),
    (ui.WARNING, "warning_level"),
    (ui.CRITICAL, "critical_level"),
    (ui.RECOVERY, "recovery_level"),
    (ui.WINDOW_KIND, "window_kind"),
    (ui.WINDOW_N, "window_n"),
    (ui.FOR_VALUE, "for_value"),
    (ui.FOR_UNIT, "for_unit"),
    (ui.DEPARTMENT, "department_code"),
    (ui.ENABLED, "enabled"),
)
FORM_FIELDS = [name for _, name in FORM_STATES]


class OutOfScope(Exception):
    """A scope, or a rule, outside the administrator's own data scope."""


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _level(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan  # not finite: validate_rule says "a level must be a number"


def _count(value):
    if value is None or value == "":
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _window(kind, n) -> str:
    kind = kind if isinstance(kind, str) else ""
    if kind not in ui.COUNTED_WINDOWS:
        return kind
    count = _count(n)
    return f"{kind}:{'x' if count is None else count}"


def _for_seconds(value, unit):
    count = _count(value)
    if count is None:
        return "invalid"  # validate_rule refuses anything but a non-negative int
    return count * ui.FOR_UNITS.get(unit if isinstance(unit, str) else "", 3600)


def _scope_filter(key, values) -> dict:
    if not isinstance(key, str) or not key:
        return {}
    wanted = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
    return {key: wanted[0] if len(wanted) == 1 else wanted}


def form_spec(form: dict, *, allowed: set[int], root: int | None) -> tuple[RuleSpec, list[RuleProblem]]:
    """The rule the form describes, plus the problems only the form can see (no scope chosen).

    Raises ``OutOfScope`` for a scope outside the administrator's. The province root is stored as
    "no scope" (the whole province), as the default rules are.
    """
    problems = []
    scope = form.get("scope_org_id")
    if scope is None or scope == "":
        problems.append(RuleProblem("scope_org_id", "rules.problem.scope_missing", {}))
        scope_id = None
    else:
        try:
            scope_id = int(scope)
        except (TypeError, ValueError) as exc:
            raise OutOfScope from exc
        if scope_id not in allowed:
            raise OutOfScope
    name_zh, name_en = _text(form.get("name_zh"), 128), _text(form.get("name_en"), 128)
    enabled = form.get("enabled")
    spec = RuleSpec(
        code=_text(form.get("code"), 64),
        name_zh=name_zh or name_en,
        name_en=name_en or name_zh,
        metric_id=_text(form.get("metric_id"), 64),
        entity_kind=_text(form.get("entity_kind"), 32),
        comparison=_text(form.get("comparison"), 32),
        warning_level=_level(form.get("warning_level")),
        critical_level=_level(form.get("critical_level")),
        recovery_level=_level(form.get("recovery_level")),
        window=_window(form.get("window_kind"), form.get("window_n")),
        for_seconds=_for_seconds(form.get("for_value"), form.get("for_unit")),
        department_code=_text(form.get("department_code"), 32) or None,
        scope_org_id=None if scope_id == root else scope_id,
        scope_filter=_scope_filter(form.get("filter_key"), form.get("filter_values")),
        enabled=isinstance(enabled, list) and "on" in enabled,
    )
    return spec, problems


def form_dict(values) -> dict:
    return dict(zip(FORM_FIELDS, values, strict=True))


NEW_FORM = {
    "code": "",
    "name_zh": "",
    "name_en": "",
    "metric_id": None,
    "entity_kind": None,
    "filter_key": None,
    "filter_values": [],
    "comparison": "above",
    "warning_level": None,
    "critical_level": None,
    "recovery_level": None,
    "window_kind": "latest",
    "window_n": None,
    "for_value": 0,
    "for_unit": "hours",
    "department_code": None,
    "enabled": ["on"],
}


def form_values(spec: RuleSpec, root: int | None) -> dict:
    kind, _, n = spec.window.partition(":")
    for_value, for_unit = ui.split_for_seconds(spec.for_seconds)
    key, wanted = next(iter(spec.scope_filter.items()), (None, []))
    return {
        "code": spec.code,
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "metric_id": spec.metric_id,
        "entity_kind": spec.entity_kind,
        "scope_org_id": root if spec.scope_org_id is None else spec.scope_org_id,
        "filter_key": key,
        "filter_values": list(wanted) if isinstance(wanted, list | tuple) else [wanted],
        "comparison": spec.comparison,
        "warning_level": spec.warning_level,
        "critical_level": spec.critical_level,
        "recovery_level": spec.recovery_level,
        "window_kind": kind,
        "window_n": int(n) if n.isdigit() else None,
        "for_value": for_value,
        "for_unit": for_unit,
        "department_code": spec.department_code,
        "enabled": ["on"] if spec.enabled else [],
    }
