"""Fields that several import formats share, declared once: the code of the org unit or building a
row names, a vehicle's plate, a staff member's number, name and rank, an office room's number …

Each format keeps its own header aliases, in its own order: header detection scores a file's
headers against them and the first alias is shown as the canonical header, so merging two lists
would change which files are recognised. Where formats use the same words for a field, the words
are one tuple here; where only the Chinese words differ, a constructor takes them and adds the
English ones every format uses.
"""

from __future__ import annotations

from data.import_formats.field import Field, _f

ORG_CODE_EN = ("org", "org code", "org_code")
# A building's code in a file of rooms or readings, and in the building register itself.
BUILDING_CODE_ZH = ("建筑编码", "建筑编号", "楼宇编码", "楼宇编号")
BUILDING_CODE_EN = ("building", "building code", "building_code")
HOUSING_UNIT_CODE = ("房源编号", "住房编号", "房屋编号", "周转房编号", "unit", "unit code", "unit_code", "housing unit")
# The vehicle register and trip logs write the plate in more ways than fuel and repair slips.
PLATE = ("车牌号", "车牌号码", "车牌", "号牌号码", "plate", "plate number", "licence plate", "license plate")
PLATE_SHORT = ("车牌号", "车牌号码", "车牌", "plate", "plate number")
PERSON_NAME_EN = ("name", "person name", "person_name")
DRIVER_NAME_EN = ("driver", "driver name", "driver_name")


def org_code_field(*zh: str, extra: tuple[str, ...] = ()) -> Field:
    """The code of the org unit a row belongs to: this format's Chinese words, then the English
    ones, then ``extra``."""
    return _f("org_code", "code", *zh, *ORG_CODE_EN, *extra, required=True, max_len=32)


def building_code_field(*zh: str, required: bool = False) -> Field:
    """The code of the building a row names: this format's Chinese words, then the English ones."""
    return _f("building_code", "code", *zh, *BUILDING_CODE_EN, required=required, max_len=32)


def plate_field(aliases: tuple[str, ...] = PLATE) -> Field:
    return _f("plate", "code", *aliases, required=True, max_len=16)


def name_en_field() -> Field:
    return _f("name_en", "text", "英文名称", "name en", "name_en", "english name", max_len=128)


def staff_no_field() -> Field:
    return _f(
        "staff_no",
        "code",
        "工号",
        "人员编号",
        "职工编号",
        "staff no",
        "staff_no",
        "staff number",
        "employee no",
        required=True,
        max_len=32,
    )


def person_name_field(*zh: str) -> Field:
    """A staff member's name (personal data): this format's Chinese words, then the English ones."""
    return _f("person_name", "text", *zh, *PERSON_NAME_EN, required=True, max_len=64, personal=True)


def driver_name_field(*zh: str) -> Field:
    """A vehicle's driver (personal data): this format's Chinese words, then the English ones."""
    return _f("driver_name", "text", *zh, *DRIVER_NAME_EN, max_len=64, personal=True)


def rank_code_field() -> Field:
    """A rank of the office-space standard (code or name, resolved against the org's admin level)."""
    return _f(
        "rank_code", "code", "职级", "职务级别", "级别", "rank", "rank code", "rank_code", required=True, max_len=32
    )


def room_no_field() -> Field:
    return _f(
        "room_no",
        "code",
        "房间号",
        "房号",
        "门牌号",
        "room",
        "room no",
        "room_no",
        "room number",
        required=True,
        max_len=16,
    )
