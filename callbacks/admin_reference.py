"""Reference data (参考数据): list the asset categories' depreciation and the office-space limits
(anyone who may view the pages they judge), and let an administrator change one row.

Every callback checks its permission on the server: ``view`` to read, ``manage_reference`` to
open a row in the form, review a change or save it. Reference data applies to the whole
province, so a save also needs the province-wide scope (an administrator of one city is refused,
audited, as the rule editor refuses a province-wide rule to them). A change is first reviewed
(validated; the confirmation lists old → new and what it recomputes) and then confirmed; the
confirmed values are validated again. The save, its audit row, the recompute of the latest
month and the request to recompute the earlier months commit together.
"""

from __future__ import annotations

import datetime as dt

from dash import Dash, Input, Output, State, ctx, no_update

import components.admin_reference as ui
from components.admin import build_error, build_message
from data.audit import write_audit
from data.calendar import configured_calendar
from data.db import session_scope, write_session
from data.reference_edit import (
    DOMAIN_OF,
    InvalidEdit,
    Problem,
    category_changes,
    fetch_categories,
    fetch_standards,
    parse_category_edit,
    parse_standard_edit,
    save_category,
    save_standard,
    standard_changes,
)
from data.rollup.recompute import fetch_recompute_status, latest_state_month, request_recompute, state_months
from data.rollup.recompute import recompute_states as recompute
from presentation.format import format_time
from presentation.i18n import t
from security import require_permission
from security.context import current_address, current_engine, current_language, current_scope, current_user_info

PERMISSION = "manage_reference"
TABLES = {
    "asset_category": (ui.CATEGORY_FIELDS, parse_category_edit, category_changes, save_category),
    "office_space_standard": (ui.STANDARD_FIELDS, parse_standard_edit, standard_changes, save_standard),
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _row_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number == value or str(number) == str(value) else None


def may_edit() -> bool:
    """Holds ``manage_reference`` and a province-wide scope (the tree's root)."""
    user = current_user_info()
    if PERMISSION not in user.permissions or user.scope_org_id is None:
        return False
    return current_scope().org_path.strip("/").count("/") == 0


# --- reads -------------------------------------------------------------------------------------------


@require_permission("view")
def update_reference_grids(_refresh):
    lang = current_language()
    with session_scope(current_engine()) as session:
        conn = session.connection()
        categories, standards = fetch_categories(conn), fetch_standards(conn)
    return ui.category_rows(categories, lang), ui.standard_rows(standards, lang)


def status_text(status, lang: str) -> str:
    if status is None:
        return t("refadmin.status.none", lang)
    when = format_time(status.finished_at or status.requested_at)
    return t(
        f"refadmin.status.{status.outcome}",
        lang,
        when=when,
        done=status.done,
        total=status.total,
        error=status.error or "",
    )


@require_permission("view")
def update_recompute_status(_n, _refresh):
    """Where the recompute of earlier months stands; the page polls only while one is under way."""
    lang = current_language()
    with session_scope(current_engine()) as session:
        status = fetch_recompute_status(session.connection())
    busy = status is not None and status.outcome in ("pending", "running")
    return status_text(status, lang), not busy


@require_permission(PERMISSION)
def update_category_form(selected_rows, _refresh, current_id):
    """Open the selected category in the form (the saved one again after a save)."""
    return _open_row("asset_category", selected_rows, current_id)


@require_permission(PERMISSION)
def update_standard_form(selected_rows, _refresh, current_id):
    return _open_row("office_space_standard", selected_rows, current_id)


def _open_row(table: str, selected_rows, current_id) -> tuple:
    lang = current_language()
    row_id = _row_id(current_id)
    if ctx.triggered_id in (ui.CAT_GRID, ui.STD_GRID):
        row_id = _row_id(selected_rows[0].get("id")) if selected_rows and isinstance(selected_rows[0], dict) else None
    with session_scope(current_engine()) as session:
        conn = session.connection()
        rows = fetch_categories(conn) if table == "asset_category" else fetch_standards(conn)
    row = next((r for r in rows if r["id"] == row_id), None)
    if table == "asset_category":
        if row is None:
            return None, t("refadmin.form.pick_category", lang), None, None, None
        name = row["name_zh"] if lang == "zh" else row["name_en"]
        heading = t("refadmin.form.category", lang, code=row["code"], name=name)
        return row["id"], heading, row["depreciation_method"], row["useful_life_years"], row["residual_pct"]
    if row is None:
        return None, t("refadmin.form.pick_standard", lang), None, None
    rank = row["rank_zh"] if lang == "zh" else row["rank_en"]
    heading = t("refadmin.form.standard", lang, level=ui.level_label(row["admin_level"], lang), rank=rank)
    return row["id"], heading, row["limit_m2"], row["source"]


# --- review and save ---------------------------------------------------------------------------------

# A row picked in a grid empties that tab's pending change (the form now shows another row).
CATEGORY_TRIGGERS = (ui.CAT_REVIEW, ui.CAT_CONFIRM, ui.CAT_CANCEL, ui.CAT_GRID)
STANDARD_TRIGGERS = (ui.STD_REVIEW, ui.STD_CONFIRM, ui.STD_CANCEL, ui.STD_GRID)


def _problem_outputs(problems: list[Problem], lang: str) -> list:
    texts: dict[str, list[str]] = {}
    for p in problems:
        texts.setdefault(p.field, []).append(t(p.key, lang, **p.params))
    return [ui.build_problems(texts.get(field, [])) for field in ui.FIELDS]


@require_permission(PERMISSION)
def update_reference_action(
    _cat_review, _cat_confirm, _cat_cancel, _cat_picked, _std_review, _std_confirm, _std_cancel, _std_picked,
    cat_id, std_id, method, life, residual, limit, source, cat_pending, std_pending,
):  # fmt: skip
    """Review a change (validate it and show what it changes and recomputes), confirm it (save,
    audit, recompute), or cancel it. Returns: message, refresh, the two pending changes, the two
    confirmation boxes and the problem slots."""
    lang = current_language()
    trigger = ctx.triggered_id
    table = "asset_category" if trigger in CATEGORY_TRIGGERS else "office_space_standard"
    row_id = _row_id(cat_id if table == "asset_category" else std_id)
    values = (
        {"depreciation_method": method, "useful_life_years": life, "residual_pct": residual}
        if table == "asset_category"
        else {"limit_m2": limit, "source": source}
    )
    pending = cat_pending if table == "asset_category" else std_pending
    if trigger in (ui.CAT_REVIEW, ui.STD_REVIEW):
        message, new_pending, box, problems = _review(table, row_id, values, lang)
        return _result(table, message, no_update, new_pending, box, problems, lang)
    if trigger in (ui.CAT_CONFIRM, ui.STD_CONFIRM):
        message, refresh, problems = _confirm(table, pending, lang)
        return _result(table, message, refresh, None, None, problems, lang)
    return _result(table, no_update, no_update, None, None, [], lang)  # cancelled, or another row picked


def _result(table, message, refresh, pending, box, problems, lang) -> tuple:
    confirm, cancel = (ui.CAT_CONFIRM, ui.CAT_CANCEL) if table == "asset_category" else (ui.STD_CONFIRM, ui.STD_CANCEL)
    box = box if box is not None else ui.build_hidden_confirmation(confirm_id=confirm, cancel_id=cancel)
    ours = (pending, box)
    keep = (no_update, no_update)
    boxes = (*ours, *keep) if table == "asset_category" else (*keep, *ours)
    return (message, refresh, boxes[0], boxes[2], boxes[1], boxes[3], *_problem_outputs(problems, lang))


def _review(table: str, row_id: int | None, values: dict, lang: str) -> tuple:
    if row_id is None:
        return build_error(t("refadmin.gone", lang)), None, None, []
    if not may_edit():
        return build_error(t("refadmin.out_of_scope", lang)), None, None, []
    _fields, parse, changes_of, _save = TABLES[table]
    edit, problems = parse(values)
    if problems:
        return build_error(t("refadmin.invalid", lang)), None, None, problems
    with session_scope(current_engine()) as session:
        try:
            changes = changes_of(session, row_id, edit)
        except LookupError:
            return build_error(t("refadmin.gone", lang)), None, None, []
        if not changes:
            return build_message(t("refadmin.unchanged", lang)), None, None, []
        affects = _affects(session, table, row_id, lang)
    confirm, cancel = (ui.CAT_CONFIRM, ui.CAT_CANCEL) if table == "asset_category" else (ui.STD_CONFIRM, ui.STD_CANCEL)
    box = ui.build_confirmation(ui.change_lines(changes, lang), affects, lang, confirm_id=confirm, cancel_id=cancel)
    return None, {"id": row_id, "values": values}, box, []


def _affects(session, table: str, row_id: int, lang: str) -> str:
    conn = session.connection()
    months = len(state_months(conn, [DOMAIN_OF[table]])) or 1
    if table == "asset_category":
        count = next((r["asset_count"] for r in fetch_categories(conn) if r["id"] == row_id), 0)
        return t("refadmin.confirm.affects_asset", lang, count=count, months=months)
    row = next(r for r in fetch_standards(conn) if r["id"] == row_id)
    rank = row["rank_zh"] if lang == "zh" else row["rank_en"]
    return t(
        "refadmin.confirm.affects_housing",
        lang,
        level=ui.level_label(row["admin_level"], lang),
        rank=rank,
        months=months,
    )


def _confirm(table: str, pending, lang: str) -> tuple:
    pending = pending if isinstance(pending, dict) else {}
    row_id, values = _row_id(pending.get("id")), pending.get("values")
    fields, _parse, _changes, save = TABLES[table]
    if row_id is None or not isinstance(values, dict):
        return build_error(t("refadmin.gone", lang)), no_update, []
    values = {name: values.get(name) for name in fields}
    user = current_user_info()
    if not may_edit():
        with write_session(current_engine()) as session:
            write_audit(
                session,
                user.username,
                "reference_change",
                f"{table}:{row_id}",
                {"refused": "out_of_scope"},
                current_address(),
                "denied",
            )
        return build_error(t("refadmin.out_of_scope", lang)), no_update, []
    domain = DOMAIN_OF[table]
    today = configured_calendar().today()
    now = utcnow()
    try:
        with write_session(current_engine()) as session:
            changes = save(session, row_id, values, actor=user.username, now=now, address=current_address())
            if not changes:
                return build_message(t("refadmin.unchanged", lang)), no_update, []
            conn = session.connection()
            latest = latest_state_month(conn, [domain], today)
            recompute(conn, [domain], as_of=today, months=[latest])
            earlier = [m for m in state_months(conn, [domain]) if m < latest]
            if earlier:
                request_recompute(conn, [domain], now=now, actor=user.username)
            target = _target_name(session, table, row_id, lang)
    except InvalidEdit as exc:
        return build_error(t("refadmin.invalid", lang)), no_update, exc.problems
    except LookupError:
        return build_error(t("refadmin.gone", lang)), no_update, []
    text = t("refadmin.saved", lang, target=target, month=latest.strftime("%Y-%m"))
    if earlier:
        text += " " + t("refadmin.saved.history", lang, months=len(earlier))
    return build_message(text), now.isoformat(), []


def _target_name(session, table: str, row_id: int, lang: str) -> str:
    conn = session.connection()
    if table == "asset_category":
        row = next(r for r in fetch_categories(conn) if r["id"] == row_id)
        return f"{row['code']} {row['name_zh'] if lang == 'zh' else row['name_en']}"
    row = next(r for r in fetch_standards(conn) if r["id"] == row_id)
    return f"{ui.level_label(row['admin_level'], lang)} {row['rank_zh'] if lang == 'zh' else row['rank_en']}"


def register(app: Dash) -> None:
    """Register the reference page's callbacks on ``app``."""
    app.callback(Output(ui.CAT_GRID, "rowData"), Output(ui.STD_GRID, "rowData"), Input(ui.REFRESH, "data"))(
        update_reference_grids
    )
    app.callback(
        Output(ui.STATUS, "children"),
        Output(ui.POLL, "disabled"),
        Input(ui.POLL, "n_intervals"),
        Input(ui.REFRESH, "data"),
    )(update_recompute_status)
    app.callback(
        Output(ui.CAT_ID, "data"),
        Output(ui.CAT_HEADING, "children"),
        Output(ui.CAT_METHOD, "value"),
        Output(ui.CAT_LIFE, "value"),
        Output(ui.CAT_RESIDUAL, "value"),
        Input(ui.CAT_GRID, "selectedRows"),
        Input(ui.REFRESH, "data"),
        State(ui.CAT_ID, "data"),
        prevent_initial_call=True,
    )(update_category_form)
    app.callback(
        Output(ui.STD_ID, "data"),
        Output(ui.STD_HEADING, "children"),
        Output(ui.STD_LIMIT, "value"),
        Output(ui.STD_SOURCE, "value"),
        Input(ui.STD_GRID, "selectedRows"),
        Input(ui.REFRESH, "data"),
        State(ui.STD_ID, "data"),
        prevent_initial_call=True,
    )(update_standard_form)
    app.callback(
        Output(ui.MESSAGE, "children"),
        Output(ui.REFRESH, "data"),
        Output(ui.CAT_PENDING, "data"),
        Output(ui.STD_PENDING, "data"),
        Output(ui.CAT_CONFIRM_BOX, "children"),
        Output(ui.STD_CONFIRM_BOX, "children"),
        *[Output(ui.problem_slot(field), "children") for field in ui.FIELDS],
        Input(ui.CAT_REVIEW, "n_clicks"),
        Input(ui.CAT_CONFIRM, "n_clicks"),
        Input(ui.CAT_CANCEL, "n_clicks"),
        Input(ui.CAT_GRID, "selectedRows"),
        Input(ui.STD_REVIEW, "n_clicks"),
        Input(ui.STD_CONFIRM, "n_clicks"),
        Input(ui.STD_CANCEL, "n_clicks"),
        Input(ui.STD_GRID, "selectedRows"),
        State(ui.CAT_ID, "data"),
        State(ui.STD_ID, "data"),
        State(ui.CAT_METHOD, "value"),
        State(ui.CAT_LIFE, "value"),
        State(ui.CAT_RESIDUAL, "value"),
        State(ui.STD_LIMIT, "value"),
        State(ui.STD_SOURCE, "value"),
        State(ui.CAT_PENDING, "data"),
        State(ui.STD_PENDING, "data"),
        prevent_initial_call=True,
    )(update_reference_action)
