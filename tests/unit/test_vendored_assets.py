"""The vendored front-end files match the Python packages that produce what they draw."""

from __future__ import annotations

import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

VENDOR = Path(__file__).resolve().parents[2] / "assets" / "vendor"


def _header_version(path: Path) -> str:
    head = path.read_text(encoding="utf-8", errors="replace")[:400]
    return re.search(r"plotly\.js(?: \([a-z -]+\))? v(\d+\.\d+\.\d+)", head).group(1)


def test_the_plotly_bundle_is_the_version_the_python_figures_are_built_for():
    """dcc.Graph uses ``window.Plotly`` when an asset defines it (the 1.5 MB cartesian bundle
    instead of the 4.8 MB full one it would fetch on the first chart); it must be the plotly.js
    release that the installed plotly package builds figures for."""
    assert _header_version(VENDOR / "plotly-cartesian.min.js") == get_plotlyjs_version()
    assert _header_version(VENDOR / "plotly-locale-zh-cn.js") == get_plotlyjs_version()
