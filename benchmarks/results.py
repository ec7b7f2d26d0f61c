"""The benchmark record: ``benchmarks/results.json`` (one entry per figure) and the table in
``BENCHMARKS.md`` generated from it.

An entry is identified by (name, database, scale); recording it again replaces it, so the
file always holds the latest measurement of each figure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "benchmarks" / "results.json"
MARKDOWN_PATH = ROOT / "BENCHMARKS.md"


@dataclass
class Result:
    name: str
    value: float
    unit: str
    target: str
    met: bool | None  # None for a figure without a target (recorded for context)
    database: str
    scale: str
    date: str
    command: str
    note: str = ""

    def __post_init__(self) -> None:
        # A figure without a target cannot have met it: record "not applicable", never true.
        if not self.target:
            self.met = None
        elif self.met is None:
            raise ValueError(f"{self.name}: a figure with a target must say whether it met it")
        else:
            self.met = bool(self.met)


def machine_description() -> str:
    cpus = os.cpu_count() or 0
    mem_gib = 0.0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_gib = int(fh.readline().split()[1]) / 1024 / 1024
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {cpus} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}"
    )


def load_results(path: Path = RESULTS_PATH) -> list[dict]:
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def record(results: list[Result], path: Path = RESULTS_PATH) -> None:
    """Insert or replace ``results`` in the JSON file and regenerate BENCHMARKS.md."""
    existing = load_results(path)
    keys = {(r.name, r.database, r.scale) for r in results}
    merged = [e for e in existing if (e["name"], e["database"], e["scale"]) not in keys]
    merged.extend(asdict(r) for r in results)
    merged.sort(key=lambda e: (e["name"], e["database"], e["scale"]))
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_markdown(merged)


def today() -> str:
    return dt.date.today().isoformat()


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _met(entry: dict) -> str:
    if not entry["target"]:
        return "—"  # a figure recorded for context (a rate, a time), not checked against a target
    return "yes" if entry["met"] else "**no**"


HEADER = """# Benchmarks

Every figure of the quality bar in `../shared/PRODUCT.md`, measured on the development machine
(shared and noisy: figures are medians, and ratios are measured in the same run). This file is
generated from `benchmarks/results.json` by `benchmarks/results.py`; do not edit the table by hand.

Machine: {machine}.

| figure | value | unit | target | met | database | scale | date | reproduce with | note |
|---|---|---|---|---|---|---|---|---|---|
"""


def write_markdown(entries: list[dict], path: Path = MARKDOWN_PATH) -> None:
    lines = [HEADER.format(machine=machine_description())]
    for e in entries:
        lines.append(
            f"| {e['name']} | {_fmt(e['value'])} | {e['unit']} | {e['target'] or '—'} | {_met(e)} "
            f"| {e['database']} | {e['scale']} | {e['date']} | `{e['command']}` | {e.get('note', '')} |\n"
        )
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        lines.append("\n" + notes.read_text(encoding="utf-8"))
    path.write_text("".join(lines), encoding="utf-8")


def per_database_main(
    argv: list[str] | None, *, prog: str, doc: str | None, bench, repeat: str = "runs", default: int = 7
) -> int:
    """The command line every per-database benchmark shares: ``--database sqlite|postgresql|both``,
    ``--<repeat> N`` (passed to ``bench(database, <repeat>=N)``) and ``--no-record``."""
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(f"--{repeat}", type=int, default=default)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        results += bench(database, **{repeat: getattr(args, repeat)})
    if not args.no_record:
        record(results)
    return 0
