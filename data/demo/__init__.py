"""The deterministic demo province: ``build_demo(url, tier=..., seed=..., as_of=...)``.

Tiers are in ``tiers.py``; the anomalies injected on purpose (with their entity codes) come from
``injected_anomalies(tier)``. ``docs/demo-data.md`` describes what is generated.
"""

from .anomalies import ANOMALY_KINDS, InjectedAnomaly, injected_anomalies
from .build import DEFAULT_SEED, DatabaseNotEmpty, build_demo, generate, local_today
from .tiers import TIERS, Tier, get_tier

__all__ = [
    "ANOMALY_KINDS",
    "DEFAULT_SEED",
    "DatabaseNotEmpty",
    "InjectedAnomaly",
    "TIERS",
    "Tier",
    "build_demo",
    "generate",
    "get_tier",
    "injected_anomalies",
    "local_today",
]
