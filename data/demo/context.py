"""What every generator step shares during one build: the tier's structure, the anomaly plan, the
date range, the working-day calendar and weather, the time zone's calendar (local wall-clock times
become UTC instants through it), per-domain random streams, and the load-batch registry.

One ``BuildContext`` lives for one build; nothing here is module state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..calendar import Calendar, configured_calendar
from .anomalies import AnomalyPlan
from .structure import Structure
from .tiers import Tier

# Independent random streams per domain: adding a draw to one generator never shifts another's data.
STREAMS = MappingProxyType(
    {
        "orgs": 1,
        "weather": 2,
        "energy": 3,
        "vehicles": 4,
        "assets": 5,
        "offices": 6,
        "housing": 7,
        "batches": 8,
    }
)
EPOCH = np.datetime64("1970-01-01", "D")


def day_number(day: dt.date) -> int:
    return int((np.datetime64(day, "D") - EPOCH).astype(np.int64))


def local_to_utc(local: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Local wall-clock datetime64 values (an array or one value) of ``calendar``'s zone to naive UTC."""
    local = np.asarray(local)
    utc = calendar.utc_from_wall(local.reshape(-1)).reshape(local.shape)
    return utc[()] if utc.ndim == 0 else utc  # one value in, one datetime64 out


@dataclass
class Batch:
    id: int
    source_code: str
    domain: str
    fact: str
    label: str
    month: int | None  # months since 1970-01 (None: the opening register, facts before the range)
    rows: int = 0
    example_code: str | None = None


@dataclass
class BatchRegistry:
    """Load batches, created as facts are assigned to them: one per source, fact and local month."""

    first_day: dt.date
    last_day: dt.date
    seed: int
    source_last_day: dict[str, dt.date] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)
    _index: dict[tuple, int] = field(default_factory=dict)

    def assign(
        self, source_code: str, domain: str, fact: str, label: str, days: np.ndarray, example_code: str | None = None
    ) -> np.ndarray:
        """Batch ids for facts on local day numbers ``days`` (facts before the range go to the opening batch)."""
        days = np.asarray(days, dtype=np.int64)
        if len(days) == 0:
            return np.array([], dtype=np.int64)
        first = day_number(self.first_day)
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        months = np.where(days < first, -1, months)
        unique, inverse = np.unique(months, return_inverse=True)
        ids = np.empty(len(unique), dtype=np.int64)
        for i, month in enumerate(unique):
            key = (source_code, fact, label, None if month < 0 else int(month))
            if key not in self._index:
                self.batches.append(Batch(len(self.batches) + 1, source_code, domain, fact, label, key[3]))
                self._index[key] = len(self.batches)
            ids[i] = self._index[key]
        per_row = ids[inverse]
        counts = np.bincount(inverse, minlength=len(unique))
        for i, batch_id in enumerate(ids):
            batch = self.batches[batch_id - 1]
            batch.rows += int(counts[i])
            if batch.example_code is None:
                batch.example_code = example_code
        return per_row

    def frame(
        self, rng: np.random.Generator, source_ids: dict[str, int], calendar: Calendar | None = None
    ) -> tuple[pd.DataFrame, list[dict]]:
        """load_batch rows (a few with duplicates or rejected rows, as real feeds have) and the
        quarantine rows of the rejected ones. Batch times are local times of ``calendar``'s zone
        (default: the configured zone)."""
        calendar = calendar or configured_calendar()
        rows, quarantine = [], []
        for batch in self.batches:
            last_day = self.source_last_day.get(batch.source_code, self.last_day)
            if batch.month is None:
                window_from, window_to = None, self.first_day
                started = _local_midnight(self.first_day) - np.timedelta64(15, "h")
                file_name = f"{batch.label}_opening.csv"
            else:
                month_first = np.datetime64(batch.month, "M").astype("datetime64[D]").astype(object)
                month_last = (np.datetime64(batch.month + 1, "M").astype("datetime64[D]") - 1).astype(object)
                window_from = max(month_first, self.first_day)
                window_to = min(month_last, last_day) + dt.timedelta(days=1)
                started = _local_midnight(window_to) + np.timedelta64(120 + batch.id % 240, "s")
                file_name = f"{batch.label}_{np.datetime_as_string(np.datetime64(batch.month, 'M'))}.csv"
            duplicates = int(rng.integers(1, 40)) if rng.random() < 0.08 else 0
            rejected = int(rng.integers(1, 5)) if rng.random() < 0.04 else 0
            if batch.fact not in REJECT_REASONS:
                rejected = 0
            finished = started + np.timedelta64(int(3 + batch.rows / 40_000), "s")
            digest = hashlib.sha256(f"{self.seed}|{batch.source_code}|{batch.fact}|{file_name}".encode()).hexdigest()
            rows.append(
                {
                    "id": batch.id,
                    "source_id": source_ids[batch.source_code],
                    "domain": batch.domain,
                    "fact": LOADER_FACT.get(batch.fact, batch.fact),
                    "file_name": file_name,
                    "checksum_sha256": digest,
                    "rows_read": batch.rows + duplicates + rejected,
                    "rows_accepted": batch.rows,
                    "rows_duplicate": duplicates,
                    "rows_rejected": rejected,
                    "status": "applied",
                    "message": None,
                    "started_at": local_to_utc(started, calendar),
                    "finished_at": local_to_utc(finished, calendar),
                    "data_from": (
                        local_to_utc(_local_midnight(window_from), calendar)
                        if window_from
                        else np.datetime64("NaT", "us")
                    ),
                    "data_to": local_to_utc(_local_midnight(window_to), calendar),
                }
            )
            for line in range(rejected):
                quarantine.append(_quarantine_row(rng, batch, file_name, line, finished))
        frame = pd.DataFrame(rows)
        for column in ("started_at", "finished_at", "data_from", "data_to"):
            frame[column] = frame[column].to_numpy().astype("datetime64[us]")
        return frame, quarantine


def _local_midnight(day: dt.date) -> np.datetime64:
    return np.datetime64(day, "D").astype("datetime64[us]")


# The loader's name for each fact table the demo fills (data/import_formats/), so the data
# page shows demo batches as it shows loaded ones; tables without an import format keep theirs.
LOADER_FACT = MappingProxyType(
    {
        "meter_reading": "meter_reading",
        "trip": "trip",
        "fuel_record": "fuel",
        "maintenance_record": "maintenance",
        "asset": "asset",
        "asset_movement": "asset_movement",
        "office_occupancy": "office_occupancy",
        "lease": "lease",
    }
)

# Rejected rows as the loader would have quarantined them: its reason codes and parameters, and
# the row as read under the sample files' Chinese headers, so an operator can correct and
# re-submit one. Only facts with an import format get rejected rows.
REJECT_REASONS = MappingProxyType(
    {
        "meter_reading": ("negative_value", "unknown_meter", "bad_date"),
        "trip": ("unknown_vehicle", "end_before_start", "bad_date"),
        "fuel_record": ("negative_value", "unknown_vehicle"),
    }
)


def _quarantine_row(rng: np.random.Generator, batch: Batch, file_name: str, line: int, finished: np.datetime64) -> dict:
    reasons = REJECT_REASONS[batch.fact]
    reason = reasons[int(rng.integers(0, len(reasons)))]
    code = batch.example_code or "?"
    unknown = code[:-1] + "X"
    bad_time = "2099-13-45 25:00"
    if batch.fact == "meter_reading":
        raw = {
            "表计编号": unknown if reason == "unknown_meter" else code,
            "时间": bad_time if reason == "bad_date" else "2025-01-01 08:00",
            "读数": "-12.5" if reason == "negative_value" else "10.0",
            "单位": "千瓦时",
        }
        column, params = {
            "negative_value": ("读数", {"column": "读数", "value": "-12.5"}),
            "unknown_meter": ("表计编号", {"code": unknown}),
            "bad_date": ("时间", {"column": "时间", "value": bad_time}),
        }[reason]
    elif batch.fact == "trip":
        raw = {
            "车牌号": unknown if reason == "unknown_vehicle" else code,
            "出车时间": bad_time if reason == "bad_date" else "2025-01-01 09:00",
            "收车时间": "2025-01-01 08:30" if reason == "end_before_start" else "2025-01-01 11:00",
            "行驶里程": "23.4",
        }
        column, params = {
            "unknown_vehicle": ("车牌号", {"plate": unknown}),
            "end_before_start": ("收车时间", {"start": raw["出车时间"], "end": raw["收车时间"]}),
            "bad_date": ("出车时间", {"column": "出车时间", "value": bad_time}),
        }[reason]
    else:
        raw = {
            "车牌号": unknown if reason == "unknown_vehicle" else code,
            "加油时间": "2025-01-01 10:00",
            "类型": "加油",
            "数量": "-40" if reason == "negative_value" else "40",
            "金额": "310.00",
        }
        column, params = {
            "negative_value": ("数量", {"column": "数量", "value": "-40"}),
            "unknown_vehicle": ("车牌号", {"plate": unknown}),
        }[reason]
    return {
        "batch_id": batch.id,
        "fact": LOADER_FACT[batch.fact],
        "source_name": file_name,
        "line_no": int(2 + line * 97 + rng.integers(0, 90)),
        "column_name": column,
        "raw": raw,
        "reason_code": reason,
        "reason_params": params,
        "status": "open",
        "resolved_batch_id": None,
        "resolved_by": None,
        "resolved_at": None,
    }


@dataclass
class BuildContext:
    tier: Tier
    structure: Structure
    plan: AnomalyPlan
    seed: int
    as_of: dt.date
    registry: BatchRegistry
    source_codes: dict[str, str]  # domain -> the demo source code of that domain
    calendar: Calendar  # the zone whose local days the data follows
    source_ids: dict[str, int] = field(default_factory=dict)
    workday: np.ndarray | None = None  # per data day
    heating: np.ndarray | None = None  # per data day: inside the heating season
    temps: np.ndarray | None = None  # city row × data day, daily mean °C
    city_row: dict[int, int] = field(default_factory=dict)  # city org id -> row of ``temps``
    counts: dict[str, int] = field(default_factory=dict)
    building_attributes: pd.DataFrame | None = None  # set by the org step, read by energy and offices
    meters: pd.DataFrame | None = None  # set by the org step, read by energy
    staff: pd.DataFrame | None = None  # set by the office step, read by assets (custodians)

    @property
    def first_day(self) -> dt.date:
        return self.registry.first_day

    @property
    def last_day(self) -> dt.date:
        return self.registry.last_day

    @property
    def n_days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def first_day_number(self) -> int:
        return day_number(self.first_day)

    @property
    def as_of_number(self) -> int:
        return day_number(self.as_of)

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, STREAMS[stream]])))

    def add_count(self, table: str, rows: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + int(rows)
