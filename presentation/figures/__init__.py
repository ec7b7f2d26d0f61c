"""Figure builders: ``make_*_figure(df, *, lang, theme) -> go.Figure``.

Pure functions of a DataFrame built with ``plotly.graph_objects`` only (plotly.express costs
~20 ms a figure). Every call builds its own layout dict, so no user's figure shares mutable
state with another's; the snapshots use the same builders.
"""

from .asset import make_asset_status_figure
from .common import make_message_figure
from .energy import make_energy_trend_figure
from .housing import make_office_area_figure
from .vehicle import make_vehicle_trend_figure

__all__ = [
    "make_asset_status_figure",
    "make_energy_trend_figure",
    "make_message_figure",
    "make_office_area_figure",
    "make_vehicle_trend_figure",
]
