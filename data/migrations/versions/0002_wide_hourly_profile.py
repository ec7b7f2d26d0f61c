"""wide hourly profile

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00.000000

``rollup_hourly_profile`` goes from one row per (metric, entity, month, weekday, hour) to one
row per (metric, entity, month, weekday) with the 24 hour sums in columns ``h00`` … ``h23`` and
``samples`` the readings of all hours together.

Upgrade: the wide table is created under a temporary name, filled by one ``INSERT … SELECT``
that pivots by conditional aggregation (``SUM(CASE WHEN hour = 0 THEN value ELSE 0 END)`` …)
grouped by the five key columns, then the narrow table is dropped and the wide one renamed. Every
step is set-based SQL on the server; nothing is read into Python. An hour without a narrow row
becomes 0, which is what a missing row meant.

Downgrade: the narrow table comes back with exactly one row per wide row and hour (24 rows, hours
without readings included with value 0), ``value`` the hour's column. The per-hour sample counts
were not kept, so the wide row's ``samples`` is spread evenly: every hour gets ``samples / 24``
(integer division) and the earliest ``samples % 24`` hours one more. Values and the samples total
per month × weekday are exact; for complete hourly data (the same number of readings in every
hour, as meters deliver) the narrow table is restored row for row.

The temporary table's primary key is named for its final name on SQLite (constraint names there
are not schema objects and stay as written through ``ALTER TABLE … RENAME``); on PostgreSQL the
name must be unique while both tables exist, so it is renamed after the table.

On SQLite the dropped table's pages go to the free list; ``VACUUM`` afterwards gives them back to
the file system if that matters.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TABLE = 'rollup_hourly_profile'
KEYS = ('metric_id', 'entity_kind', 'entity_id', 'month', 'weekday')
# Frozen here rather than imported from the models: a migration must not change when they do.
HOURS = tuple(f'h{h:02d}' for h in range(24))


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column('metric_id', sa.String(length=48), nullable=False),
        sa.Column('entity_kind', sa.String(length=12), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
    ]


def _pk_name(temporary: str) -> str:
    return f'pk_{TABLE}' if op.get_context().dialect.name == 'sqlite' else f'pk_{temporary}'


def _swap(temporary: str) -> None:
    """Drop the old table and give ``temporary`` (and, on PostgreSQL, its key) the final name."""
    op.drop_table(TABLE)
    op.rename_table(temporary, TABLE)
    if op.get_context().dialect.name != 'sqlite':
        # Renaming an index-backed constraint renames its index too.
        op.execute(f'ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{temporary} TO pk_{TABLE}')


def upgrade() -> None:
    temporary = f'{TABLE}_wide'
    op.create_table(
        temporary,
        *_key_columns(),
        *(sa.Column(name, sa.Float(), nullable=False, server_default='0') for name in HOURS),
        sa.Column('samples', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint(*KEYS, name=_pk_name(temporary)),
        sqlite_with_rowid=False,
    )
    keys = ', '.join(KEYS)
    pivots = ', '.join(f'SUM(CASE WHEN hour = {h} THEN value ELSE 0.0 END)' for h in range(len(HOURS)))
    # GROUP BY the old key's leading columns: both databases can stream the groups in key order.
    op.execute(
        f'INSERT INTO {temporary} ({keys}, {", ".join(HOURS)}, samples) '
        f'SELECT {keys}, {pivots}, SUM(samples) FROM {TABLE} GROUP BY {keys}'
    )
    _swap(temporary)


def downgrade() -> None:
    temporary = f'{TABLE}_narrow'
    op.create_table(
        temporary,
        *_key_columns(),
        sa.Column('hour', sa.Integer(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('samples', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEYS, 'hour', name=_pk_name(temporary)),
        sqlite_with_rowid=False,
    )
    keys = ', '.join(f'p.{k}' for k in KEYS)
    hours = ' UNION ALL '.join(f'SELECT {h} AS hour' for h in range(len(HOURS)))
    value = 'CASE hours.hour ' + ' '.join(f'WHEN {h} THEN p.{name}' for h, name in enumerate(HOURS)) + ' END'
    samples = f'p.samples / {len(HOURS)} + CASE WHEN hours.hour < p.samples % {len(HOURS)} THEN 1 ELSE 0 END'
    # CROSS JOIN keeps the profile as the outer loop on SQLite, so rows arrive in key order.
    op.execute(
        f'INSERT INTO {temporary} ({", ".join(KEYS)}, hour, value, samples) '
        f'SELECT {keys}, hours.hour, {value}, {samples} FROM {TABLE} AS p CROSS JOIN ({hours}) AS hours'
    )
    _swap(temporary)
