"""The message catalog: every user-facing string, Simplified Chinese first, English second.

Catalog modules in this package (``catalog_*.py``) each define ``MESSAGES = {key: (zh, en)}``;
they are merged here so that each area of the product owns its own file. A key defined twice
is an error found at import, not a silent override. Placeholders use ``str.format`` names.
"""

from __future__ import annotations

import importlib
import pkgutil

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "aocc_lang"


def _load_catalog() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("catalog_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in module.MESSAGES.items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice (again in {info.name})")
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) and s for s in pair)):
                raise ValueError(f"message {key!r} in {info.name} must be a (zh, en) pair of non-empty strings")
            merged[key] = pair
    return merged


CATALOG: dict[str, tuple[str, str]] = _load_catalog()


def normalize_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = DEFAULT_LANGUAGE, **params) -> str:
    """The text for ``key`` in ``lang``. An unknown key raises: a typo must fail a test."""
    zh, en = CATALOG[key]
    text = zh if normalize_language(lang) == "zh" else en
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in CATALOG
