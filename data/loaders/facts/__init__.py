"""One handler per fact: validate and standardise rows, then upsert them by natural key.

The package is split by domain: ``base`` (settings, the batch context, ``Handler``),
``master_org``, ``master_site``, ``master_fleet`` (master data: org units, buildings and meters,
vehicles and staff; ``master_common`` and ``master_moves`` shared by them), ``meter_reading`` and ``meter_columns`` (meter readings, row-wise and column-wise), ``vehicle``
(trips, fuel, maintenance), ``asset`` (assets, movements), ``housing`` (office occupancy,
leases) and ``weather`` (daily temperatures per city). ``HANDLERS`` maps each fact of ``formats.FORMATS`` to its handler.
"""

from __future__ import annotations

from .asset import AssetHandler, AssetMovementHandler
from .base import (
    FIELD_MAX,
    FIELD_UNITS,
    IN_CHUNK,
    PAST_FIELDS,
    Affected,
    BatchContext,
    Handler,
    Record,
    Rejection,
    Settings,
    WriteResult,
)
from .housing import LeaseHandler, OfficeOccupancyHandler
from .master_fleet import StaffHandler, VehicleHandler
from .master_org import OrgUnitHandler
from .master_site import BuildingHandler, MeterHandler
from .master_space import EnergyQuotaHandler, HousingUnitHandler, OfficeRoomHandler, VehicleQuotaHandler
from .meter_columns import MeterInfo, MeterTable, Readings, write_readings
from .meter_reading import ENERGY_METRIC_BY_KIND, MeterReadingHandler
from .vehicle import FuelHandler, MaintenanceHandler, TripHandler
from .weather import WeatherDailyHandler

HANDLERS: dict[str, type[Handler]] = {
    h.fact: h
    for h in (
        OrgUnitHandler,
        BuildingHandler,
        MeterHandler,
        VehicleHandler,
        StaffHandler,
        OfficeRoomHandler,
        HousingUnitHandler,
        VehicleQuotaHandler,
        EnergyQuotaHandler,
        MeterReadingHandler,
        WeatherDailyHandler,
        TripHandler,
        FuelHandler,
        MaintenanceHandler,
        AssetHandler,
        AssetMovementHandler,
        OfficeOccupancyHandler,
        LeaseHandler,
    )
}

__all__ = [
    "ENERGY_METRIC_BY_KIND",
    "FIELD_MAX",
    "FIELD_UNITS",
    "HANDLERS",
    "IN_CHUNK",
    "PAST_FIELDS",
    "Affected",
    "AssetHandler",
    "AssetMovementHandler",
    "BatchContext",
    "BuildingHandler",
    "FuelHandler",
    "Handler",
    "LeaseHandler",
    "MaintenanceHandler",
    "MeterInfo",
    "MeterHandler",
    "MeterReadingHandler",
    "MeterTable",
    "OfficeOccupancyHandler",
    "OrgUnitHandler",
    "Readings",
    "Record",
    "Rejection",
    "Settings",
    "StaffHandler",
    "TripHandler",
    "VehicleHandler",
    "WeatherDailyHandler",
    "WriteResult",
    "write_readings",
]
