from __future__ import annotations

import pytest

from config import DEFAULT_SECRET_KEY, load_config


def test_defaults_are_safe_and_local(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "AOCC_TIMEZONE", "AOCC_VAR_DIR", "AOCC_DEMO"):
        monkeypatch.delenv(name, raising=False)
    cfg = load_config()
    assert cfg.database_url.startswith("sqlite:///") and cfg.database_url.endswith("var/aocc.sqlite3")
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.secret_key == DEFAULT_SECRET_KEY
    assert cfg.demo_mode is False
    assert cfg.default_language == "zh"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("AOCC_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("AOCC_DEMO", "yes")
    cfg = load_config()
    assert cfg.database_url == "postgresql://u@h/db"
    assert cfg.var_dir == tmp_path
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.demo_mode is True


def test_explicit_overrides_win(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert load_config(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"


def test_bad_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("AOCC_PORT", "eighty")
    with pytest.raises(ValueError, match="AOCC_PORT"):
        load_config()
