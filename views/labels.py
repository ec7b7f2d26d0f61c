"""What the pages' grids share to show coded values in the reader's language: a code's label
from the catalog, label columns beside the codes, and a panel query that adds them.

Queries return codes (``status``, ``kind`` …); a page's ``localize(frame, lang)`` adds label
columns the grids declare, and ``PageSpec.extra["localize"]`` lets the renderer redo it in the
reader's language. The queries themselves label in the default language (``localized_fetch``),
so an export or a snapshot reading the query directly still has the labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
from sqlalchemy.engine import Connection

from data.queries.view import ViewContext
from presentation.i18n import DEFAULT_LANGUAGE, has, t

Localize = Callable[[pd.DataFrame, str], pd.DataFrame]


def code_label(prefix: str, code, lang: str):
    """The catalog's label of ``code`` under ``prefix`` (``"asset_lists.status."``), the code itself
    when the catalog has none, None for a missing code."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return None
    key = f"{prefix}{code}"
    return t(key, lang) if has(key) else str(code)


def with_code_labels(
    frame: pd.DataFrame,
    coded: Mapping[str, tuple[str, str]],
    lang: str,
    *,
    code_lists: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with, for each ``column -> (label column, message prefix)`` of ``coded``
    present, the codes' labels; ``code_lists`` columns hold space-separated codes, labelled and
    joined with 、 (or commas in English)."""
    out = frame.copy()
    for column, (label, prefix) in coded.items():
        if column in out.columns:
            out[label] = [code_label(prefix, code, lang) for code in out[column]]
    joiner = "、" if lang == "zh" else ", "
    for column, (label, prefix) in (code_lists or {}).items():
        if column in out.columns:
            out[label] = [
                joiner.join(code_label(prefix, c, lang) for c in str(codes or "").split()) for codes in out[column]
            ]
    return out


def localized_fetch(fetch: Callable[[Connection, ViewContext], pd.DataFrame], localize: Localize):
    """``fetch`` whose frame carries ``localize``'s label columns in the default language."""

    def read(conn: Connection, view: ViewContext) -> pd.DataFrame:
        return localize(fetch(conn, view), DEFAULT_LANGUAGE)

    read.__name__ = read.__qualname__ = fetch.__name__
    read.__doc__ = fetch.__doc__
    return read


__all__ = ["Localize", "code_label", "localized_fetch", "with_code_labels"]
