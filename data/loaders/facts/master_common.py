"""What the master-data handlers share: reading numbers, keeping a stored value where the file has
no column for it, and noting moves (a node, building, meter or vehicle that changed its place in
the org tree) for the roll-up refresh that follows the batch (``master_moves``).

Master rows are upserted by their code like any fact; their ``id`` is the database's, so a row
that names an existing code updates it in place and keeps its history (readings, trips, roll-ups).
A column the file does not have keeps the stored value; a column that is there but blank takes
the default (``retired_on`` blank brings a retired row back).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..parsing import ValueProblem
from .base import Handler, _chunks

MOVES_CACHE = "master_moves"


@dataclass
class Moves:
    """What a master batch moved in the org tree; ``master_moves.refresh_after_moves`` applies it.

    Each move is (what, id, orgs it left, orgs it joined): the ancestor chains before and after,
    less the orgs common to both (their subtree totals do not change).
    """

    orgs: list = field(default_factory=list)
    buildings: list = field(default_factory=list)
    meters: list = field(default_factory=list)
    vehicles: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.orgs or self.buildings or self.meters or self.vehicles)


def changed(updates, column: str) -> list[tuple]:
    """(id, before, after) of the updated rows whose ``column`` (their org or building) changed."""
    return [
        (old.id, getattr(old, column), rec.values[column])
        for old, rec in updates
        if getattr(old, column) != rec.values[column]
    ]


def moves_of(ctx) -> Moves:
    moves = ctx.cache.get(MOVES_CACHE)
    if moves is None:
        moves = ctx.cache[MOVES_CACHE] = Moves()
    return moves


class MasterHandler(Handler):
    """A handler of master data: ``key`` is the code column, rows keep their ``id``."""

    # Read the whole file as one chunk: master files are small, and rows may refer to each other.
    whole_file = True

    def stored(self, codes) -> dict:
        """The stored rows (every column) of ``codes``, by code."""
        table = self.model.__table__
        key = table.c[self.key[0]]
        out = {}
        for part in _chunks(sorted({c for c in codes if c})):
            for row in self.ctx.conn.execute(select(table).where(key.in_(part))):
                out[getattr(row, self.key[0])] = row
        return out

    def given(self, name: str) -> bool:
        return name in self.header.positions

    def keep(self, v: dict, name: str, old, column: str | None, default):
        """``v[name]`` when the file has the column (its default when blank); the stored value of
        ``column`` when it has not and the row exists; else the default."""
        if self.given(name):
            value = v.get(name)
            return default if value is None else value
        if old is not None and column is not None:
            return getattr(old, column)
        return default

    def number(self, v: dict, name: str, *, low: float | None = 0.0, high: float | None = None, integer=False):
        """The number of field ``name`` (None when blank), checked against [low, high]."""
        raw = v.get(name)
        if raw is None:
            return None
        value = raw[0] if isinstance(raw, tuple) else float(raw)
        column = self.header.header_of(name)
        if low is not None and value < low:
            if low == 0:
                raise ValueProblem("negative_value", value=_text(value), column=column)
            raise ValueProblem("value_out_of_range", value=_text(value), min=low, max=high, column=column)
        if high is not None and value > high:
            raise ValueProblem("value_out_of_range", value=_text(value), min=low, max=high, column=column)
        if integer:
            if value != int(value):
                raise ValueProblem("not_a_number", value=_text(value), column=column)
            return int(value)
        return value

    def column_of(self, name: str) -> str:
        return self.header.header_of(name) if self.given(name) else name


def _text(value: float) -> str:
    return f"{value:g}"
