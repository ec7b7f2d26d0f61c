"""Figure builders: ``make_*_figure(df, *, lang, theme) -> go.Figure``.

Pure functions of a DataFrame built with ``plotly.graph_objects`` only (plotly.express costs
~20 ms a figure). Every call builds its own layout dict, so no user's figure shares mutable
state with another's; the snapshots use the same builders.
"""

from .common import make_message_figure
from .housing import make_office_area_figure

__all__ = [
    "make_message_figure",
    "make_office_area_figure",
]
