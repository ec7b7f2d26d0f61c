"""Extension points of the loaders and the scheduler, filled by other parts of the product.

Four points:

* ``after_batch`` — called inside every batch's transaction once its facts and roll-ups are
  written: ``hook(conn, batch)`` with ``batch`` a :class:`~data.loaders.batch_record.BatchResult`.
  The threshold checks ("checks run after every load") plug in here. A hook runs in a
  savepoint: if it raises, its own writes are undone, the failure is written on the batch and
  logged, and the data of the batch is still committed — a broken rule must not stop data.
* ``after_commit`` — called once an applied batch is committed, outside any transaction:
  ``hook(engine, batch)``. Work that reads what the batch wrote but must not hold its write
  lock or slow its commit plugs in here: the threshold checks ("checks run after every load"),
  which on a province take as long as the load itself. A failing hook is logged; the data are
  committed already, and the scheduled ``alert_check`` catches up.
* ``alert_check`` — the scheduled check: ``hook(engine, now)``.
* ``weekly_snapshot`` — the weekly report: ``hook(engine, now)``.

Modules named in ``PLUGIN_MODULES`` are imported on first use, if they exist, and their
``register_hooks(registry)`` is called; so the alerts and snapshot packages plug in without
the loaders importing them, and without anything happening at import time.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("aocc.hooks")

HOOK_POINTS = ("after_batch", "after_commit", "alert_check", "weekly_snapshot")
PLUGIN_MODULES = ("data.alerts.hooks", "data.snapshots.hooks")


@dataclass(frozen=True)
class Hook:
    point: str
    name: str
    func: Callable


class HookRegistry:
    """Named callables per hook point, run in registration order."""

    def __init__(self, plugin_modules: tuple[str, ...] = PLUGIN_MODULES):
        self._hooks: dict[str, list[Hook]] = {p: [] for p in HOOK_POINTS}
        self._plugin_modules = plugin_modules
        self._plugins_loaded = False
        self._lock = threading.Lock()

    def register(self, point: str, func: Callable, *, name: str | None = None) -> Callable:
        """Add ``func`` at ``point``; registering the same name again replaces it."""
        if point not in self._hooks:
            raise KeyError(f"unknown hook point {point!r}; known: {', '.join(HOOK_POINTS)}")
        name = name or f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"
        with self._lock:
            hooks = [h for h in self._hooks[point] if h.name != name]
            hooks.append(Hook(point, name, func))
            self._hooks[point] = hooks
        return func

    def unregister(self, point: str, name: str) -> None:
        with self._lock:
            self._hooks[point] = [h for h in self._hooks[point] if h.name != name]

    def hooks(self, point: str) -> list[Hook]:
        self.load_plugins()
        with self._lock:
            return list(self._hooks[point])

    def load_plugins(self) -> None:
        """Import the plugin modules that exist and let them register (once per process)."""
        if self._plugins_loaded:
            return
        with self._lock:
            if self._plugins_loaded:
                return
            self._plugins_loaded = True
        for module_name in self._plugin_modules:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                # Only "this plugin does not exist (yet)" is skipped; a plugin that fails to
                # import because of its own bug must fail loudly.
                if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                    continue
                raise
            register = getattr(module, "register_hooks", None)
            if register is not None:
                register(self)
                log.info("hooks registered by %s", module_name)

    def run(self, point: str, *args, **kwargs) -> list[tuple[str, Exception]]:
        """Call every hook at ``point``; returns the failures (name, exception), each logged.

        For ``after_batch`` the pipeline wraps each call in a savepoint itself; here failures
        are collected so one failing hook does not stop the next.
        """
        failures: list[tuple[str, Exception]] = []
        for hook in self.hooks(point):
            try:
                hook.func(*args, **kwargs)
            except Exception as exc:  # recorded by the caller (batch message / job run)
                log.exception("hook %s at %s failed", hook.name, point)
                failures.append((hook.name, exc))
        return failures

    def clear(self) -> None:
        """Forget every hook (tests)."""
        with self._lock:
            self._hooks = {p: [] for p in HOOK_POINTS}


registry = HookRegistry()


def register(point: str, func: Callable | None = None, *, name: str | None = None):
    """``register("after_batch", fn)`` or as a decorator ``@register("after_batch")``."""
    if func is None:
        return lambda f: registry.register(point, f, name=name)
    return registry.register(point, func, name=name)
