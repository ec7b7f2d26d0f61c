"""Every energy-relevant roll-up row, read back for comparison: what an incremental path left
against what a rebuild from raw facts gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data.models.rollup import PROFILE_HOUR_COLUMNS

KEYS = {
    "rollup_daily": ["metric_id", "entity_kind", "entity_id", "day"],
    "rollup_monthly": ["metric_id", "entity_kind", "entity_id", "month"],
    "rollup_hourly_profile": ["metric_id", "entity_kind", "entity_id", "month", "weekday"],
}
VALUES = {"rollup_daily": ["value"], "rollup_monthly": ["value"], "rollup_hourly_profile": list(PROFILE_HOUR_COLUMNS)}


def snapshot(engine) -> dict[str, pd.DataFrame]:
    out = {}
    with engine.connect() as conn:
        for table, key in KEYS.items():
            frame = pd.read_sql(sa.text(f"SELECT * FROM {table}"), conn)
            for column in ("day", "month"):
                if column in frame:
                    frame[column] = frame[column].astype(str).str[:10]
            out[table] = frame.sort_values(key).reset_index(drop=True)
    return out


def assert_same(
    left: dict, right: dict, *, left_name: str = "incrementally", right_name: str = "after a rebuild"
) -> None:
    """Same rows, keys and samples; values equal within float rounding."""
    for table, key in KEYS.items():
        a, b = left[table], right[table]
        assert len(a) == len(b), f"{table}: {len(a)} rows {left_name}, {len(b)} {right_name}"
        assert a[key].equals(b[key]), f"{table}: different keys"
        assert (a["samples"].to_numpy() == b["samples"].to_numpy()).all(), f"{table}: samples differ"
        for column in VALUES[table]:
            assert np.allclose(
                a[column].to_numpy(dtype=float), b[column].to_numpy(dtype=float), rtol=1e-9, atol=1e-6
            ), f"{table}.{column}: values differ"
