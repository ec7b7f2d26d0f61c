"""The two themes: ``light`` for desks, ``dark`` for the wall screen (大屏), read from 5 m.

Colours and font sizes are plain values: every figure builds its own layout from them, so no
shared plotly template can leak one user's view into another's.
"""

from __future__ import annotations

THEMES = ("light", "dark")
DEFAULT_THEME = "light"
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif'
)

# Colours per theme: series in a fixed order, plus the semantic ones.
PALETTES = {
    "light": {
        "text": "#1f2937",
        "muted": "#6b7280",
        "grid": "#e5e7eb",
        "zero": "#9ca3af",
        "primary": "#1d4ed8",
        "secondary": "#94a3b8",
        "accent": "#ea580c",
        "good": "#15803d",
        "warn": "#d97706",
        "bad": "#dc2626",
        "teal": "#0f766e",
    },
    "dark": {
        "text": "#e2e8f0",
        "muted": "#94a3b8",
        "grid": "rgba(148, 163, 184, 0.22)",
        "zero": "#64748b",
        "primary": "#38bdf8",
        "secondary": "#475569",
        "accent": "#fb923c",
        "good": "#4ade80",
        "warn": "#fbbf24",
        "bad": "#f87171",
        "teal": "#2dd4bf",
    },
}
FONT_SIZES = {"light": 13, "dark": 18}


def normalize_theme(theme: str | None) -> str:
    """``theme`` if it is one of ``THEMES``, else the default (a stray cookie cannot break a page)."""
    return theme if theme in THEMES else DEFAULT_THEME


def palette(theme: str | None) -> dict[str, str]:
    """A copy of ``theme``'s colours."""
    return dict(PALETTES[normalize_theme(theme)])


# The wall theme's charts follow the page's own type scale (assets/theme-dark.css sets the root
# font to clamp(16px, 0.95vw, 40px)), so a 3840-pixel wall gets text twice as large as a 1920 one.
WALL_FONT_PER_PIXEL = 0.0095
WALL_FONT_MIN, WALL_FONT_MAX = 16, 40


def chart_font_size(theme: str | None, viewport_width: float | None = None) -> int:
    """The base font size of a chart: fixed for the desk theme; for the wall theme, scaled with
    the screen's width (``viewport_width`` in CSS pixels; the theme's default when unknown)."""
    theme = normalize_theme(theme)
    if theme != "dark" or not viewport_width or viewport_width <= 0:
        return FONT_SIZES[theme]
    return int(round(min(WALL_FONT_MAX, max(WALL_FONT_MIN, viewport_width * WALL_FONT_PER_PIXEL))))
