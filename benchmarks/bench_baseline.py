"""Accuracy of the per-building energy baseline (issue 18), ASHRAE Guideline 14 on held-out months.

Two sets of series, the same split for each: the last ``HELD_OUT_MONTHS`` full months are held
out and scored, the model is fitted on the history before them (the 12 months before them for the
real meters, as CalTRACK's 365-day baseline asks).

* **Demo buildings**: the ``small`` demo built into a temporary SQLite database, the hourly
  electricity of ``--buildings`` buildings with their city's weather (hourly curve from daily
  min/max) and ``calendar_day``. Targets: CV(RMSE) ≤ 30 % hourly, ≤ 15 % monthly, |NMBE| ≤ 10 %.
* **Real meters**: the hourly UK household electricity samples with outside temperature that
  ``eemeter`` ships (``eemeter.eemeter.samples``), scored side by side with eemeter's CalTRACK
  hourly model (``HourlyCaltrackModel``) and CalTRACK daily model (``DailyModel``, fitted on daily
  totals). The bar: ours no worse on CV(RMSE) and |NMBE| at hourly (daily) and monthly resolution.

Scores are fractions in code and percentages in the record; held-out scores use p = 1.

    python -m benchmarks.bench_baseline [--buildings 20] [--no-record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.results import Result, record, today
from data.baseline import fit_baseline, fit_daily_baseline
from data.baseline.metrics import score

HELD_OUT_MONTHS = 3
DEMO_AS_OF = dt.date(2026, 11, 20)
DEMO_SEED = 20261125
TARGETS = {"cv_rmse": 0.30, "cv_rmse_monthly": 0.15, "nmbe": 0.10}
# The UK household electricity samples (one hourly meter each, with its temperature in °C).
REAL_SAMPLES = (
    "uk-electricity-hdd-only-hourly-sample-0",
    "uk-electricity-hdd-only-hourly-sample-1",
    "uk-electricity-hdd-only-hourly-sample-2",
)
REAL_ZONE = "Europe/London"
COMMAND = "python -m benchmarks.bench_baseline"


# --- the split and the scoring (unit-tested on a synthetic set) -------------------------------


def held_out_window(ts, *, months: int = HELD_OUT_MONTHS) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of the last ``months`` full calendar months covered by ``ts``."""
    stamps = pd.to_datetime(pd.Series(ts))
    last = stamps.max()
    # A month is full when the data reaches its last hour; otherwise the month before is the last.
    end = last.to_period("M").to_timestamp()
    if (last + pd.Timedelta(hours=1)).to_period("M") != last.to_period("M"):
        end = (last + pd.Timedelta(hours=1)).to_period("M").to_timestamp()
    start = (end.to_period("M") - months).to_timestamp()
    if start < stamps.min():
        raise ValueError(f"the series does not cover {months} full months")
    return start, end


def split(frame: pd.DataFrame, *, train_months: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history before the held-out window (its last ``train_months`` months if given) and the
    held-out window."""
    start, end = held_out_window(frame["ts"])
    first = (start.to_period("M") - train_months).to_timestamp() if train_months else frame["ts"].min()
    train = frame[(frame["ts"] >= first) & (frame["ts"] < start)]
    test = frame[(frame["ts"] >= start) & (frame["ts"] < end)]
    return train.reset_index(drop=True), test.reset_index(drop=True)


def daily_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Hourly rows as local days: ``kwh`` summed (NaN unless all hours are known), ``temp_c``
    averaged, ``is_workday`` of the day."""
    days = frame.assign(ts=frame["ts"].dt.normalize())
    grouped = days.groupby("ts")
    out = grouped.agg(temp_c=("temp_c", "mean"), is_workday=("is_workday", "first"), hours=("kwh", "count"))
    out["kwh"] = grouped["kwh"].sum()
    out.loc[out["hours"] < grouped.size(), "kwh"] = np.nan
    return out.drop(columns="hours").reset_index()


def score_ours(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    """Fit our hourly baseline on ``train``; Guideline 14 scores of ``test`` (hourly and monthly)."""
    predicted = fit_baseline(train).predict(test)["expected_kwh"]
    return score(test["ts"], test["kwh"], predicted)


def summarize(scores: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    """(median, worst) of each figure over the series; worst is the largest |value|."""
    keys = scores[0].keys()
    return {k: (statistics.median(abs(s[k]) for s in scores), max(abs(s[k]) for s in scores)) for k in keys}


# --- the demo buildings -----------------------------------------------------------------------


def demo_scores(n_buildings: int, *, log=print) -> tuple[list[dict], int]:
    """Scores of the first ``n_buildings`` buildings with hourly electricity in a fresh small demo."""
    import sqlalchemy as sa

    from data.baseline.history import fetch_building_history
    from data.db import dispose_engine, get_engine
    from data.demo import build_demo
    from data.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        upgrade(url)
        build_demo(url, tier="small", seed=DEMO_SEED, as_of=DEMO_AS_OF)
        scores = []
        try:
            with get_engine(url).connect() as conn:
                first = conn.execute(sa.text("SELECT MIN(day) FROM weather_daily")).scalar_one()
                first = dt.date.fromisoformat(str(first)[:10])
                ids = conn.execute(
                    sa.text("SELECT DISTINCT building_id FROM meter WHERE kind = 'electricity' ORDER BY building_id")
                ).scalars()
                for building_id in list(ids)[:n_buildings]:
                    history = fetch_building_history(conn, building_id, first, DEMO_AS_OF - dt.timedelta(days=1))
                    train, test = split(history)
                    scores.append({"building_id": building_id, **score_ours(train, test)})
        finally:
            dispose_engine(url)
    log(
        f"demo: {len(scores)} buildings, train {train['ts'].min()} – {train['ts'].max()}, test {test['ts'].min()} – {test['ts'].max()}"
    )
    return scores, len(scores)


def demo_results(n_buildings: int, *, log=print) -> list[Result]:
    scores, n = demo_scores(n_buildings, log=log)
    figures = summarize([{k: v for k, v in s.items() if k != "building_id"} for s in scores])
    worst_building = {k: max(scores, key=lambda s: abs(s[k]))["building_id"] for k in figures}
    results = []
    for key, label in (("cv_rmse", "hourly CV(RMSE)"), ("cv_rmse_monthly", "monthly CV(RMSE)"), ("nmbe", "|NMBE|")):
        median, worst = figures[key]
        target = TARGETS[key]
        log(f"  {label}: median {median:.1%}, worst {worst:.1%}")
        results.append(
            Result(
                f"baseline {label}, demo buildings (median)",
                round(median * 100, 2),
                "%",
                f"≤ {target:.0%}",
                median <= target,
                "sqlite",
                "small",
                today(),
                COMMAND,
                f"{n} buildings of the small demo (seed {DEMO_SEED}, as of {DEMO_AS_OF}); fitted on the history "
                f"before the last {HELD_OUT_MONTHS} full months, scored on them (ASHRAE G14, p = 1); worst "
                f"{worst:.1%} (building {worst_building[key]}); monthly |NMBE| median "
                f"{figures['nmbe_monthly'][0]:.1%}",
            )
        )
        results.append(
            Result(
                f"baseline {label}, demo buildings (worst)",
                round(worst * 100, 2),
                "%",
                f"≤ {target:.0%}",
                worst <= target,
                "sqlite",
                "small",
                today(),
                COMMAND,
                f"the worst of {n} buildings (building {worst_building[key]})",
            )
        )
    return results


# --- the real meters, side by side with CalTRACK ----------------------------------------------


def real_sample(sample: str) -> pd.DataFrame:
    """One eemeter sample as hourly rows: ``instant`` (UTC), ``ts`` (local naive hour start),
    ``kwh``, ``temp_c`` and ``is_workday`` (Monday to Friday: a household has no 调休)."""
    from eemeter.eemeter.samples import load_sample

    meter, temperature, _ = load_sample(sample, tempF=False)
    # Some samples start their hours at :30; the hour that contains the start is the period.
    kwh = meter["value"].resample("h").sum(min_count=1)
    temp = temperature.resample("h").mean()
    frame = pd.DataFrame({"kwh": kwh, "temp_c": temp.reindex(kwh.index)}).dropna(subset=["temp_c"])
    frame.index.name = "instant"
    frame = frame.reset_index()
    local = frame["instant"].dt.tz_convert(REAL_ZONE)
    frame["ts"] = local.dt.tz_localize(None)
    frame["is_workday"] = local.dt.day_of_week < 5
    return frame


def caltrack_predictions(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """eemeter's CalTRACK hourly prediction per held-out hour (indexed by UTC instant) and its
    CalTRACK daily prediction per held-out local day (indexed by local naive day)."""
    from eemeter.eemeter import (
        DailyBaselineData,
        DailyModel,
        DailyReportingData,
        HourlyCaltrackBaselineData,
        HourlyCaltrackModel,
        HourlyCaltrackReportingData,
    )

    def series(frame, column, scale=1.0, shift=0.0):
        index = pd.DatetimeIndex(frame["instant"]).tz_convert(REAL_ZONE)
        # Named, because eemeter's reporting data tell meter from temperature by column name.
        return pd.Series(frame[column].to_numpy() * scale + shift, index=index, name=column)

    # eemeter takes °F; electricity zeros are read as missing, as its data classes do by default.
    meter_train, meter_test = series(train, "kwh"), series(test, "kwh")
    temp_train, temp_test = series(train, "temp_c", 1.8, 32.0), series(test, "temp_c", 1.8, 32.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hourly = HourlyCaltrackModel().fit(
            HourlyCaltrackBaselineData.from_series(meter_train, temp_train, is_electricity_data=True)
        )
        hourly_prediction = hourly.predict(
            HourlyCaltrackReportingData.from_series(meter_test, temp_test, is_electricity_data=True)
        )["predicted"]
        daily = DailyModel().fit(
            DailyBaselineData.from_series(meter_train, temp_train, is_electricity_data=True),
            ignore_disqualification=True,
        )
        daily_prediction = daily.predict(
            DailyReportingData.from_series(meter_test, temp_test, is_electricity_data=True),
            ignore_disqualification=True,
        )["predicted"]
    hourly_prediction.index = hourly_prediction.index.tz_convert("UTC")
    daily_prediction.index = daily_prediction.index.tz_localize(None).normalize()
    return hourly_prediction, daily_prediction


def compare_real(sample: str, *, log=print) -> dict:
    """Ours and CalTRACK's held-out scores on one sample: ``hourly`` (ours vs CalTRACK hourly,
    hourly and monthly) and ``daily`` (our daily model vs CalTRACK daily, daily and monthly)."""
    frame = real_sample(sample)
    train, test = split(frame, train_months=12)
    caltrack_hourly, caltrack_daily = caltrack_predictions(train, test)
    ours_hourly = fit_baseline(train).predict(test)["expected_kwh"].to_numpy()
    theirs_hourly = caltrack_hourly.reindex(pd.DatetimeIndex(test["instant"]).tz_convert("UTC")).to_numpy()
    both = np.isfinite(ours_hourly) & np.isfinite(theirs_hourly)  # the same hours for both
    hourly = {
        "ours": score(test["ts"][both], test["kwh"][both], ours_hourly[both]),
        "caltrack": score(test["ts"][both], test["kwh"][both], theirs_hourly[both]),
    }
    train_days, test_days = daily_totals(train), daily_totals(test)
    ours_daily = fit_daily_baseline(train_days.dropna()).predict(test_days)["expected_kwh"].to_numpy()
    theirs_daily = caltrack_daily.reindex(test_days["ts"]).to_numpy()
    both = np.isfinite(ours_daily) & np.isfinite(theirs_daily) & test_days["kwh"].notna().to_numpy()
    daily = {
        "ours": score(test_days["ts"][both], test_days["kwh"][both], ours_daily[both]),
        "caltrack": score(test_days["ts"][both], test_days["kwh"][both], theirs_daily[both]),
    }
    log(
        f"{sample}: train {train['ts'].min():%Y-%m-%d} – {train['ts'].max():%Y-%m-%d}, "
        f"test {test['ts'].min():%Y-%m-%d} – {test['ts'].max():%Y-%m-%d}"
    )
    for resolution, pair in (("hourly", hourly), ("daily", daily)):
        for who, figures in pair.items():
            log(f"  {resolution:6s} {who:8s} " + ", ".join(f"{k} {v:+.1%}" for k, v in figures.items()))
    window = f"train {train['ts'].min():%Y-%m-%d}–{train['ts'].max():%Y-%m-%d}, test {test['ts'].min():%Y-%m}–{test['ts'].max():%Y-%m}"
    return {"hourly": hourly, "daily": daily, "window": window}


FIGURES = (
    ("hourly", "cv_rmse", "hourly CV(RMSE)"),
    ("hourly", "cv_rmse_monthly", "monthly CV(RMSE)"),
    ("hourly", "nmbe", "hourly |NMBE|"),
    ("hourly", "nmbe_monthly", "monthly |NMBE|"),
    ("daily", "cv_rmse", "daily CV(RMSE)"),
    ("daily", "cv_rmse_monthly", "monthly CV(RMSE)"),
    ("daily", "nmbe", "daily |NMBE|"),
)


def real_results(samples=REAL_SAMPLES, *, log=print) -> list[Result]:
    import eemeter

    results = []
    for sample in samples:
        comparison = compare_real(sample, log=log)
        for model, key, label in FIGURES:
            ours = abs(comparison[model]["ours"][key])
            theirs = abs(comparison[model]["caltrack"][key])
            reference = "CalTRACK hourly" if model == "hourly" else "CalTRACK daily"
            ours_name = "our hourly model" if model == "hourly" else "our daily model"
            results.append(
                Result(
                    f"baseline {label}, {ours_name} vs {reference}",
                    round(ours * 100, 2),
                    "%",
                    f"≤ {reference} {theirs:.1%}",
                    ours <= theirs,
                    "none",
                    sample,
                    today(),
                    COMMAND,
                    f"eemeter {eemeter.__version__} sample (household smart meter, hourly, °C); {comparison['window']}; "
                    f"same held-out periods for both; ASHRAE G14, p = 1",
                )
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buildings", type=int, default=20)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    results = demo_results(args.buildings) + real_results()
    for r in results:
        print(f"{'ok ' if r.met else 'NO '} {r.name} [{r.scale}]: {r.value:.1f} % (target {r.target})")
    if not args.no_record:
        record(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
