"""Every setting of the command center, read from the environment with safe defaults.

Tests and tools pass overrides to ``load_config(**overrides)`` instead of touching
``os.environ``; the web app, the scheduler and the benchmarks all build their
settings through this one function so that they agree on the database and paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-insecure-change-me"
DEFAULT_TIMEZONE = "Asia/Shanghai"  # the zone of local days and months (data/calendar.py)


def _env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


@dataclass(frozen=True)
class Config:
    """Typed settings. ``var_dir`` holds everything the app writes (database, drops, backups)."""

    var_dir: Path
    database_url: str
    secret_key: str
    timezone: str
    data_dir: Path
    demo_mode: bool
    demo_tier: str
    default_language: str
    session_cookie_secure: bool
    session_lifetime_minutes: int
    refresh_interval_seconds: int
    host: str
    port: int
    debug: bool
    extra: dict = field(default_factory=dict)
    # Tests only: accept DEFAULT_SECRET_KEY outside demo mode. Never read from the environment.
    allow_default_secret_key: bool = False
    # Loaders and the scheduler (issue 3). ``None`` folders default under data_dir / var_dir.
    drop_dir: Path | None = None
    backup_dir: Path | None = None
    backup_keep: int = 14
    backup_time: str = "02:30"  # local time of the nightly backup
    drop_interval_seconds: int = 60
    drop_settle_seconds: float = 5.0
    simulator_interval_seconds: int = 180
    scheduler_lease_seconds: int = 60
    loader_chunk_rows: int = 20_000
    loader_jump_factor: float = 10.0
    loader_future_tolerance_seconds: int = 600
    # Hostile files (issue 16): what the loader reads at most, checked before a file is parsed
    # (data/loaders/extract/limits.py; docs/data-operations.md).
    loader_max_file_bytes: int = 1 << 30
    loader_max_uncompressed_bytes: int = 512 << 20
    loader_max_compression_ratio: float = 100.0
    loader_max_zip_members: int = 2_000
    loader_max_rows: int = 1_048_576
    loader_max_cells: int = 20_000_000
    # Alert notifications (issue 17; data/alerts/notify.py, docs/alerts.md). The SMTP password is
    # a secret: kept out of repr() so that a logged or printed Config never shows it.
    smtp_host: str = ""  # empty: e-mail channels fail with "SMTP not configured" (recorded, retried)
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "aocc@localhost"
    smtp_tls: str = "none"  # none | starttls | ssl
    smtp_timeout_seconds: float = 10.0
    webhook_timeout_seconds: float = 10.0
    public_base_url: str = "http://127.0.0.1:8050"  # links in notifications: <base>/alerts?alert=<id>
    notify_max_attempts: int = 6  # tries per event and channel before it is given up as failed
    notify_backoff_seconds: int = 60  # the first retry's delay; doubled after each failure
    notify_max_age_hours: int = 24  # events older than this are not sent (a scheduler down for days)

    def with_overrides(self, **overrides) -> Config:
        return replace(self, **overrides)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def drop_root(self) -> Path:
        """The drop folders' parent: one sub-folder per domain (energy, vehicle, asset, housing)."""
        return Path(self.drop_dir) if self.drop_dir else Path(self.data_dir) / "drop"

    @property
    def backup_root(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else Path(self.var_dir) / "backups"


def load_config(**overrides) -> Config:
    """Read settings from the environment, then apply ``overrides`` (used by tests)."""
    var_dir = Path(_env_str("AOCC_VAR_DIR", str(PROJECT_ROOT / "var")))
    cfg = Config(
        var_dir=var_dir,
        database_url=_env_str("DATABASE_URL", f"sqlite:///{var_dir / 'aocc.sqlite3'}"),
        secret_key=_env_str("SECRET_KEY", DEFAULT_SECRET_KEY),
        timezone=_env_str("AOCC_TIMEZONE", DEFAULT_TIMEZONE),
        data_dir=Path(_env_str("AOCC_DATA_DIR", str(var_dir / "data"))),
        demo_mode=_env_bool("AOCC_DEMO", False),
        demo_tier=_env_str("AOCC_DEMO_TIER", "small"),
        default_language=_env_str("AOCC_LANGUAGE", "zh"),
        session_cookie_secure=_env_bool("SESSION_COOKIE_SECURE", False),
        session_lifetime_minutes=_env_int("SESSION_LIFETIME_MINUTES", 480),
        refresh_interval_seconds=_env_int("AOCC_REFRESH_SECONDS", 60),
        host=_env_str("AOCC_HOST", "127.0.0.1"),
        port=_env_int("AOCC_PORT", 8050),
        debug=_env_bool("AOCC_DEBUG", False),
        drop_dir=Path(os.environ["AOCC_DROP_DIR"]) if os.environ.get("AOCC_DROP_DIR") else None,
        backup_dir=Path(os.environ["AOCC_BACKUP_DIR"]) if os.environ.get("AOCC_BACKUP_DIR") else None,
        backup_keep=_env_int("AOCC_BACKUP_KEEP", 14),
        backup_time=_env_str("AOCC_BACKUP_TIME", "02:30"),
        drop_interval_seconds=_env_int("AOCC_DROP_INTERVAL_SECONDS", 60),
        simulator_interval_seconds=_env_int("AOCC_SIMULATOR_INTERVAL_SECONDS", 180),
        scheduler_lease_seconds=_env_int("AOCC_SCHEDULER_LEASE_SECONDS", 60),
        loader_max_file_bytes=_env_int("AOCC_LOADER_MAX_FILE_BYTES", 1 << 30),
        loader_max_uncompressed_bytes=_env_int("AOCC_LOADER_MAX_UNCOMPRESSED_BYTES", 512 << 20),
        loader_max_compression_ratio=_env_float("AOCC_LOADER_MAX_COMPRESSION_RATIO", 100.0),
        loader_max_zip_members=_env_int("AOCC_LOADER_MAX_ZIP_MEMBERS", 2_000),
        loader_max_rows=_env_int("AOCC_LOADER_MAX_ROWS", 1_048_576),
        loader_max_cells=_env_int("AOCC_LOADER_MAX_CELLS", 20_000_000),
        smtp_host=_env_str("AOCC_SMTP_HOST", ""),
        smtp_port=_env_int("AOCC_SMTP_PORT", 25),
        smtp_user=_env_str("AOCC_SMTP_USER", ""),
        smtp_password=_env_str("AOCC_SMTP_PASSWORD", ""),
        smtp_from=_env_str("AOCC_SMTP_FROM", "aocc@localhost"),
        smtp_tls=_env_str("AOCC_SMTP_TLS", "none").strip().lower(),
        smtp_timeout_seconds=_env_float("AOCC_SMTP_TIMEOUT_SECONDS", 10.0),
        webhook_timeout_seconds=_env_float("AOCC_WEBHOOK_TIMEOUT_SECONDS", 10.0),
        public_base_url=_env_str("AOCC_PUBLIC_BASE_URL", "http://127.0.0.1:8050").rstrip("/"),
        notify_max_attempts=_env_int("AOCC_NOTIFY_MAX_ATTEMPTS", 6),
        notify_backoff_seconds=_env_int("AOCC_NOTIFY_BACKOFF_SECONDS", 60),
        notify_max_age_hours=_env_int("AOCC_NOTIFY_MAX_AGE_HOURS", 24),
    )
    return cfg.with_overrides(**overrides) if overrides else cfg
