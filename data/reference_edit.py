"""Editing the reference data the asset and housing pages judge by: each asset category's
depreciation (method, useful life, residual rate) and each rank's office-space limit.

What a browser sends is parsed and checked here (``parse_category_edit``,
``parse_standard_edit``) and again when it is saved; a bad value is a ``Problem`` naming the
field and a catalog key, never a silent correction. ``save_category`` and ``save_standard``
write the row, who changed it and when, and one audit row holding every changed field as
``[old, new]``, in the caller's unit of work (they never commit). Recomputing the roll-ups that
depend on the change is ``data.rollup.recompute``'s.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from .audit import write_audit
from .depreciation import METHODS
from .models import Asset, AssetCategory, OfficeSpaceStandard

LIFE_YEARS = (1, 100)
RESIDUAL_PCT = (0.0, 50.0)
LIMIT_M2 = (1.0, 200.0)
SOURCE_MAX = 255
AUDIT_ACTION = "reference_change"
#: Which state domain each table's figures belong to (what a change makes stale).
DOMAIN_OF = {"asset_category": "asset", "office_space_standard": "housing"}


@dataclass(frozen=True)
class Problem:
    """A refused value: the form ``field`` and the catalog ``key`` (with ``params``) saying why."""

    field: str
    key: str
    params: dict = field(default_factory=dict)


class InvalidEdit(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__(", ".join(f"{p.field}: {p.key}" for p in problems))
        self.problems = problems


def fetch_categories(conn: Connection) -> list[dict]:
    """Every asset category, by code: id, code, parent_code, name_zh, name_en,
    depreciation_method, useful_life_years, residual_pct (0..100), asset_count, updated_at, updated_by."""
    parent = aliased(AssetCategory)
    counts = sa.select(Asset.category_id, sa.func.count().label("n")).group_by(Asset.category_id).subquery("counts")
    rows = conn.execute(
        sa.select(
            AssetCategory.id,
            AssetCategory.code,
            parent.code.label("parent_code"),
            AssetCategory.name_zh,
            AssetCategory.name_en,
            AssetCategory.depreciation_method,
            AssetCategory.useful_life_years,
            AssetCategory.residual_rate,
            sa.func.coalesce(counts.c.n, 0).label("asset_count"),
            AssetCategory.updated_at,
            AssetCategory.updated_by,
        )
        .outerjoin(parent, parent.id == AssetCategory.parent_id)
        .outerjoin(counts, counts.c.category_id == AssetCategory.id)
        .order_by(AssetCategory.code)
    )
    out = []
    for r in rows:
        row = dict(r._mapping)
        row["residual_pct"] = round(float(row.pop("residual_rate") or 0.0) * 100.0, 6)
        row["asset_count"] = int(row["asset_count"])
        out.append(row)
    return out


def fetch_standards(conn: Connection) -> list[dict]:
    """Every office-space limit, in the standard's order: id, admin_level, rank_code, rank_zh,
    rank_en, limit_m2, source, updated_at, updated_by."""
    rows = conn.execute(
        sa.select(
            OfficeSpaceStandard.id,
            OfficeSpaceStandard.admin_level,
            OfficeSpaceStandard.rank_code,
            OfficeSpaceStandard.rank_zh,
            OfficeSpaceStandard.rank_en,
            OfficeSpaceStandard.limit_m2,
            OfficeSpaceStandard.source,
            OfficeSpaceStandard.updated_at,
            OfficeSpaceStandard.updated_by,
        ).order_by(OfficeSpaceStandard.sort_order, OfficeSpaceStandard.id)
    )
    return [dict(r._mapping) for r in rows]


# --- parsing what a browser sends ------------------------------------------------------------------


def _number(value) -> float | None:
    """A finite number from a form value (number or text), else None. Booleans are not numbers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip().replace("，", ",").replace(",", "")
        if not value:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _ranged(name: str, value, bounds: tuple[float, float], problems: list[Problem], *, whole=False):
    low, high = bounds
    number = _number(value)
    if number is None:
        key = "missing" if value is None or (isinstance(value, str) and not value.strip()) else "not_number"
        problems.append(Problem(name, f"refadmin.problem.{key}"))
        return None
    if whole and number != int(number):
        problems.append(Problem(name, "refadmin.problem.not_whole", {"value": value}))
        return None
    if not low <= number <= high:
        problems.append(Problem(name, f"refadmin.problem.range.{name}", {"low": low, "high": high}))
        return None
    return int(number) if whole else number


def parse_category_edit(values: dict) -> tuple[dict, list[Problem]]:
    """``{depreciation_method, useful_life_years, residual_pct}`` from a form: the stored values
    ``{depreciation_method, useful_life_years, residual_rate}`` (rate a fraction) and problems."""
    problems: list[Problem] = []
    method = values.get("depreciation_method")
    if method not in METHODS:
        problems.append(Problem("depreciation_method", "refadmin.problem.method"))
    life = _ranged("useful_life_years", values.get("useful_life_years"), LIFE_YEARS, problems, whole=True)
    pct = _ranged("residual_pct", values.get("residual_pct"), RESIDUAL_PCT, problems)
    if problems:
        return {}, problems
    return {"depreciation_method": method, "useful_life_years": life, "residual_rate": round(pct / 100.0, 8)}, []


def parse_standard_edit(values: dict) -> tuple[dict, list[Problem]]:
    """``{limit_m2, source}`` from a form: the stored values and problems (the source must name
    the document the limit comes from)."""
    problems: list[Problem] = []
    limit = _ranged("limit_m2", values.get("limit_m2"), LIMIT_M2, problems)
    source = values.get("source")
    source = source.strip() if isinstance(source, str) else ""
    if not source:
        problems.append(Problem("source", "refadmin.problem.source_missing"))
    elif len(source) > SOURCE_MAX:
        problems.append(Problem("source", "refadmin.problem.source_long", {"limit": SOURCE_MAX}))
    if problems:
        return {}, problems
    return {"limit_m2": limit, "source": source}, []


# --- changes and saves ------------------------------------------------------------------------------


def _row(session: Session, model, row_id) -> object:
    row = session.get(model, row_id) if isinstance(row_id, int) and not isinstance(row_id, bool) else None
    if row is None:
        raise LookupError(f"no {model.__tablename__} row {row_id!r}")
    return row


def _changes(row, edit: dict) -> dict:
    out = {}
    for name, new in edit.items():
        old = getattr(row, name)
        same = math.isclose(old, new, abs_tol=1e-9) if isinstance(new, float) and old is not None else old == new
        if not same:
            out[name] = [old, new]
    return out


def category_changes(session: Session, category_id: int, edit: dict) -> dict:
    """``{field: [old, new]}`` for the fields ``edit`` changes (LookupError: no such category)."""
    return _changes(_row(session, AssetCategory, category_id), edit)


def standard_changes(session: Session, standard_id: int, edit: dict) -> dict:
    return _changes(_row(session, OfficeSpaceStandard, standard_id), edit)


def _save(session, model, row_id, edit, *, actor, now, address, label) -> dict:
    row = _row(session, model, row_id)
    changes = _changes(row, edit)
    if not changes:
        return {}
    for name, (_old, new) in changes.items():
        setattr(row, name, new)
    row.updated_at = now
    row.updated_by = actor
    session.flush()
    target = f"{model.__tablename__}:{label(row)}"
    write_audit(session, actor, AUDIT_ACTION, target, {"table": model.__tablename__, "changes": changes}, address)
    return changes


def save_category(
    session: Session, category_id: int, values: dict, *, actor: str, now: dt.datetime, address: str | None = None
) -> dict:
    """Validate ``values`` (form values, as ``parse_category_edit`` takes) and write them with an
    audit row. Returns ``{field: [old, new]}`` ({} when nothing changed: no write, no audit).
    Raises ``InvalidEdit`` (nothing written) or ``LookupError``."""
    edit, problems = parse_category_edit(values)
    if problems:
        raise InvalidEdit(problems)
    return _save(session, AssetCategory, category_id, edit, actor=actor, now=now, address=address, label=_code)


def save_standard(
    session: Session, standard_id: int, values: dict, *, actor: str, now: dt.datetime, address: str | None = None
) -> dict:
    """As ``save_category``, for an office-space limit (``parse_standard_edit``'s values)."""
    edit, problems = parse_standard_edit(values)
    if problems:
        raise InvalidEdit(problems)
    return _save(session, OfficeSpaceStandard, standard_id, edit, actor=actor, now=now, address=address, label=_rank)


def _code(row: AssetCategory) -> str:
    return row.code


def _rank(row: OfficeSpaceStandard) -> str:
    return f"{row.admin_level}/{row.rank_code}"


__all__ = [
    "AUDIT_ACTION",
    "DOMAIN_OF",
    "InvalidEdit",
    "Problem",
    "category_changes",
    "fetch_categories",
    "fetch_standards",
    "parse_category_edit",
    "parse_standard_edit",
    "save_category",
    "save_standard",
    "standard_changes",
]
