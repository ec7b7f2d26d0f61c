"""The hook registry the alerts and snapshot modules plug into."""

from __future__ import annotations

import sys
import types

import pytest

from data.loaders.hooks import HOOK_POINTS, HookRegistry


def test_register_run_replace_unregister():
    registry = HookRegistry(plugin_modules=())
    calls = []
    registry.register("alert_check", lambda engine, now: calls.append(("a", now)), name="a")
    registry.register("alert_check", lambda engine, now: calls.append(("b", now)), name="b")
    assert registry.run("alert_check", None, 1) == []
    assert calls == [("a", 1), ("b", 1)]
    registry.register("alert_check", lambda engine, now: calls.append(("a2", now)), name="a")  # replaces "a"
    registry.unregister("alert_check", "b")
    calls.clear()
    registry.run("alert_check", None, 2)
    assert calls == [("a2", 2)]


def test_a_failing_hook_does_not_stop_the_next_and_is_reported():
    registry = HookRegistry(plugin_modules=())
    calls = []

    def broken(engine, now):
        raise RuntimeError("rule 7 is broken")

    registry.register("weekly_snapshot", broken, name="broken")
    registry.register("weekly_snapshot", lambda engine, now: calls.append(now), name="ok")
    failures = registry.run("weekly_snapshot", None, "now")
    assert calls == ["now"]
    assert [(name, str(exc)) for name, exc in failures] == [("broken", "rule 7 is broken")]


def test_unknown_point_is_refused():
    with pytest.raises(KeyError):
        HookRegistry(plugin_modules=()).register("before_lunch", print)
    assert HOOK_POINTS == ("after_batch", "after_commit", "alert_check", "weekly_snapshot")


def test_plugins_register_on_first_use_and_missing_plugins_are_skipped(monkeypatch):
    module = types.ModuleType("aocc_test_plugin")

    def register_hooks(registry):
        registry.register("after_batch", lambda conn, batch: None, name="plugin.after_batch")

    module.register_hooks = register_hooks
    monkeypatch.setitem(sys.modules, "aocc_test_plugin", module)
    registry = HookRegistry(plugin_modules=("aocc_test_plugin", "aocc_no_such_plugin.hooks"))
    assert [h.name for h in registry.hooks("after_batch")] == ["plugin.after_batch"]


def test_a_plugin_with_a_broken_import_fails_loudly(monkeypatch, tmp_path):
    (tmp_path / "aocc_bad_plugin.py").write_text("import aocc_dependency_that_is_missing\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = HookRegistry(plugin_modules=("aocc_bad_plugin",))
    with pytest.raises(ModuleNotFoundError):
        registry.hooks("after_batch")


def test_decorator_form():
    from data.loaders import hooks

    registry = HookRegistry(plugin_modules=())
    saved = hooks.registry
    hooks.registry = registry
    try:

        @hooks.register("alert_check", name="decorated")
        def check(engine, now):
            return None

        assert [h.name for h in registry.hooks("alert_check")] == ["decorated"]
        assert check(None, None) is None
    finally:
        hooks.registry = saved
