"""The message catalog: every key has Chinese and English text, every key the UI code names
exists, and no user-facing string sits outside the catalog (no CJK string literal in
``components/``, ``presentation/``, ``pages/`` or ``callbacks/`` except in ``presentation/i18n``; docstrings and
comments are not UI)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from presentation.i18n import CATALOG, LANGUAGES, has, t

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = ("components", "pages", "callbacks", "presentation")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Chinese characters


def ui_sources() -> list[Path]:
    files = []
    for package in UI_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "i18n" not in path.relative_to(ROOT).parts:
                files.append(path)
    return files


def docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                ids.add(id(first.value))
    return ids


def test_every_message_has_chinese_and_english():
    assert LANGUAGES == ("zh", "en")
    for key, (zh, en) in CATALOG.items():
        assert zh.strip() and en.strip(), key
        # Placeholders agree between the two languages.
        assert set(re.findall(r"{(\w+)", zh)) == set(re.findall(r"{(\w+)", en)), key


def test_chinese_texts_are_chinese_where_they_are_words():
    for key in ("app.title", "state.empty", "state.error", "nav.energy", "kpi.sources"):
        assert CJK.search(t(key, "zh")), key
        assert not CJK.search(t(key, "en")), key


def test_no_cjk_string_literal_outside_the_catalog():
    offenders = []
    for path in ui_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                if CJK.search(node.value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert offenders == [], "user-facing strings must come from presentation/i18n:\n" + "\n".join(offenders)


def test_every_literal_message_key_in_the_ui_exists():
    missing = []
    for path in ui_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                if not has(node.args[0].value):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.args[0].value}")
    assert missing == []


def test_page_and_unit_keys_used_by_pattern_exist():
    for page in ("overview", "energy", "vehicles", "assets", "housing", "profile"):
        for suffix in ("title", "heading"):
            assert has(f"page.{page}.{suffix}")
        assert has(f"nav.{page}")
    for period in ("mtd", "ytd", "l12m", "now"):
        assert has(f"period.{period}")
    for domain in ("energy", "vehicle", "asset", "housing"):
        assert has(f"overview.domain.{domain}")
    from data.catalog import METRICS

    # Every catalog unit with a Chinese word in it has an English rendering.
    for metric in METRICS:
        if CJK.search(metric.unit):
            assert has(f"unit.{metric.unit}"), metric.unit
