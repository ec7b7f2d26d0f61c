"""The rules of reviewing a quarantined row (``data.quarantine_review``): who sees raw values,
which corrected fields are sent back, and the note a discard needs."""

from __future__ import annotations

import pytest

from data.quarantine_review import NoteRequired, changed_fields, discard_note, shows_raw_values


@pytest.mark.parametrize(
    "permissions, expected",
    [
        ({"view", "manage_data"}, True),
        (frozenset({"manage_data"}), True),
        ({"view"}, False),
        ({"view", "view_personal_data"}, False),  # seeing personal data is not seeing raw rows
        ((), False),
    ],
)
def test_raw_values_only_for_data_managers(permissions, expected):
    assert shows_raw_values(permissions) is expected


def test_only_changed_fields_are_sent_back_so_a_mask_never_overwrites_the_original():
    shown = {"表计编号": "E-B001", "用电量(千瓦时)": "abc", "联系人姓名": "张*丰", "联系电话": "138****1234"}
    submitted = {"表计编号": "E-B001", "用电量(千瓦时)": "42", "联系人姓名": "张*丰", "联系电话": "13812341234"}
    assert changed_fields(shown, submitted) == {"用电量(千瓦时)": "42", "联系电话": "13812341234"}
    assert changed_fields(shown, dict(shown)) == {}


def test_a_field_the_stored_row_lacks_counts_as_changed():
    assert changed_fields(None, {"备注": "x"}) == {"备注": "x"}
    assert changed_fields({}, {"备注": None}) == {}  # absent and empty are the same to the editor


@pytest.mark.parametrize("note", [None, "", "   ", "\n\t"])
def test_discarding_needs_a_note(note):
    with pytest.raises(NoteRequired):
        discard_note(note)


def test_the_note_is_kept_trimmed():
    assert discard_note("  duplicate of line 7 \n") == "duplicate of line 7"
    assert issubclass(NoteRequired, ValueError)
