"""A 200 MB file is streamed: the loader's memory stays bounded while every row is counted.

The file is generated into ``tmp_path`` by a child process, which then loads it and reports its
peak resident memory before and during the load (``ru_maxrss``), so the figure is the loader's
own and not the test session's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET_BYTES = 200 * 1024 * 1024
MAX_GROWTH_MB = 160

SCRIPT = textwrap.dedent("""
    import datetime as dt, json, resource, sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    import sqlalchemy as sa
    from data.migrate import upgrade
    from data.db import get_engine
    from data.loaders import load_file
    from loader_world import build_world, NOW

    url, path, target = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    upgrade(url)
    build_world(url)
    engine = get_engine(url)
    meters = 100
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO meter (code, building_id, kind, unit, interval_minutes, active) VALUES "
                             + ",".join(f"('BIG-{{i:03d}}', {{1 + i % 2}}, 'electricity', 'kWh', 60, 1)" for i in range(meters))))
    note = "备注：" + "本行为压力测试数据，用于验证大文件流式读取时内存占用有界。" * 3
    start = dt.datetime(2025, 1, 1, 1, 0)
    written, rows, bad = 0, 0, 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("表计编号,时间,用电量,附加信息\\n")  # a wide column the format ignores (备注 would be stored)
        hour = 0
        while written < target:
            ts = (start + dt.timedelta(hours=hour)).strftime("%Y-%m-%d %H:%M")
            block = []
            for m in range(meters):
                value = "n/a" if (hour * meters + m) % 100_003 == 0 else f"{{10 + (m % 7) + hour % 5:.2f}}"
                bad += value == "n/a"
                block.append(f"BIG-{{m:03d}},{{ts}},{{value}},{{note}}\\n")
            text = "".join(block)
            fh.write(text)
            written += len(text.encode("utf-8"))
            rows += meters
            hour += 1
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = load_file(engine, path, now=NOW)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar()
        quarantined = conn.execute(sa.text("SELECT count(*) FROM quarantine_row")).scalar()
        raw_total = conn.execute(sa.text("SELECT sum(value) FROM meter_reading")).scalar()
        rolled_up = conn.execute(sa.text("SELECT sum(value) FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh' "
                                         "AND entity_kind = 'org' AND entity_id = 1")).scalar()
    print(json.dumps({{"size": path.stat().st_size, "rows": rows, "bad": bad, "baseline_kb": baseline, "peak_kb": peak,
                      "status": result.status, "read": result.rows_read, "accepted": result.rows_accepted,
                      "rejected": result.rows_rejected, "stored": stored, "quarantined": quarantined,
                      "raw_total": raw_total, "rolled_up": rolled_up}}))
""")


@pytest.mark.slow
def test_a_200_mb_file_is_streamed_with_bounded_memory(tmp_path):
    script = tmp_path / "big.py"
    script.write_text(SCRIPT.format(tests=str(ROOT / "tests" / "integration")), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'big.sqlite3'}"
    data = tmp_path / "big.csv"
    proc = subprocess.run(
        [sys.executable, str(script), url, str(data), str(TARGET_BYTES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["size"] >= TARGET_BYTES
    assert report["status"] == "applied"
    assert report["read"] == report["rows"]
    assert report["accepted"] == report["stored"] == report["rows"] - report["bad"]
    assert report["rejected"] == report["quarantined"] == report["bad"] > 0
    # every day of the file (more than a year) reached the roll-ups
    assert report["rolled_up"] == pytest.approx(report["raw_total"], rel=1e-9)
    growth_mb = (report["peak_kb"] - report["baseline_kb"]) / 1024
    assert growth_mb < MAX_GROWTH_MB, (
        f"the load grew the process by {growth_mb:.0f} MB for a {report['size'] >> 20} MB file"
    )
