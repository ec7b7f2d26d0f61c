"""Low-level reads and writes every roll-up domain shares: the connection wrapper that hides
where SQLite and PostgreSQL differ, the bulk writer (``insert_frame``, which the demo generator
uses too), the text forms of dates and timestamps, the working-day lookup and ``data_version``."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import Base
from .orgtree import _OrgTree
from .periods import _day_from_number

_ROWS_PER_READ = 2_000_000  # bounds memory when a refresh covers many entities and days
_IDS_PER_STATEMENT = 2_000  # keeps IN lists well below every driver's parameter limit


def bump_data_version(conn: Connection, domains: Iterable[str]) -> None:
    """Add one to ``data_version`` for each domain (creating the row if missing)."""
    for domain in dict.fromkeys(domains):
        updated = conn.execute(
            sa.text("UPDATE data_version SET version = version + 1 WHERE domain = :d"), {"d": domain}
        ).rowcount
        if not updated:
            conn.execute(sa.text("INSERT INTO data_version (domain, version) VALUES (:d, 1)"), {"d": domain})


def insert_frame(conn: Connection, table: sa.Table | str, frame: pd.DataFrame) -> int:
    """Bulk-insert ``frame`` (columns named as the table's) and return the row count.

    SQLite gets one ``executemany`` on the raw DBAPI cursor; PostgreSQL gets ``COPY … FROM STDIN``
    in CSV. Values are written exactly as SQLAlchemy would write them, so ORM reads agree:
    datetime64 columns become ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) for DateTime columns and
    ``YYYY-MM-DD`` for Date columns; booleans become 1/0 on SQLite; NaN and None become NULL.
    Columns may also be passed already formatted as strings. Runs inside the caller's transaction.
    """
    if isinstance(table, str):
        table = Base.metadata.tables[table]
    if frame.empty:
        return 0
    sqlite = conn.dialect.name == "sqlite"
    columns = list(frame.columns)
    prepared = {name: _prepare_column(frame[name], table.c[name].type, sqlite=sqlite) for name in columns}
    raw = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        if sqlite:
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            lists = [_as_python_list(prepared[name]) for name in columns]
            cursor.executemany(sql, zip(*lists))
        else:
            step = 500_000
            for start in range(0, len(frame), step):
                tokens = [_csv_tokens(prepared[name][start : start + step]) for name in columns]
                buffer = io.StringIO("\n".join(map(",".join, zip(*tokens))) + "\n")
                cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()
    return len(frame)


def workday_flags(conn: Connection, day_numbers: np.ndarray) -> np.ndarray:
    """Whether each day (days since 1970-01-01) is a working day, from ``calendar_day``."""
    return _workday_lookup(_Db(conn), np.asarray(day_numbers, dtype=np.int64))


class _Db:
    """The caller's connection plus the few spots where SQLite and PostgreSQL differ."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self._tree: _OrgTree | None = None

    # SQL fragments (column names only, never values)
    def sel_ts(self, column: str) -> str:
        """A timestamp column as read into pandas: text on SQLite, epoch microseconds on PostgreSQL."""
        return column if self.sqlite else f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"

    def sel_day(self, column: str) -> str:
        """A date column as read into pandas: text on SQLite, days since 1970-01-01 on PostgreSQL."""
        return column if self.sqlite else f"({column} - DATE '1970-01-01')"

    def month_of(self, column: str) -> str:
        return f"date({column}, 'start of month')" if self.sqlite else f"CAST(date_trunc('month', {column}) AS DATE)"

    def statement(
        self, sql: str, *, expanding: Sequence[str] = (), dates: Sequence[str] = (), timestamps: Sequence[str] = ()
    ) -> sa.TextClause:
        binds = [sa.bindparam(n, expanding=True) for n in expanding]
        binds += [sa.bindparam(n, type_=sa.Date()) for n in dates]
        binds += [sa.bindparam(n, type_=sa.DateTime()) for n in timestamps]
        stmt = sa.text(sql)
        return stmt.bindparams(*binds) if binds else stmt

    def execute(self, sql: str, params: dict, **kinds) -> None:
        self.conn.execute(self.statement(sql, **kinds), params)

    def fetch(
        self,
        sql: str,
        params: dict,
        columns: Sequence[str],
        *,
        ts_columns: Sequence[str] = (),
        day_columns: Sequence[str] = (),
        bulk: bool = False,
        **kinds,
    ) -> pd.DataFrame:
        """Rows as a DataFrame, read through the raw cursor (SQLAlchemy Row objects cost ~5× more).

        Timestamp columns come back as datetime64[us] (naive UTC); date columns as int64 day numbers
        (days since 1970-01-01). ``bulk`` marks big reads of numbers and plain text: on PostgreSQL
        they go through ``COPY (query) TO STDOUT`` and the CSV parser, about twice as fast as
        fetching rows (NULLs become NaN, booleans would come back as 't'/'f').
        """
        stmt = self.statement(sql, **kinds)
        if bulk and not self.sqlite and self.conn.dialect.driver == "psycopg2":
            frame = self._copy_out(stmt, params, columns)
        else:
            result = self.conn.execute(stmt, params)
            rows = result.cursor.fetchall()
            result.close()
            frame = (
                pd.DataFrame.from_records(rows, columns=list(columns))
                if rows
                else pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
            )
        for name in ts_columns:
            frame[name] = self._to_timestamps(frame[name])
        for name in day_columns:
            frame[name] = self._to_day_numbers(frame[name])
        return frame

    def _copy_out(self, stmt: sa.TextClause, params: dict, columns: Sequence[str]) -> pd.DataFrame:
        # psycopg2 always binds on the client: mogrify gives exactly the statement execute() would send.
        compiled = stmt.bindparams(**params).compile(
            dialect=self.conn.dialect, compile_kwargs={"render_postcompile": True}
        )
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            query = cursor.mogrify(compiled.string, compiled.params).decode()
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
        finally:
            cursor.close()
        if buffer.tell() == 0:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
        buffer.seek(0)
        return pd.read_csv(buffer, header=None, names=list(columns), keep_default_na=False, na_values=[""])

    def _to_timestamps(self, values: pd.Series) -> np.ndarray:
        if values.empty:
            return np.array([], dtype="datetime64[us]")
        if self.sqlite:
            return pd.to_datetime(values, format="ISO8601").to_numpy().astype("datetime64[us]")
        return values.to_numpy(dtype=np.int64).astype("datetime64[us]")

    def _to_day_numbers(self, values: pd.Series) -> np.ndarray:
        if values.empty:
            return np.array([], dtype=np.int64)
        if self.sqlite:
            return pd.to_datetime(values, format="%Y-%m-%d").to_numpy().astype("datetime64[D]").astype(np.int64)
        return values.to_numpy(dtype=np.int64)

    @property
    def tree(self) -> _OrgTree:
        if self._tree is None:
            self._tree = _OrgTree.load(self.conn)
        return self._tree


def _prepare_column(series: pd.Series, sql_type, *, sqlite: bool):
    """Values of one column in the form the driver (SQLite) or COPY (PostgreSQL) expects."""
    impl = getattr(sql_type, "impl", sql_type)
    values = series.to_numpy()
    if values.dtype.kind == "M":
        if isinstance(impl, sa.DateTime):
            return format_timestamps(values)
        return format_days(values)
    if values.dtype.kind == "b":
        return values.astype(np.int64) if sqlite else values
    if isinstance(series.dtype, pd.Int64Dtype):
        return series.astype(object).where(series.notna(), None).to_numpy()
    if values.dtype.kind == "f" and np.isnan(values).any():
        return series.astype(object).where(series.notna(), None).to_numpy()
    if values.dtype == object and isinstance(impl, (sa.Date, sa.DateTime)):
        # python date/datetime objects: normalise through numpy so the text format is exact
        present = series.notna()
        out = np.full(len(series), None, dtype=object)
        if present.any():
            stamps = pd.to_datetime(series[present]).to_numpy()
            out[present.to_numpy()] = (
                format_timestamps(stamps) if isinstance(impl, sa.DateTime) else format_days(stamps)
            )
        return out
    return values


def format_timestamps(values: np.ndarray) -> np.ndarray:
    """datetime64 values as the exact text SQLAlchemy writes for DateTime on SQLite
    (``YYYY-MM-DD HH:MM:SS.ffffff``), which PostgreSQL also parses. NaT becomes None."""
    stamps = np.asarray(values).astype("datetime64[us]")
    missing = np.isnat(stamps)
    text = np.datetime_as_string(np.where(missing, np.datetime64(0, "us"), stamps), unit="us").astype("<U26")
    text.view(np.uint32).reshape(-1, 26)[:, 10] = ord(" ")  # the ISO 'T' becomes a space
    if missing.any():
        text = text.astype(object)
        text[missing] = None
    return text


def format_days(values: np.ndarray) -> np.ndarray:
    """datetime64 values as ``YYYY-MM-DD`` (how SQLAlchemy writes Date on SQLite). NaT becomes None."""
    days = np.asarray(values).astype("datetime64[D]")
    missing = np.isnat(days)
    text = np.datetime_as_string(days, unit="D")
    if missing.any():
        text = text.astype(object)
        text[missing] = None
    return text


_CSV_SPECIAL = ('"', ",", "\n", "\r")


def _csv_tokens(values: np.ndarray) -> list[str]:
    """One column as CSV fields for COPY: NULL is an empty field, an empty string is quoted.

    Written by hand because ``DataFrame.to_csv`` is about twice as slow for tens of millions of rows.
    """
    kind = values.dtype.kind
    if kind in "iu":
        return list(map(str, values.tolist()))
    if kind == "f":
        return list(map(repr, values.tolist()))
    if kind == "b":
        return ["t" if v else "f" for v in values.tolist()]
    if kind == "U":
        special = np.zeros(len(values), dtype=bool)
        for char in _CSV_SPECIAL:
            special |= np.char.find(values, char) >= 0
        special |= np.char.str_len(values) == 0
        items = values.tolist()
        for i in np.flatnonzero(special):
            items[i] = _csv_quote(items[i])
        return items
    return [_csv_field(v) for v in values.tolist()]


def _csv_field(value) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, str):
        return _csv_quote(value) if value == "" or any(c in value for c in _CSV_SPECIAL) else value
    if isinstance(value, (bool, np.bool_)):
        return "t" if value else "f"
    if isinstance(value, (float, np.floating)):
        return "" if value != value else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return _csv_quote(str(value))


def _csv_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _as_python_list(values) -> list:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _workday_lookup(db: _Db, day_numbers: np.ndarray) -> np.ndarray:
    """is_workday for each day number, from calendar_day, falling back to Monday–Friday."""
    if len(day_numbers) == 0:
        return np.array([], dtype=bool)
    unique = np.unique(day_numbers)
    cal = db.fetch(
        f"SELECT {db.sel_day('day')} AS day, is_workday FROM calendar_day WHERE day >= :a AND day <= :b",
        {"a": _day_from_number(unique[0]), "b": _day_from_number(unique[-1])},
        ["day", "is_workday"],
        day_columns=["day"],
        dates=("a", "b"),
    )
    weekday = (unique + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    flags = weekday < 5
    if not cal.empty:
        known = pd.Series(cal["is_workday"].astype(bool).to_numpy(), index=cal["day"].to_numpy())
        found = known.reindex(unique)
        flags = np.where(found.notna().to_numpy(), found.fillna(False).to_numpy(dtype=bool), flags)
    return pd.Series(flags, index=unique).reindex(day_numbers).to_numpy(dtype=bool)
