"""The benchmark record tells the truth: a figure without a target has ``met: null``, a figure
with one says true or false; BENCHMARKS.md shows "—" for the former."""

from __future__ import annotations

import pytest

from benchmarks.results import RESULTS_PATH, Result, load_results, write_markdown


def _result(**overrides) -> Result:
    fields = dict(
        name="x",
        value=1.0,
        unit="ms",
        target="",
        met=True,
        database="sqlite",
        scale="small",
        date="2026-12-06",
        command="python -m benchmarks x",
    )
    fields.update(overrides)
    return Result(**fields)


def test_a_figure_without_a_target_has_met_null():
    assert _result(target="", met=True).met is None
    assert _result(target="≤ 50 ms", met=True).met is True
    assert _result(target="≤ 50 ms", met=0).met is False


def test_a_figure_with_a_target_must_say_whether_it_met_it():
    with pytest.raises(ValueError):
        _result(target="≤ 50 ms", met=None)


def test_the_stored_results_follow_the_rule():
    entries = load_results(RESULTS_PATH)
    assert entries, "benchmarks/results.json is empty"
    for entry in entries:
        assert {"name", "value", "unit", "target", "met", "database", "scale", "date"} <= set(entry), entry
        if entry["target"]:
            assert entry["met"] in (True, False), entry
        else:
            assert entry["met"] is None, entry


def test_markdown_shows_a_dash_for_figures_without_a_target(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    write_markdown([vars(_result(name="context figure")), vars(_result(name="checked", target="≤ 5", met=False))], out)
    text = out.read_text(encoding="utf-8")
    assert "| context figure | 1.00 | ms | — | — |" in text
    assert "| checked | 1.00 | ms | ≤ 5 | **no** |" in text
