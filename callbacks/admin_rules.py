"""Rule editor (规则配置): list the threshold rules, edit one in the form, preview what it would
fire on now, backtest it over the last 90 days, save it as a new version, enable or disable it.

Every callback checks ``manage_rules`` on the server. Whatever the browser sends is parsed here
and validated again by ``data.alerts.rules.validate_rule`` before anything runs or is saved; a
rule's scope (the one sent, and the stored one of the rule being changed) must lie inside the
administrator's own data scope, and the rule id sent by the client is checked the same way.
Saves, toggles and refused saves are audited in the same unit of work as the change.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets

from dash import Dash, Input, Output, State, ctx, no_update

import components.admin_rules as ui
from callbacks.admin_rules_form import FORM_FIELDS, FORM_STATES, NEW_FORM, OutOfScope, form_dict, form_spec, form_values
from components.admin import build_error, build_message, org_options
from data import users as users_data
from data.alerts.channels import list_departments
from data.alerts.entities import ENTITY_SQL
from data.alerts.evaluate import backtest, preview
from data.alerts.indicators import INDICATORS, metric_unit
from data.alerts.rules import InvalidRule, RuleProblem, RuleSpec, list_rules, load_rule, rule_versions, save_rule
from data.alerts.rules import validate_rule as engine_validate
from data.audit import write_audit
from data.catalog import DOMAINS, METRICS, METRICS_BY_ID
from data.db import session_scope, write_session
from data.frames import frame_records
from data.reference import ASSET_CATEGORIES
from presentation.i18n import t
from security import require_permission
from security.context import current_address, current_engine, current_language, current_scope, current_user_info

BACKTEST_DAYS = 90
PREVIEW_CODE = "preview"  # stands in for the code of a rule not saved yet (the code is not previewed)
IDENTITY_FIELDS = ("code", "name_zh", "name_en")
FILTER_NAMES = {code: (zh, en) for code, _parent, zh, en, _life in ASSET_CATEGORIES}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- what the engine supports, and names ----------------------------------------------------------


def engine_indicators() -> list[dict]:
    """The catalog's metrics the alert engine computes, by domain and catalog order."""
    order = {d: i for i, d in enumerate(DOMAINS)}
    metrics = [m for m in METRICS if m.id in INDICATORS]
    metrics.sort(key=lambda m: order.get(m.domain, len(order)))
    return [
        {
            "id": m.id,
            "domain": m.domain,
            "name_zh": m.name_zh,
            "name_en": m.name_en,
            "unit": m.unit,
            "bad_direction": m.bad_direction,
        }
        for m in metrics
    ]


def filter_values(kind: str | None, key: str | None) -> list[str]:
    """The values a scope filter offers (the engine's own list, else the reference data's)."""
    entity = ENTITY_SQL.get(kind or "")
    if entity is None or key not in entity.filters:
        return []
    allowed = entity.filters[key][1]
    if allowed is not None:
        return list(allowed)
    if key == "asset_category":
        return [code for code, *_ in ASSET_CATEGORIES]
    if key == "use_type":
        return ["office", "archive", "training"]
    if key == "energy_type":
        return ["petrol", "diesel", "electric", "hybrid"]
    return []


def _names(lang: str, orgs: list[dict], departments: list[dict]) -> dict:
    pick = 0 if lang == "zh" else 1
    return {
        "metrics": {m.id: m.name(lang) for m in METRICS},
        "departments": {d["code"]: d["name_zh" if lang == "zh" else "name_en"] for d in departments},
        "orgs": {o["id"]: o["name_zh" if lang == "zh" else "name_en"] for o in orgs},
        "filters": {code: names[pick] for code, names in FILTER_NAMES.items()},
    }


# --- scope ------------------------------------------------------------------------------------------


def _allowed_orgs(session) -> tuple[list[dict], int | None]:
    """Org nodes inside the administrator's scope, and the province root's id when that is in it."""
    orgs = users_data.list_org_choices(session, within_path=current_scope().org_path)
    root = next((o["id"] for o in orgs if o["depth"] == 0), None)
    return orgs, root


def _rule_in_scope(scope_org_id: int | None, allowed: set[int], root: int | None) -> bool:
    """A rule's scope lies inside the administrator's (a province-wide rule: only for the root's)."""
    return root is not None if scope_org_id is None else scope_org_id in allowed


def problem_store(problems: list[RuleProblem], lang: str) -> dict:
    """Problems as the field slots show them, in the user's language."""
    out: dict[str, list[str]] = {}
    for p in problems:
        field = p.field if p.field in ui.FIELDS else "scope_org_id"
        out.setdefault(field, []).append(t(p.message_key, lang, **p.params))
    return {"problems": out, "at": utcnow().isoformat()}


def _checked(conn, spec: RuleSpec, extra: list[RuleProblem], *, rule_id=None, identity=True) -> list[RuleProblem]:
    """``extra`` and the engine's problems. A code another rule holds is checked here: the engine's
    own ``code_taken`` problem cannot be built yet (its ``code`` parameter clashes with ``_p``'s)."""
    taken = [r["id"] for r in frame_records(list_rules(conn)) if r["code"] == spec.code]
    if taken and _opt_int(taken[0]) != rule_id:
        extra = [*extra, RuleProblem("code", "alerts.rule.problem.code_taken", {"code": spec.code})]
        spec = RuleSpec(**{**spec.definition(), "code": f"unused.{secrets.token_hex(8)}"})
    problems = [*extra, *engine_validate(conn, spec, rule_id=rule_id)]
    if not identity:
        problems = [p for p in problems if p.field not in IDENTITY_FIELDS]
    if any(p.field == "scope_org_id" and p.message_key == "rules.problem.scope_missing" for p in extra):
        problems = [p for p in problems if p.message_key != "alerts.rule.problem.scope_empty"]
    return problems


def _refused(lang: str, action: str):
    user = current_user_info()
    with write_session(current_engine()) as session:
        write_audit(session, user.username, action, None, {"refused": "out_of_scope"}, current_address(), "denied")
    return build_error(t("rules.error.out_of_scope", lang))


# --- callbacks ----------------------------------------------------------------------------------------


@require_permission("manage_rules")
def update_rules_list(_refresh):
    """The rules inside the administrator's scope."""
    lang = current_language()
    with session_scope(current_engine()) as session:
        conn = session.connection()
        orgs, root = _allowed_orgs(session)
        rules = frame_records(list_rules(conn))
        departments = list_departments(conn)
    allowed = {o["id"] for o in orgs}
    for r in rules:
        r["scope_org_id"] = _opt_int(r["scope_org_id"])
    visible = [r for r in rules if _rule_in_scope(r["scope_org_id"], allowed, root)]
    return ui.rule_rows(visible, lang, _names(lang, orgs, departments))


def _opt_int(value) -> int | None:
    try:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)
    except (TypeError, ValueError):
        return None


def rule_choices(metric_id, kind, comparison, window_kind, filter_key) -> tuple:
    """What the chosen indicator supports: entity kinds, comparisons, windows, filters, unit."""
    lang = current_language()
    metric_id, kind, comparison, window_kind, filter_key = (
        v if isinstance(v, str) else None for v in (metric_id, kind, comparison, window_kind, filter_key)
    )
    indicator = INDICATORS.get(metric_id or "")
    metric = METRICS_BY_ID.get(metric_id or "")
    if indicator is None or metric is None:
        everything = ui.comparison_options(ui.COMPARISONS, lang), ui.window_options(ui.WINDOW_KINDS, lang)
        return [], *everything, "", "", [], []
    comparisons = [c for c in ui.COMPARISONS if indicator.baseline or c not in ui.CHANGE_COMPARISONS]
    hint = t(
        "rules.metric_hint",
        lang,
        unit=ui.unit_text(metric.unit, lang),
        direction=t(f"rules.direction.{metric.bad_direction}", lang),
        kinds=("、" if lang == "zh" else ", ").join(ui.kind_label(k, lang) for k in indicator.kinds),
    )
    change = comparison in ui.CHANGE_COMPARISONS or window_kind == "ytd_pace"
    unit = "%" if change else ui.unit_text(metric_unit(metric.id, "latest"), lang)
    level_unit = t("rules.level_unit", lang, unit=unit)
    if is_fraction(metric.id) and not change:
        level_unit = t("rules.level_unit_fraction", lang)
    filters = list(ENTITY_SQL[kind].filters) if kind in ENTITY_SQL and kind in indicator.kinds else []
    names = {code: pair[0 if lang == "zh" else 1] for code, pair in FILTER_NAMES.items()}
    return (
        ui.kind_options(indicator.kinds, lang),
        ui.comparison_options(comparisons, lang),
        ui.window_options(indicator.windows, lang),
        hint,
        level_unit,
        ui.filter_key_options(filters, lang),
        ui.filter_value_options(
            filter_key if filter_key in filters else None, filter_values(kind, filter_key), lang, names
        ),
    )


FIELD_TRIGGERS = (ui.METRIC, ui.KIND, ui.COMPARISON, ui.WINDOW_KIND, ui.FILTER_KEY)


@require_permission("manage_rules")
def update_rule_form(selected_rows, _new, saved, metric_id, kind, comparison, window_kind, filter_key):
    """Open the selected (or just saved) rule in the form, "new rule" empties it; a change of the
    indicator, entity kind, comparison, window or filter refreshes the choices that depend on it.

    Values and their dropdowns' options travel together, so a dropdown never holds a value its
    options do not list yet (Dash's dropdown would clear it).
    """
    trigger = ctx.triggered_id
    if trigger in FIELD_TRIGGERS:
        keep = [no_update] * (2 + len(FORM_FIELDS) + 3)
        return (*keep, *rule_choices(metric_id, kind, comparison, window_kind, filter_key))
    lang = current_language()
    rule_id = None
    if trigger == ui.SAVED:
        rule_id = _opt_int((saved or {}).get("id"))
    elif trigger != ui.NEW and selected_rows and isinstance(selected_rows[0], dict):
        rule_id = _opt_int(selected_rows[0].get("id"))
    with session_scope(current_engine()) as session:
        orgs, root = _allowed_orgs(session)
        departments = list_departments(session.connection())
        spec = None
        if rule_id is not None:
            try:
                spec = load_rule(session.connection(), rule_id)
            except LookupError:
                spec = None
    if spec is None or not _rule_in_scope(spec.scope_org_id, {o["id"] for o in orgs}, root):
        values = {**NEW_FORM, "scope_org_id": current_scope().org_id}
        heading, rule_id = t("rules.form.new", lang), None
    else:
        values = form_values(spec, root)
        heading = t("rules.form.edit", lang, name=spec.name_zh if lang == "zh" else spec.name_en)
    choices = rule_choices(
        *(values[k] for k in ("metric_id", "entity_kind", "comparison", "window_kind", "filter_key"))
    )
    return (
        rule_id,
        heading,
        *[values[name] for name in FORM_FIELDS],
        ui.indicator_options(engine_indicators(), lang),
        org_options(orgs, lang),
        ui.department_options(departments, lang),
        *choices,
    )


@require_permission("manage_rules")
def update_rule_versions(rule_id, _refresh):
    lang = current_language()
    rule_id = _opt_int(rule_id)
    if rule_id is None:
        return ui.build_versions([], lang, {})
    with session_scope(current_engine()) as session:
        conn = session.connection()
        orgs, root = _allowed_orgs(session)
        try:
            spec = load_rule(conn, rule_id)
        except LookupError:
            return ui.build_versions([], lang, {})
        if not _rule_in_scope(spec.scope_org_id, {o["id"] for o in orgs}, root):
            return build_error(t("rules.error.out_of_scope", lang))
        versions = frame_records(rule_versions(conn, rule_id))
        names = _names(lang, orgs, list_departments(conn))
    return ui.build_versions(versions, lang, names)


def is_fraction(metric_id: str) -> bool:
    """A "%" indicator the engine computes as a fraction (levels 0.35, not 35): the ratios."""
    indicator = INDICATORS.get(metric_id)
    metric = METRICS_BY_ID.get(metric_id)
    return bool(indicator and metric and metric.unit == "%" and indicator.family in ("night_share", "state_ratio"))


def _units(spec: RuleSpec) -> tuple[str, str, float]:
    """``(value unit, figure unit, figure scale)``: fractions are shown as percentages."""
    unit = metric_unit(spec.metric_id, spec.window.partition(":")[0])
    if spec.comparison in ui.CHANGE_COMPARISONS:
        return unit, "%", 1.0
    return unit, unit, 100.0 if is_fraction(spec.metric_id) and unit == "%" else 1.0


def _entity_rows(frame, lang: str, org_names: dict, spec: RuleSpec) -> list[dict]:
    name = "entity_name_zh" if lang == "zh" else "entity_name_en"
    unit, _, scale = _units(spec)
    value_scale = 100.0 if unit == "%" and is_fraction(spec.metric_id) else 1.0
    rows = []
    for r in frame_records(frame):
        row = {**r, "entity_name": r[name], "org": org_names.get(_opt_int(r["org_id"]), "")}
        for key, factor in (("value", value_scale), ("figure", scale), ("threshold", scale), ("max_figure", scale)):
            if key in row and row[key] is not None:
                row[key] = row[key] * factor
        rows.append(row)
    return rows


def _run(kind: str, values) -> tuple:
    """Preview or backtest the form's rule (``kind``): ``(children, problems store)``."""
    lang = current_language()
    try:
        return _evaluate(kind, form_dict(values), lang)
    except OutOfScope:  # audited after the read has ended
        return _refused(lang, f"rule_{kind}"), problem_store([], lang)


def _evaluate(kind: str, form: dict, lang: str) -> tuple:
    with session_scope(current_engine()) as session:
        conn = session.connection()
        orgs, root = _allowed_orgs(session)
        spec, extra = form_spec(form, allowed={o["id"] for o in orgs}, root=root)
        if not spec.code:
            spec = RuleSpec(**{**spec.definition(), "code": PREVIEW_CODE})
        problems = _checked(conn, spec, extra, identity=False)
        if problems:
            return build_error(t("rules.error.invalid", lang)), problem_store(problems, lang)
        now = utcnow()
        frame = preview(conn, spec, now=now) if kind == "preview" else backtest(conn, spec, now=now, days=BACKTEST_DAYS)
    rows = _entity_rows(frame, lang, _names(lang, orgs, [])["orgs"], spec)
    unit, figure_unit, _scale = _units(spec)
    if kind == "preview":
        as_of = str(rows[0]["as_of"]) if rows else None
        return ui.build_preview(rows, lang, unit=unit, figure_unit=figure_unit, as_of=as_of), problem_store([], lang)
    return ui.build_backtest(rows, lang, figure_unit=figure_unit, days=BACKTEST_DAYS), problem_store([], lang)


@require_permission("manage_rules")
def update_rule_preview(_clicks, _opened, *values):
    """What the form's rule would fire on now; emptied when another rule opens in the form."""
    if ctx.triggered_id == ui.HEADING:
        return ui.build_hint(current_language(), "rules.preview.hint"), no_update
    return _run("preview", values)


@require_permission("manage_rules")
def update_rule_backtest(_clicks, _opened, *values):
    """How often the form's rule would have fired in the last 90 days; emptied like the preview."""
    if ctx.triggered_id == ui.HEADING:
        return ui.build_hint(current_language(), "rules.backtest.hint"), no_update
    return _run("backtest", values)


def _changed_fields(before: RuleSpec | None, after: RuleSpec) -> dict:
    if before is None:
        return {"created": True}
    old, new = before.definition(), after.definition()
    return {k: [old[k], new[k]] for k in new if old[k] != new[k]}


@require_permission("manage_rules")
def update_rule_save(_save, _toggle, rule_id, *values):
    """Save the form as a new version (a new rule when none is open), or flip enabled."""
    lang = current_language()
    try:
        return _save_rule(lang, ctx.triggered_id, _opt_int(rule_id), form_dict(values))
    except OutOfScope:  # audited after the refused unit of work has ended
        return _refused(lang, "rule_update"), problem_store([], lang), no_update, no_update


def _save_rule(lang: str, action, rule_id: int | None, form: dict) -> tuple:
    actor = current_user_info().username
    quiet = (problem_store([], lang), no_update, no_update)
    with write_session(current_engine()) as session:
        conn = session.connection()
        orgs, root = _allowed_orgs(session)
        allowed = {o["id"] for o in orgs}
        before = None
        if rule_id is not None:
            try:
                before = load_rule(conn, rule_id)
            except LookupError:
                return build_error(t("rules.error.gone", lang)), *quiet
            if not _rule_in_scope(before.scope_org_id, allowed, root):
                raise OutOfScope
        if action == ui.TOGGLE:
            if before is None:
                return build_error(t("rules.error.select_rule", lang)), *quiet
            spec, extra = RuleSpec(**{**before.definition(), "enabled": not before.enabled}), []
        else:
            spec, extra = form_spec(form, allowed=allowed, root=root)
            if not spec.code:
                spec = RuleSpec(**{**spec.definition(), "code": _new_code(spec)})
        problems = _checked(conn, spec, extra, rule_id=rule_id)
        audit_action = _audit_action(action, before, spec)
        if problems:
            detail = {"problems": sorted({p.message_key.rsplit(".", 1)[1] for p in problems})}
            write_audit(session, actor, audit_action, spec.code or None, detail, current_address(), "failed")
            return build_error(t("rules.error.invalid", lang)), problem_store(problems, lang), no_update, no_update
        if before is not None and before == spec:
            return build_message(t("rules.saved.unchanged", lang)), *quiet
        try:
            saved_id = save_rule(conn, spec, actor=actor, rule_id=rule_id, now=utcnow())
        except InvalidRule as exc:  # the engine's own check, inside the same transaction
            return build_error(t("rules.error.invalid", lang)), problem_store(exc.problems, lang), no_update, no_update
        write_audit(session, actor, audit_action, spec.code, _changed_fields(before, spec), current_address())
    name = spec.name_zh if lang == "zh" else spec.name_en
    key = {"rule_enable": "rules.saved.enabled", "rule_disable": "rules.saved.disabled"}.get(
        audit_action, "rules.saved.created" if before is None else "rules.saved.updated"
    )
    saved = {"id": saved_id, "at": utcnow().isoformat()}
    return build_message(t(key, lang, name=name)), problem_store([], lang), saved, saved["at"]


def _audit_action(action, before: RuleSpec | None, spec: RuleSpec) -> str:
    if before is None:
        return "rule_create"
    if action == ui.TOGGLE:
        return "rule_enable" if spec.enabled else "rule_disable"
    return "rule_update"


def _new_code(spec: RuleSpec) -> str:
    base = (spec.metric_id or "rule").lower()[:36]
    return f"{base}.{secrets.token_hex(3)}"


@require_permission("manage_rules")
def update_rule_problems(preview_problems, backtest_problems, save_problems, _opened):
    """The newest action's problems next to their fields (none once another rule opens)."""
    stores = {ui.PREVIEW_PROBLEMS: preview_problems, ui.BACKTEST_PROBLEMS: backtest_problems}
    stores[ui.SAVE_PROBLEMS] = save_problems
    store = stores.get(ctx.triggered_id) or {}
    problems = store.get("problems") or {} if isinstance(store, dict) else {}
    return [ui.build_problems([str(x) for x in problems.get(field) or []]) for field in ui.FIELDS]


def register(app: Dash) -> None:
    """Register the rule editor's callbacks on ``app``."""
    form_states = [State(cid, "value") for cid, _ in FORM_STATES]
    app.callback(Output(ui.GRID, "rowData"), Input(ui.REFRESH, "data"))(update_rules_list)
    app.callback(
        Output(ui.RULE_ID, "data"),
        Output(ui.HEADING, "children"),
        *[Output(cid, "value") for cid, _ in FORM_STATES],
        Output(ui.METRIC, "options"),
        Output(ui.SCOPE, "options"),
        Output(ui.DEPARTMENT, "options"),
        Output(ui.KIND, "options"),
        Output(ui.COMPARISON, "options"),
        Output(ui.WINDOW_KIND, "options"),
        Output(ui.METRIC_HINT, "children"),
        Output(ui.LEVEL_UNIT, "children"),
        Output(ui.FILTER_KEY, "options"),
        Output(ui.FILTER_VALUES, "options"),
        Input(ui.GRID, "selectedRows"),
        Input(ui.NEW, "n_clicks"),
        Input(ui.SAVED, "data"),
        *[Input(cid, "value") for cid in FIELD_TRIGGERS],
    )(update_rule_form)
    app.callback(
        Output(ui.VERSIONS_OUT, "children"),
        Input(ui.RULE_ID, "data"),
        Input(ui.REFRESH, "data"),
    )(update_rule_versions)
    app.callback(
        Output(ui.PREVIEW_OUT, "children"),
        Output(ui.PREVIEW_PROBLEMS, "data"),
        Input(ui.PREVIEW, "n_clicks"),
        Input(ui.HEADING, "children"),
        *form_states,
        prevent_initial_call=True,
    )(update_rule_preview)
    app.callback(
        Output(ui.BACKTEST_OUT, "children"),
        Output(ui.BACKTEST_PROBLEMS, "data"),
        Input(ui.BACKTEST, "n_clicks"),
        Input(ui.HEADING, "children"),
        *form_states,
        prevent_initial_call=True,
    )(update_rule_backtest)
    app.callback(
        Output(ui.MESSAGE, "children"),
        Output(ui.SAVE_PROBLEMS, "data"),
        Output(ui.SAVED, "data"),
        Output(ui.REFRESH, "data"),
        Input(ui.SAVE, "n_clicks"),
        Input(ui.TOGGLE, "n_clicks"),
        State(ui.RULE_ID, "data"),
        *form_states,
        prevent_initial_call=True,
    )(update_rule_save)
    app.callback(
        *[Output(ui.problem_slot(field), "children") for field in ui.FIELDS],
        Input(ui.PREVIEW_PROBLEMS, "data"),
        Input(ui.BACKTEST_PROBLEMS, "data"),
        Input(ui.SAVE_PROBLEMS, "data"),
        Input(ui.HEADING, "children"),
        prevent_initial_call=True,
    )(update_rule_problems)
