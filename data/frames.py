"""Small DataFrame conversions shared by the read side and the builders (no database here)."""

from __future__ import annotations

import pandas as pd


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """A small frame's rows as dicts, without ``to_dict("records")``'s per-call cost."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in zip(*(frame[column].tolist() for column in columns))]
