"""Benchmark: `ctip import services` (and `referrals`) of a large CSV file.

Run by hand (not by the test suite), from the repository root:

    .venv/bin/python bench/import_services.py              # SQLite only
    .venv/bin/python bench/import_services.py --postgres   # SQLite, then PostgreSQL

For each database it creates a fresh database (SQLite under bench/out/import-sqlite/, or a
throwaway PostgreSQL database `ctip_bench_import` that it creates and drops), loads the demo
organisations and users and S survivors (no case history), gives each survivor a ref and four
assessed needs with refs (legal, mental health, health, livelihood), then writes a CSV of N
service rows (a realistic mix of the catalogue, one-off supports without a need, ongoing,
completed and discontinued episodes, government, NGO and partner providers) and times:

  (a) `ctip import services FILE`: the whole command (read, check every row, write), first run;
  (b) the same file again: every row found unchanged (the idempotent re-import);
  (c) `ctip import referrals` of R rows (a quarter of them service_started, linked to new
      episodes).

It prints rows per second and writes bench/out/import_services.json. The budget (DESIGN.md) is
>= 20,000 rows/s for `ctip import services` of 100k rows, on SQLite and PostgreSQL.
"""

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULT = OUT / "import_services.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "ctip_bench_import"
NEEDS = ("legal", "mental_health", "health", "livelihood")
# (service type, need category or None, weight)
MIX = (
    ("legal_aid", "legal", 14),
    ("documentation", "legal", 8),
    ("psychosocial", "mental_health", 22),
    ("medical", "health", 20),
    ("skills_training", "livelihood", 8),
    ("job_placement", "livelihood", 4),
    ("business_support", "livelihood", 4),
    ("transport", None, 12),
    ("one_off_support", None, 8),
)
PROVIDERS = (
    "th-dsdhs-rng", "th-wpc-sgk", "th-police-atp", "th-imo", "th-mlac", "th-andaman-seafood",
    "mekong-fund",
)  # fmt: skip


def new_key() -> str:
    import base64
    import secrets

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def pg_admin(sql: str, url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def run_engine(engine: str, args) -> dict:
    data_dir = OUT / f"import-{engine}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CTIP_DEMO_MODE", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="ctip.settings.dev",
        CTIP_DATA_DIR=str(data_dir),
        CTIP_FIELD_KEYS=new_key(),
        CTIP_SECRET_KEY=new_key(),
        CTIP_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if engine == "postgres":
        base = args.postgres_url.rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{base}/{PG_BENCH_DB}"
        pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)", args.postgres_url)
        pg_admin(f"CREATE DATABASE {PG_BENCH_DB}", args.postgres_url)
    part = data_dir / "result.json"
    command = [
        sys.executable, __file__, "--engine", engine, "--part", str(part),
        "--rows", str(args.rows), "--survivors", str(args.survivors),
        "--referrals", str(args.referrals),
    ]  # fmt: skip
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
    finally:
        if engine == "postgres" and not args.keep:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)", args.postgres_url)
    return json.loads(part.read_text())


def parent(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite"] + (["postgres"] if args.postgres else [])
    results = {
        "benchmark": "import_services",
        "command": " ".join(["python", "bench/import_services.py", *sys.argv[1:]]),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "rows": args.rows,
        "survivors": args.survivors,
        "engines": {},
    }
    for engine in engines:
        print(f"== {engine}: {args.rows:,} service rows, {args.survivors:,} survivors", flush=True)
        results["engines"][engine] = run_engine(engine, args)
    RESULT.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(
        f"{'engine':<9} {'measure':<34} {'rows':>8} {'seconds':>8} {'rows/s':>9} "
        f"{'CPU s':>7} {'load':>5}"
    )
    for engine, result in results["engines"].items():
        for label, stats in result["timings"].items():
            print(
                f"{engine:<9} {label:<34} {stats['rows']:>8,} {stats['seconds']:>8} "
                f"{stats['rows_per_second']:>9,} {stats['cpu_seconds']:>7} "
                f"{stats['load_average']:>5}"
            )
    print(f"\nwritten to {RESULT.relative_to(ROOT)}")


# --- the child: one database, Django set up from the environment ----------------------------


def prepare(survivors: int) -> list[int]:
    """Demo tree and users, S survivors with refs, four needs each with refs."""
    from django.db import connection

    from ctip.cases.models import Need, NeedStatus, Survivor
    from ctip.interop.demo import build_demo

    build_demo(survivors=survivors, history=False)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_survivor SET ref = 'S-' || id")
    rows = list(Survivor.objects.values_list("pk", "organisation_id", "opened_on"))
    needs = [
        Need(
            survivor_id=pk,
            organisation_id=org,
            category=category,
            assessed_on=opened,
            status=NeedStatus.OPEN,
            ref=f"N-{pk}-{category}",
        )
        for pk, org, opened in rows
        for category in NEEDS
    ]
    Need.objects.bulk_create(needs, batch_size=2000)
    return rows


def write_services_csv(path: Path, rows: int, survivors: list, seed: int = 7) -> None:
    import datetime as dt
    import random

    rng = random.Random(seed)
    today = dt.datetime.now(tz=dt.UTC).date()
    kinds = [m[:2] for m in MIX]
    weights = [m[2] for m in MIX]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["ref", "survivor_ref", "need_ref", "service_type", "provider", "started_on",
             "ended_on", "status"]
        )  # fmt: skip
        for index in range(rows):
            pk, _org, opened = survivors[index % len(survivors)]
            service_type, category = rng.choices(kinds, weights)[0]
            span = max(1, (today - opened).days)
            started = opened + dt.timedelta(days=rng.randint(0, span - 1))
            roll = rng.random()
            if category is None:
                status, ended = "completed", started
            elif roll < 0.45:
                status, ended = "ongoing", None
            else:
                status = "completed" if roll < 0.9 else "discontinued"
                ended = min(today, started + dt.timedelta(days=rng.randint(0, 180)))
            provider = rng.choice(PROVIDERS) if rng.random() < 0.6 else "th-amrf"
            writer.writerow(
                [
                    f"E-{index}",
                    f"S-{pk}",
                    f"N-{pk}-{category}" if category else "",
                    service_type,
                    provider,
                    started.isoformat(),
                    ended.isoformat() if ended else "",
                    status,
                ]
            )


def write_referrals_csv(path: Path, rows: int, survivors: list, seed: int = 11) -> None:
    import datetime as dt
    import random

    from ctip.core.models import Organisation

    rng = random.Random(seed)
    today = dt.datetime.now(tz=dt.UTC).date()
    org_codes = dict(Organisation.objects.values_list("pk", "code"))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["ref", "survivor_ref", "need_ref", "service_type", "from_org", "to_provider",
             "consent_on", "sent_on", "status", "service_started_on"]
        )  # fmt: skip
        for index in range(rows):
            pk, org, opened = survivors[(index * 7) % len(survivors)]
            sent = opened + dt.timedelta(days=rng.randint(0, max(0, (today - opened).days)))
            status = rng.choice(("sent", "accepted", "declined", "service_started"))
            started = ""
            if status == "service_started":
                started = min(today, sent + dt.timedelta(days=rng.randint(0, 20))).isoformat()
            writer.writerow(
                [f"R-{index}", f"S-{pk}", f"N-{pk}-legal", "legal_aid", org_codes[org],
                 rng.choice(PROVIDERS[:5]), opened.isoformat(), sent.isoformat(), status,
                 started]
            )  # fmt: skip


def timed_import(kind: str, path: Path, rows: int, expect: str) -> dict:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("import_records", kind, str(path), stdout=out)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    last = out.getvalue().strip().splitlines()[-1]
    if not last.startswith(expect):
        raise RuntimeError(f"unexpected result: {last}")
    load = os.getloadavg()[0]
    print(f"   {kind}: {last} in {seconds:.2f} s (CPU {cpu:.2f} s, load {load:.1f})", flush=True)
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "cpu_seconds": round(cpu, 2),
        "load_average": round(load, 1),
        "result": last,
    }


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    survivors = prepare(args.survivors)
    print(f"   prepared in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    data_dir = Path(os.environ["CTIP_DATA_DIR"])
    services_csv = data_dir / "services.csv"
    referrals_csv = data_dir / "referrals.csv"
    write_services_csv(services_csv, args.rows, survivors)
    write_referrals_csv(referrals_csv, args.referrals, survivors)
    timings = {
        "import services (new rows)": timed_import(
            "services", services_csv, args.rows, f"created={args.rows} "
        ),
        "import services again (unchanged)": timed_import(
            "services", services_csv, args.rows, f"created=0 updated=0 unchanged={args.rows}"
        ),
        "import referrals (new rows)": timed_import(
            "referrals", referrals_csv, args.referrals, f"created={args.referrals} "
        ),
    }
    Path(args.part).write_text(json.dumps({"timings": timings}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--postgres-url", default=PG_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--rows", type=int, default=100_000, help="service rows (100000)")
    parser.add_argument("--survivors", type=int, default=20_000, help="survivors (20000)")
    parser.add_argument("--referrals", type=int, default=20_000, help="referral rows (20000)")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
