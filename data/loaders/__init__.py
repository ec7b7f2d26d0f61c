"""Loaders: the one-transaction-per-batch pipeline, the quarantine and the sources (the import
formats they read live in ``data.import_formats``, shared with the read side).

Public API::

    load_file(engine, path, now=..., source_id=None, fact=None, force=False) -> BatchResult
    load_records(engine, fact, records, now=..., name=...) -> BatchResult
    run_source(engine, code, now=...) -> list[BatchResult]
    ensure_sources(engine, default_sources(config)); register_sql_source(engine, ...)
    resubmit(engine, row_id, corrected, actor=..., now=...); discard(engine, row_id, actor=..., note=..., now=...)
    hooks.register("after_batch", fn)           # the threshold checks plug in here

``python -m data.loaders FILE... [--fact F] [--force]`` loads files by hand.
"""

from __future__ import annotations

from .batch_record import BatchResult
from .facts import Settings
from .hooks import register as register_hook
from .hooks import registry as hook_registry
from .pipeline import load_file, load_records, settings_from_config
from .quarantine import QuarantineError, discard, resubmit
from .sources import default_sources, ensure_sources, register_sql_source, run_source

__all__ = [
    "BatchResult",
    "QuarantineError",
    "Settings",
    "default_sources",
    "discard",
    "ensure_sources",
    "hook_registry",
    "load_file",
    "load_records",
    "register_hook",
    "register_sql_source",
    "resubmit",
    "run_source",
    "settings_from_config",
]
