"""Messages of the declared housing page's office-space part (views/housing.py): panel titles
and hints, grid columns, room statuses, administrative levels and the rank figure's series."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- panels ----------------------------------------------------------------------------------
    "housing_page.office_ranks.title": (
        "分职级人均办公面积与标准",
        "Office area per person by rank against the standard",
    ),
    "housing_page.office_ranks.hint": (
        "各职级人均使用面积（合用办公室按人数均摊），竖线为该职级面积标准，红色为超标",
        "Usable area per person of each rank (a shared room split evenly); the line is the rank's limit, over it in red",
    ),
    "housing_page.over_ranking.title": ("下级单位超标面积排名", "Units one level down by area over the standard"),
    "housing_page.over_ranking.hint": (
        "期末办公用房超出标准的面积，由高到低，点击条形进入该单位或办公楼",
        "Office area over the standard at the period's end, largest first; click a bar to open the unit or building",
    ),
    "housing_page.per_person_ranking.title": ("下级单位人均办公面积排名", "Units one level down by area per person"),
    "housing_page.per_person_ranking.hint": (
        "期末办公用房使用面积除以在岗人数，由高到低",
        "Office usable area divided by occupants at the period's end, highest first",
    ),
    "housing_page.over_rooms.title": ("超标办公室", "Offices over the standard"),
    "housing_page.over_rooms.hint": (
        "使用面积超过在用人员职级标准之和的办公室，按超标面积排序，点击查看使用人员",
        "Rooms larger than their occupants' rank limits allow, largest excess first; click for the occupants",
    ),
    "housing_page.buildings.title": ("办公楼", "Office buildings"),
    "housing_page.buildings.hint": (
        "本单位办公用房所在各楼的面积、人数、超标与空置，点击进入该楼",
        "The unit's office space by building: area, occupants, over-standard and vacant rooms; click to open",
    ),
    "housing_page.vacant_rooms.title": ("空置办公室", "Vacant offices"),
    "housing_page.vacant_rooms.hint": (
        "期末无人使用的办公室及其空置起始日",
        "Offices without occupants at the period's end, and since when",
    ),
    "housing_page.building_rooms.title": ("本楼办公室", "Offices in this building"),
    "housing_page.building_rooms.hint": (
        "每间办公室的面积、使用人数、标准与超标面积，点击查看使用人员",
        "Each office's area, occupants, allowance and excess; click for its occupants",
    ),
    "housing_page.occupants.title": ("使用人员及历史", "Occupants and history"),
    "housing_page.occupants.hint": (
        "在用人员在前；均摊面积为其在用期间房间面积按同时使用人数平分",
        "Current occupants first; the share is the room's area split among those sitting in it at the time",
    ),
    # --- grid columns ----------------------------------------------------------------------------
    "housing_page.col.room": ("房间号", "Room"),
    "housing_page.col.building": ("办公楼", "Building"),
    "housing_page.col.building_code": ("楼宇编码", "Building code"),
    "housing_page.col.org": ("单位", "Unit"),
    "housing_page.col.area": ("使用面积", "Usable area"),
    "housing_page.col.occupants": ("使用人数", "Occupants"),
    "housing_page.col.limit": ("面积标准", "Limit"),
    "housing_page.col.allowed": ("核定面积", "Allowed area"),
    "housing_page.col.over": ("超标面积", "Area over"),
    "housing_page.col.vacant_since": ("空置起始", "Vacant since"),
    "housing_page.col.office_rooms": ("办公室数", "Offices"),
    "housing_page.col.area_per_person": ("人均面积", "Area per person"),
    "housing_page.col.over_rooms": ("超标间数", "Over-standard offices"),
    "housing_page.col.vacant_rooms": ("空置间数", "Vacant offices"),
    "housing_page.col.room_status": ("状态", "Status"),
    "housing_page.col.person": ("姓名", "Name"),
    "housing_page.col.staff_no": ("工号", "Staff no."),
    "housing_page.col.rank": ("职级", "Rank"),
    "housing_page.col.since": ("起始日", "Since"),
    "housing_page.col.until": ("迁出日", "Until"),
    "housing_page.col.share": ("均摊面积", "Share of area"),
    # --- coded values ----------------------------------------------------------------------------
    "housing_page.room_status.over": ("超标", "Over the standard"),
    "housing_page.room_status.vacant": ("空置", "Vacant"),
    "housing_page.room_status.within": ("达标", "Within the standard"),
    "housing_page.admin_level.central": ("中央", "Central"),
    "housing_page.admin_level.province": ("省级", "Provincial"),
    "housing_page.admin_level.city": ("市级", "City"),
    "housing_page.admin_level.county": ("县级", "County"),
    # --- figures ---------------------------------------------------------------------------------
    "housing_page.series.area_per_person": ("人均使用面积", "Area per person"),
    "housing_page.series.limit": ("面积标准", "Limit"),
    "housing_page.series.occupants": ("人数", "Occupants"),
    "housing_page.series.over_area": ("超标面积", "Area over"),
    "housing_page.axis.m2_per_person": ("m²/人", "m² per person"),
    "kpi.ref.share.housing.over_standard_area_m2": ("占办公面积 {value}", "{value} of office area"),
}
