"""All tables of the command center. Importing this package registers every model on ``Base.metadata``."""

from .alert import Alert, AlertEvent, AlertRule, AlertRuleVersion, MuteTiming, Silence
from .asset import Asset, AssetAudit, AssetCategory, AssetMovement, AssetRequest
from .auth import AuditLog, DeviceToken, LoginAttempt, Role, RolePermission, User
from .base import Base, UTCDateTime, utcnow
from .energy import CalendarDay, Meter, MeterReading, WeatherDaily
from .housing import HousingApplication, HousingUnit, Lease, OfficeOccupancy, OfficeRoom, StaffMember
from .ingest import DataSource, LoadBatch, QuarantineRow
from .ops import JobRun, Playlist, SchedulerLease, Snapshot, SnapshotDelivery, SnapshotRecipient
from .org import Building, Department, OrgNode
from .reference import EnergyCoefficient, EnergyQuota, MetricDefinition, OfficeSpaceStandard, PlanTarget
from .rollup import DataVersion, RollupDaily, RollupHourlyProfile, RollupMonthly, RollupProvenance
from .vehicle import FuelRecord, InsurancePolicy, MaintenanceRecord, Trip, TripRequest, Vehicle, VehicleQuota

__all__ = [name for name in dir() if not name.startswith("_")]
