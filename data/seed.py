"""Seeds an empty database with what every install needs: catalog, departments, roles, reference data.

Idempotent: rows that already exist are left as an administrator may have edited them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import reference
from .catalog import DOMAINS, METRICS
from .models import (
    DataVersion,
    Department,
    EnergyCoefficient,
    MetricDefinition,
    OfficeSpaceStandard,
    PlanTarget,
    ReadingCeiling,
    Role,
    RolePermission,
)


def _existing(session: Session, column) -> set:
    return set(session.scalars(select(column)))


def seed_reference(session: Session) -> None:
    """Insert the catalog and reference defaults that are missing; never overwrite edits."""
    have = _existing(session, MetricDefinition.id)
    session.add_all(
        MetricDefinition(
            id=m.id,
            domain=m.domain,
            name_zh=m.name_zh,
            name_en=m.name_en,
            unit=m.unit,
            rollup_rule=m.rollup_rule,
            bad_direction=m.bad_direction,
            kind=m.kind,
            department_code=m.department,
            formula=m.formula,
        )
        for m in METRICS
        if m.id not in have
    )
    have = _existing(session, Department.code)
    session.add_all(Department(code=c, name_zh=zh, name_en=en) for c, zh, en in reference.DEPARTMENTS if c not in have)
    have = _existing(session, Role.code)
    session.add_all(Role(code=c, name_zh=zh, name_en=en) for c, zh, en in reference.ROLES if c not in have)
    session.flush()
    have = {(r.role_code, r.permission) for r in session.scalars(select(RolePermission))}
    session.add_all(
        RolePermission(role_code=role, permission=p)
        for role, perms in reference.ROLE_PERMISSIONS.items()
        for p in perms
        if (role, p) not in have
    )
    have = _existing(session, EnergyCoefficient.code)
    session.add_all(
        EnergyCoefficient(code=c, value=v, unit=u, name_zh=zh, name_en=en, source=src)
        for c, v, u, zh, en, src in reference.ENERGY_COEFFICIENTS
        if c not in have
    )
    have = {(s.admin_level, s.rank_code) for s in session.scalars(select(OfficeSpaceStandard))}
    session.add_all(
        OfficeSpaceStandard(
            admin_level=lvl,
            rank_code=rank,
            rank_zh=zh,
            rank_en=en,
            limit_m2=limit,
            sort_order=i,
            source=reference.OFFICE_STANDARD_SOURCE,
        )
        for i, (lvl, rank, zh, en, limit) in enumerate(reference.OFFICE_SPACE_STANDARDS)
        if (lvl, rank) not in have
    )
    have = _existing(session, ReadingCeiling.kind)
    session.add_all(
        ReadingCeiling(
            kind=kind,
            per_m2_hour=per_m2,
            min_per_hour=floor,
            unit=unit,
            source=reference.READING_CEILING_SOURCE,
        )
        for kind, per_m2, floor, unit in reference.READING_CEILINGS
        if kind not in have
    )
    have = _existing(session, PlanTarget.code)
    session.add_all(
        PlanTarget(code=c, value=v, unit=u, name_zh=zh, name_en=en, source=src)
        for c, v, u, zh, en, src in reference.PLAN_TARGETS
        if c not in have
    )
    have = _existing(session, DataVersion.domain)
    session.add_all(DataVersion(domain=d, version=0) for d in (*DOMAINS, "reference") if d not in have)
    session.flush()
