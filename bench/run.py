"""`make bench`: run every benchmark on SQLite and PostgreSQL and write docs/PERFORMANCE.md."""

from __future__ import annotations

import datetime as dt
import sys

from bench.common import ROOT, fresh_postgres, fresh_sqlite, machine, postgres_available, run_module


def bulk_create_section() -> str:
    results = [run_module("bulk_create", fresh_sqlite("bulk"))]
    if postgres_available():
        results.append(run_module("bulk_create", fresh_postgres("finsync_bench_bulk")))
    lines = [
        "## Bulk creation of canonical records",
        "",
        f"{results[0]['rows']:,} payment instructions (17 columns) created with the ORM's `bulk_create` in batches "
        f"of {results[0]['batch']:,}, against the same rows inserted with the database's own `executemany` "
        "on a raw cursor, in the same run and the same transaction shape.",
        "",
        "| database | ORM rows/s | raw executemany rows/s | ratio ORM / raw |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['vendor']} | {r['orm_rows_per_s']:,.0f} | {r['raw_rows_per_s']:,.0f} | {r['ratio']:.2f} |")
    return "\n".join(lines) + "\n"


SECTIONS = [bulk_create_section]


def main() -> int:
    started = dt.datetime.now(dt.UTC)
    body = [section() for section in SECTIONS]
    header = [
        "# FinSync performance",
        "",
        "Written by `make bench` (bench/run.py); numbers from the last run, never from tests.",
        "",
        f"- Machine: {machine()}",
        f"- Run: {started:%Y-%m-%d %H:%M} UTC, command `make bench`",
        "",
    ]
    out = ROOT / "docs" / "PERFORMANCE.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(header) + "\n" + "\n".join(body))
    sys.stdout.write(out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
