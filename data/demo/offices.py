"""Staff lists, office rooms and who occupies them.

Ranks follow the office-space standard of the agency's administrative level
(``data/reference.OFFICE_SPACE_STANDARDS``): a region's government office holds its top leaders;
every agency has a head, deputies, (at province level) division heads and deputies, and staff
below. Leaders get single rooms of 78–97 % of their limit; other staff share rooms of two to four
at 80–97 % of the per-person limit; a few office rooms stand vacant. Some staff moved rooms during
the data range (from a room that is vacant now). Everything stays within the standard except the
one injected over-standard office.

The staff lists disagree with the rooms on a few people (``_staff_discrepancies``): some left
their unit's list but still occupy a room, some are on another unit's list, and some occupy a
second room. Every occupant's staff number is on some list.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..reference import OFFICE_SPACE_STANDARDS
from ..rollup import insert_frame
from . import names
from .context import BuildContext

LIMITS = MappingProxyType({(level, rank): limit for level, rank, _zh, _en, limit in OFFICE_SPACE_STANDARDS})
# (top leaders of the region's government office), (agency head, deputies), middle ranks, bottom rank
RANKS = MappingProxyType(
    {
        "province": (
            ("governor", "vice_governor"),
            ("bureau_head", "bureau_deputy"),
            ("division_head", "division_deputy"),
            "below_division",
        ),
        "city": (("city_head", "city_deputy"), ("bureau_head", "bureau_deputy"), (), "below_bureau"),
        "county": (("county_head", "county_deputy"), ("section_head", "section_deputy"), (), "below_section"),
    }
)
ROOMS_PER_FLOOR = 30
MOVED_SHARE = 0.08
#: Staff-list discrepancies for the staff cross-check (人员核对), each on this many people.
DISCREPANCIES_PER_KIND = 2
LEFT_DAYS_AGO = 20  # a listed person who left this long before as-of still sits in a room
SECOND_ROOM_DAYS_AGO = 45  # a listed person took a second (vacant) room this long before as-of


def write_staff_and_offices(conn: Connection, ctx: BuildContext) -> None:
    rng = ctx.rng("offices")
    agencies = ctx.structure.agencies
    staff_rows = []
    for agency in agencies.itertuples(index=False):
        top, heads, middle, bottom = RANKS[agency.admin_level]
        ranks = []
        if agency.agency_key == "gov_office":
            ranks += [top[0]] + [top[1]] * 4
        ranks += [heads[0]] + [heads[1]] * int(rng.integers(2, 5))
        for rank in middle:
            ranks += [rank] * max(2, int(round(agency.headcount * rng.uniform(0.06, 0.10))))
        ranks += [bottom] * max(3, agency.headcount - len(ranks))
        staff_rows += [(agency.id, agency.admin_level, rank) for rank in ranks]
    staff = pd.DataFrame(staff_rows, columns=["org_id", "admin_level", "rank_code"])
    n = len(staff)
    staff.insert(0, "id", np.arange(1, n + 1))
    staff["staff_no"] = [f"ST-{i:06d}" for i in staff["id"]]
    staff["person_name"] = names.person_names(rng, n)
    staff["person_phone"] = names.phone_numbers(rng, n)
    staff["person_id_number"] = names.id_numbers(rng, n)
    ctx.staff = staff

    rooms, occupancy = _rooms(ctx, rng, staff)
    listed, occupancy = _staff_discrepancies(ctx, staff, rooms, occupancy)
    ctx.add_count(
        "staff_member",
        insert_frame(
            conn,
            "staff_member",
            listed[
                ["id", "staff_no", "org_id", "person_name", "person_phone", "person_id_number", "rank_code", "left_on"]
            ],
        ),
    )
    ctx.add_count("office_room", insert_frame(conn, "office_room", rooms))
    occupancy["batch_id"] = ctx.registry.assign(
        ctx.source_codes["housing"],
        "housing",
        "office_occupancy",
        "office_occupancy",
        occupancy["since"].to_numpy().astype("datetime64[D]").astype(np.int64),
        str(occupancy["staff_no"].iloc[0]),
    )
    ctx.add_count("office_occupancy", insert_frame(conn, "office_occupancy", occupancy))


def _rooms(ctx: BuildContext, rng: np.random.Generator, staff: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    plan = ctx.plan
    bottoms = {RANKS[level][3] for level in RANKS}
    # Decided up front: a room's size must respect the standard before its newcomers arrived too.
    moved = staff["rank_code"].isin(bottoms).to_numpy() & (rng.random(len(staff)) < MOVED_SHARE)
    room_rows, occupant_rows = [], []  # occupant rows: (room index, staff index)
    for org_id, people in staff.groupby("org_id", sort=True):
        building = ctx.structure.main_building_id(int(org_id))
        level = people["admin_level"].iloc[0]
        bottom = RANKS[level][3]
        number = 0

        def new_room(area: float, purpose: str = "office", room_no: str | None = None) -> int:
            nonlocal number
            if room_no is None:
                room_no = f"{number // ROOMS_PER_FLOOR + 1}{number % ROOMS_PER_FLOOR + 1:02d}"
                number += 1
            room_rows.append((building, int(org_id), room_no, round(float(area), 1), purpose))  # noqa: B023 - called within the same iteration
            return len(room_rows) - 1

        leaders = people[people["rank_code"] != bottom]
        injected = None
        if int(org_id) == plan.over_standard_org_id:
            candidates = leaders[leaders["rank_code"] == plan.over_standard_rank]
            injected = int(candidates.index[0])
            room = new_room(plan.over_standard_area_m2, room_no=plan.over_standard_room_no)
            occupant_rows.append((room, injected))
        for index, rank in zip(leaders.index, leaders["rank_code"]):
            if index == injected:
                continue
            room = new_room(LIMITS[(level, rank)] * rng.uniform(0.78, 0.97))
            occupant_rows.append((room, int(index)))
        others = people.index[people["rank_code"] == bottom].to_numpy()
        start = 0
        while start < len(others):
            size = min(int(rng.integers(2, 5)), len(others) - start)
            settled = max(1, size - int(moved[others[start : start + size]].sum()))
            room = new_room(LIMITS[(level, bottom)] * settled * rng.uniform(0.80, 0.97))
            occupant_rows += [(room, int(i)) for i in others[start : start + size]]
            start += size
        for _ in range(max(1, int(round(len(people) * 0.02)))):
            new_room(rng.uniform(7.5, 9.0))  # vacant now; someone's previous office
        for _ in range(1 + len(people) // 80):
            new_room(rng.uniform(40, 120), "meeting")
        for _ in range(int(rng.integers(1, 3))):
            new_room(rng.uniform(20, 60), "service")

    rooms = pd.DataFrame(room_rows, columns=["building_id", "org_id", "room_no", "usable_area_m2", "purpose"])
    rooms.insert(0, "id", np.arange(1, len(rooms) + 1))
    occupied = pd.DataFrame(occupant_rows, columns=["room_index", "staff_index"])
    occupied["room_id"] = rooms["id"].to_numpy()[occupied["room_index"].to_numpy()]
    person = staff.loc[occupied["staff_index"].to_numpy()].reset_index(drop=True)
    m = len(occupied)
    since = ctx.as_of_number - rng.integers(ctx.n_days + 30, ctx.n_days + 3000, m)
    # Some bottom-rank staff moved in during the range from a room that is vacant today.
    vacant = rooms[(rooms["purpose"] == "office") & ~rooms["id"].isin(occupied["room_id"])]
    vacant_by_org = {org: group["id"].to_numpy() for org, group in vacant.groupby("org_id")}
    moved = moved[occupied["staff_index"].to_numpy()]
    move_day = ctx.first_day_number + rng.integers(1, ctx.n_days, m)
    current_since = np.where(moved, move_day, since)
    current = pd.DataFrame(
        {
            "room_id": occupied["room_id"].to_numpy(),
            "staff_no": person["staff_no"].to_numpy(),
            "person_name": person["person_name"].to_numpy(),
            "rank_code": person["rank_code"].to_numpy(),
            "since": current_since,
            "until": np.iinfo(np.int64).min,
        }
    )
    earlier_rows = np.flatnonzero(moved)
    previous_room = np.array(
        [rng.choice(vacant_by_org[org]) for org in person["org_id"].to_numpy()[earlier_rows]], dtype=np.int64
    )
    earlier = current.iloc[earlier_rows].copy()
    earlier["room_id"] = previous_room
    earlier["since"] = since[earlier_rows]
    earlier["until"] = move_day[earlier_rows]
    occupancy = pd.concat([earlier, current], ignore_index=True).sort_values(["room_id", "since", "staff_no"])
    occupancy.insert(0, "id", np.arange(1, len(occupancy) + 1))
    occupancy["since"] = occupancy["since"].to_numpy(dtype=np.int64).astype("datetime64[D]")
    occupancy["until"] = occupancy["until"].to_numpy(dtype=np.int64).astype("datetime64[D]")
    return rooms, occupancy.reset_index(drop=True)


def _staff_discrepancies(
    ctx: BuildContext, staff: pd.DataFrame, rooms: pd.DataFrame, occupancy: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The staff list as written (a copy of ``staff`` with ``left_on``) and the occupancy with the
    second rooms added: ``DISCREPANCIES_PER_KIND`` bottom-rank people each, one per agency in id
    order (away from the over-standard office), left the list ``LEFT_DAYS_AGO`` days ago, are
    listed by the next agency, or took a vacant office of their unit ``SECOND_ROOM_DAYS_AGO``
    days ago. Chosen by position, without random draws, so the rest of the demo is unchanged."""
    bottoms = {RANKS[level][3] for level in RANKS}
    agencies = sorted(int(o) for o in staff["org_id"].unique() if int(o) != ctx.plan.over_standard_org_id)
    people = staff[staff["rank_code"].isin(bottoms) & staff["org_id"].isin(agencies)]
    first_of = people.groupby("org_id", sort=True).head(1)
    chosen = first_of.iloc[: 3 * DISCREPANCIES_PER_KIND]
    left, elsewhere, doubled = (
        chosen.iloc[i * DISCREPANCIES_PER_KIND : (i + 1) * DISCREPANCIES_PER_KIND] for i in range(3)
    )
    listed = staff.copy()
    listed["left_on"] = pd.Series([pd.NaT] * len(listed), dtype="datetime64[ns]")
    listed.loc[left.index, "left_on"] = pd.Timestamp(ctx.as_of) - pd.Timedelta(days=LEFT_DAYS_AGO)
    next_agency = {a: agencies[(i + 1) % len(agencies)] for i, a in enumerate(agencies)}
    listed.loc[elsewhere.index, "org_id"] = [next_agency[int(o)] for o in elsewhere["org_id"]]

    active = occupancy[occupancy["until"].isna()]
    offices = rooms[(rooms["purpose"] == "office") & ~rooms["id"].isin(active["room_id"])]
    extra = []
    for person in doubled.itertuples():
        vacant = offices[offices["org_id"] == person.org_id]["id"]
        if vacant.empty:
            continue
        extra.append(
            {
                "room_id": int(vacant.iloc[0]),
                "staff_no": person.staff_no,
                "person_name": person.person_name,
                "rank_code": person.rank_code,
                "since": np.datetime64(ctx.as_of, "D") - np.timedelta64(SECOND_ROOM_DAYS_AGO, "D"),
                "until": np.datetime64("NaT", "D"),
            }
        )
    if extra:
        added = pd.DataFrame(extra)
        added.insert(0, "id", np.arange(len(occupancy) + 1, len(occupancy) + 1 + len(added)))
        occupancy = pd.concat(
            [occupancy, added.astype({"since": occupancy["since"].dtype, "until": occupancy["until"].dtype})],
            ignore_index=True,
        )
    return listed, occupancy
