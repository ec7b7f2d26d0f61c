"""Per-building energy baselines: the consumption expected from weather, calendar and hour
(``model``, ``features``), scored with ASHRAE Guideline 14 (``metrics``)."""

from .features import hourly_temperature
from .metrics import cv_rmse, monthly_totals, nmbe
from .model import BaselineModel, fit_baseline, fit_daily_baseline

__all__ = [
    "BaselineModel",
    "cv_rmse",
    "fit_baseline",
    "fit_daily_baseline",
    "hourly_temperature",
    "monthly_totals",
    "nmbe",
]
