"""A module owns one thing and stays under 600 lines (STYLE.md); when one grows, it is split along
the domain. Migrations and tests are exempt."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 600
PACKAGES = (
    "app.py",
    "config.py",
    "manage.py",
    "pages",
    "callbacks",
    "security",
    "components",
    "views",
    "presentation",
    "data",
    "jobs",
    "benchmarks",
)


def test_no_module_over_the_limit():
    too_long = []
    for entry in PACKAGES:
        paths = [ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py"))
        for path in paths:
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LIMIT:
                too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert too_long == [], "split these along the domain:\n" + "\n".join(too_long)
