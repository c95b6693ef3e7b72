"""Benchmark: `ctip report` (all indicators, all breakdowns, one quarter) on PostgreSQL at
100k survivors, 1M service episodes and 200k referrals, against one hand-written SQL query for
SRV-1.

Run by hand (not by the test suite), from the repository root:

    .venv/bin/python bench/report.py                 # generate, measure, drop the database
    .venv/bin/python bench/report.py --keep          # keep ctip_bench_report for another run
    .venv/bin/python bench/report.py --reuse         # measure again on the kept database
    .venv/bin/python bench/report.py --reuse --try-indexes   # measure candidate indexes too

It creates the throwaway PostgreSQL database `ctip_bench_report`, migrates it, writes the data
with COPY (organisations, case workers, survivors with their PII left empty, episodes, referrals,
stated interests; all synthetic and seeded), runs `ANALYZE`, then times, after one warm-up run:

  (a) `report_build(scope=<top>, period=<quarter>, public=False)`: every registered indicator
      with every breakdown, as `ctip report --format json` computes it;
  (b) the same with `public=True` (suppression on top);
  (c) each indicator on its own (`compute`), to see where the time goes;
  (d) the hand-written SRV-1 query (`HAND_SRV1` below) with the same scope and period;
  (e) `ctip report --period … --format json` as a subprocess, once (Django start-up included).

It checks that (a) and (d) give the same SRV-1, prints a table and writes
bench/out/report.json. Budget (DESIGN.md): < 2 s, and within 3x of the SRV-1 query.

`--try-indexes` creates each candidate index of `CANDIDATE_INDEXES` in turn (on this throwaway
copy only), re-times (a) and (d), and drops it again: the figures behind the index advice in
bench/README.md.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULT = OUT / "report.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "ctip_bench_report"
SEED = 20260101
DATA_START = dt.date(2023, 1, 1)
DATA_END = dt.date(2026, 11, 15)
DEFAULT_PERIOD = "2026-Q3"
# The indicators of the services issue (the others belong to feedback, follow-up, partnerships).
SERVICES = ["SRV-1", "SRV-2", "SRV-3", "REF-0", "REF-1", "REF-2", "GOV-1", "CAP-1", "OUT-3"]

# One query, written by hand: distinct survivors with an eligible episode active in the period,
# whose owning organisation is in the scope's subtree (INDICATORS.md, SRV-1).
HAND_SRV1 = """
SELECT COUNT(DISTINCT e.survivor_id)
FROM services_serviceepisode e
JOIN services_servicetype t ON t.id = e.service_type_id
JOIN core_organisation o ON o.id = e.organisation_id
WHERE t.counts_as_service
  AND o.path LIKE %(path)s
  AND e.started_on <= %(end)s
  AND (e.ended_on IS NULL OR e.ended_on >= %(start)s)
  AND NOT (e.status = 'discontinued' AND e.ended_on IS NULL AND e.started_on < %(start)s)
"""

# Indexes the report's queries could use, tried one at a time by --try-indexes.
CANDIDATE_INDEXES = {
    "episode (ended_on, started_on)": (
        "CREATE INDEX bench_episode_ended_started ON services_serviceepisode (ended_on, started_on)"
    ),
    "episode (survivor_id, started_on) INCLUDE (ended_on, status, service_type_id, "
    "organisation_id, provider_id)": (
        "CREATE INDEX bench_episode_survivor_cover ON services_serviceepisode "
        "(survivor_id, started_on) INCLUDE (ended_on, status, service_type_id, organisation_id, "
        "provider_id)"
    ),
    "episode (ended_on) INCLUDE (started_on, status, survivor_id, service_type_id, "
    "organisation_id, provider_id)": (
        "CREATE INDEX bench_episode_ended_cover ON services_serviceepisode "
        "(ended_on) INCLUDE (started_on, status, survivor_id, service_type_id, organisation_id, "
        "provider_id)"
    ),
    "referral (organisation_id, sent_on)": (
        "CREATE INDEX bench_referral_org_sent ON services_referral (organisation_id, sent_on)"
    ),
}


def pg_admin(sql: str, url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def pg_database_exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def timed(function, repeat: int) -> dict:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "min_ms": round(min(ms), 1),
        "max_ms": round(max(ms), 1),
    }


# --- the parent ---------------------------------------------------------------------------------


def parent(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = OUT / "report"
    data_dir.mkdir(parents=True, exist_ok=True)
    base = args.postgres_url.rsplit("/", 1)[0]
    reuse = args.reuse and pg_database_exists(args.postgres_url, PG_BENCH_DB)
    if args.reuse and not reuse:
        print(f"{PG_BENCH_DB} does not exist: generating it", flush=True)
    if not reuse:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)", args.postgres_url)
        pg_admin(f"CREATE DATABASE {PG_BENCH_DB}", args.postgres_url)
    env = {k: v for k, v in os.environ.items() if k not in ("CTIP_DEMO_MODE",)}
    env.update(
        DJANGO_SETTINGS_MODULE="ctip.settings.dev",
        CTIP_DATA_DIR=str(data_dir),
        DATABASE_URL=f"{base}/{PG_BENCH_DB}",
        CTIP_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    part = data_dir / "result.json"
    command = [
        sys.executable, __file__, "--child", "--part", str(part),
        "--survivors", str(args.survivors), "--episodes", str(args.episodes),
        "--referrals", str(args.referrals), "--period", args.period,
        "--repeat", str(args.repeat),
    ] + (["--generate"] if not reuse else []) + (
        ["--generate-only"] if args.generate_only else []
    ) + (
        ["--try-indexes"] if args.try_indexes else []
    )  # fmt: skip
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
    finally:
        if not (args.keep or args.reuse or args.generate_only):
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)", args.postgres_url)
    result = json.loads(part.read_text())
    if args.generate_only:
        print(f"{PG_BENCH_DB} generated and kept ({result.get('generate_seconds')} s)")
        return
    result.update(
        benchmark="report",
        command=" ".join(["python", "bench/report.py", *sys.argv[1:]]),
        generated_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other work on the machine slows every figure alike; the load says how much.
            "loadavg_after": os.getloadavg(),
        },
    )
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"written to {RESULT.relative_to(ROOT)}")


def print_table(result: dict) -> None:
    rows = []
    for config, stats in result["configs"].items():
        rows += [
            (f"[{config}] report_build, all indicators", stats["report_build"]),
            (f"[{config}] report_build, all indicators, public", stats["report_build_public"]),
            (f"[{config}] report_build, the 9 services indicators", stats["report_build_services"]),
            (f"[{config}] hand-written SQL, SRV-1 only", stats["hand_srv1"]),
        ]
    rows += [(f"  compute {code}", stats) for code, stats in result["per_indicator"].items()]
    rows += [
        (f"  index {name}: report_build", stats["report_build"])
        for name, stats in result.get("indexes", {}).items()
    ]
    rows += [
        (f"  index {name}: hand SRV-1", stats["hand_srv1"])
        for name, stats in result.get("indexes", {}).items()
    ]
    header = f"{'measure':<74} {'n':>3} {'median ms':>10} {'min ms':>8} {'max ms':>8}"
    print()
    print(header)
    print("-" * len(header))
    for label, stats in rows:
        print(
            f"{label[:74]:<74} {stats['n']:>3} {stats['median_ms']:>10} {stats['min_ms']:>8} "
            f"{stats['max_ms']:>8}"
        )
    print()
    data = result["data"]
    print(
        f"data: {data['survivors']:,} survivors, {data['episodes']:,} episodes, "
        f"{data['referrals']:,} referrals; period {result['period']}, scope {result['scope']}, "
        f"{result['queries']} queries per report"
    )
    print(f"load average at the end: {result['machine']['loadavg_after']}")
    if "generate_seconds" in result:
        print(f"generated in {result['generate_seconds']} s")
    ratios = ", ".join(f"{c}: {s['ratio']}x" for c, s in result["configs"].items())
    print(
        f"SRV-1 = {result['srv1']} (report) = {result['srv1_hand']} (hand SQL); "
        f"ratio report/hand: {ratios}; `ctip report` command: {result['command_seconds']} s wall"
    )
    budget = result["report_build"]["median_ms"] < 2000 and result["ratio"] <= 3
    print(
        f"budget (< 2 s and within 3x), {result['main_config']}: {'met' if budget else 'NOT met'}"
    )
    print()


# --- the child: generate, then measure -----------------------------------------------------------


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def generate(args) -> dict:
    """Write the benchmark's data: a small tree through the services, bulk rows by COPY."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ctip.core.audit import Origin
    from ctip.core.models import Role, User
    from ctip.core.services import organisation_create
    from ctip.services.models import ServiceType

    rng = random.Random(SEED)
    call_command("migrate", verbosity=0)
    origin = Origin.cli("bench report")
    top = organisation_create(origin=origin, code="bench", name="Bench", kind="implementer")
    countries = {"TH": "th", "KH": "kh", "BD": "bd"}
    partners, providers, workers = [], {}, {}
    users = []
    for country, code in countries.items():
        project = organisation_create(
            origin=origin,
            code=code,
            name=f"Project {country}",
            kind="country_project",
            parent=top,
            country=country,
        )
        providers[country] = [
            organisation_create(
                origin=origin,
                code=f"{code}-gov-{i}",
                name=f"Government office {i}",
                kind="provider",
                parent=project,
                provider_type="government",
                audit=False,
            )
            for i in range(2)
        ] + [
            organisation_create(
                origin=origin,
                code=f"{code}-intl",
                name="International organisation",
                kind="provider",
                parent=project,
                provider_type="international",
                audit=False,
            ),
            organisation_create(
                origin=origin,
                code=f"{code}-company",
                name="Employer",
                kind="provider",
                parent=project,
                provider_type="private",
                audit=False,
            ),
        ]
        for i in range(8):
            partner = organisation_create(
                origin=origin,
                code=f"{code}-ngo-{i}",
                name=f"NGO {country} {i}",
                kind="partner",
                parent=project,
                provider_type="ngo",
                audit=False,
            )
            owners = [partner]
            if i < 2:
                owners.append(
                    organisation_create(
                        origin=origin,
                        code=f"{code}-ngo-{i}-site",
                        name=f"Site of NGO {country} {i}",
                        kind="site",
                        parent=partner,
                        audit=False,
                    )
                )
            for owner in owners:
                partners.append((country, partner, owner))
            for w in range(4):
                user = User(
                    username=f"{partner.code}-cw{w}", role=Role.CASE_WORKER, organisation=partner
                )
                user.set_unusable_password()  # nobody logs in to the benchmark
                users.append(user)
    User.objects.bulk_create(users)
    for user in User.objects.filter(role=Role.CASE_WORKER).select_related("organisation"):
        workers.setdefault(user.organisation_id, []).append(user.pk)

    types = list(ServiceType.objects.order_by("position"))
    eligible = [t for t in types if t.counts_as_service]
    one_off = [t for t in types if not t.counts_as_service]
    durations = {"shelter": (20, 150), "medical": (1, 60), "psychosocial": (30, 180)}
    now = timezone.now()
    started = time.perf_counter()
    weights = [3 if i % 5 == 0 else 1 for i in range(len(partners))]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        # survivors
        survivor_rows, survivors = [], []
        sexes = ["female"] * 60 + ["male"] * 37 + ["other"] * 2 + ["unknown"]
        nationalities = ["MM"] * 40 + ["KH"] * 20 + ["LA"] * 15 + ["TH"] * 15 + ["BD"] * 5
        nationalities += ["VN"] * 3 + [""] * 2
        forms = ["labour", "sexual", "domestic", "forced_marriage", "begging", "criminality"]
        span = (DATA_END - DATA_START).days
        for index in range(args.survivors):
            country, partner, owner = rng.choices(partners, weights)[0]
            opened = DATA_START + dt.timedelta(days=rng.randrange(span))
            closed = None
            if rng.random() < 0.15:
                closed = opened + dt.timedelta(days=rng.randrange(30, 700))
                closed = closed if closed < DATA_END else None
            picked = sorted({rng.choice(forms) for _ in range(rng.choice([1, 1, 1, 2]))})
            exploitation = f";{';'.join(picked)};" if rng.random() > 0.03 else ""
            worker = rng.choice(workers[partner.pk]) if rng.random() > 0.1 else None
            code = f"{country}-{index // 10000:04d}-{index % 10000:04d}"
            survivors.append((index + 1, owner.pk, country, opened, closed))
            survivor_rows.append(
                (
                    index + 1, uuid.uuid4(), owner.pk, now, now, code, "", rng.choice(sexes),
                    rng.randrange(1960, 2012) if rng.random() > 0.08 else None,
                    rng.choice(nationalities), exploitation, opened, worker,
                    "closed" if closed else "open", opened, closed,
                    "reintegrated" if closed else "",
                    "", "", "", "", "", "", "", "", "",
                )
            )  # fmt: skip
        copy_rows(
            cursor,
            "cases_survivor",
            [
                "id", "uuid", "organisation_id", "created_at", "modified_at", "code", "ref",
                "sex", "birth_year", "nationality", "exploitation", "identified_on",
                "case_worker_id", "status", "opened_on", "closed_on", "closed_reason",
                "given_name", "family_name", "phone", "address", "notes", "given_name_index",
                "family_name_index", "full_name_index", "phone_index",
            ],
            survivor_rows,
        )  # fmt: skip
        del survivor_rows

        # episodes: skewed counts per survivor (most have a handful, a few have 30+)
        def episode_rows():
            produced = 0
            mean = args.episodes / args.survivors
            for survivor_id, org_id, country, opened, closed in survivors:
                count = min(int(rng.expovariate(1 / mean)) + 1, 60)
                if rng.random() < 0.003:
                    count += 25  # the survivors SRV-3 lists for review
                for _ in range(count):
                    if produced >= args.episodes:
                        return
                    produced += 1
                    kind = rng.choice(one_off) if rng.random() < 0.15 else rng.choice(eligible)
                    last = min(closed or DATA_END, DATA_END, opened + dt.timedelta(days=720))
                    start = opened + dt.timedelta(days=rng.randrange(max((last - opened).days, 1)))
                    low, high = durations.get(kind.code, (0, 90))
                    end = start + dt.timedelta(days=rng.randrange(low, high + 1))
                    status = "completed"
                    if end > DATA_END or rng.random() < 0.04:
                        end, status = None, "ongoing"
                    elif rng.random() < 0.05:
                        status = "discontinued"
                    draw = rng.random()
                    if draw < 0.6:
                        provider = org_id
                    elif draw < 0.85:
                        provider = rng.choice(providers[country][:2]).pk
                    else:
                        provider = rng.choice(providers[country][2:]).pk
                    yield (
                        uuid.uuid4(), org_id, now, now, survivor_id, kind.pk, provider, "",
                        start, end, status, "", "",
                    )  # fmt: skip

        # A real table fills over time, survivors interleaved: write the rows in the order of
        # their start dates (generated survivor by survivor, the table would be clustered by
        # survivor, which flatters some plans and not others).
        episode_list = sorted(episode_rows(), key=lambda row: row[8])
        episodes = copy_rows(
            cursor,
            "services_serviceepisode",
            [
                "uuid", "organisation_id", "created_at", "modified_at", "survivor_id",
                "service_type_id", "provider_id", "ref", "started_on", "ended_on", "status",
                "discontinued_reason", "notes",
            ],
            episode_list,
        )  # fmt: skip
        del episode_list

        statuses = ["sent"] * 10 + ["accepted"] * 10 + ["declined"] * 8
        statuses += ["service_started"] * 20 + ["completed"] * 35 + ["not_reached"] * 10
        statuses += ["withdrawn"] * 7

        def referral_rows():
            for _ in range(args.referrals):
                survivor_id, org_id, country, opened, closed = rng.choice(survivors)
                last = min(closed or DATA_END, DATA_END)
                sent = opened + dt.timedelta(days=rng.randrange(max((last - opened).days, 1)))
                status = rng.choice(statuses)
                started_on = None
                if status in ("service_started", "completed"):
                    started_on = sent + dt.timedelta(days=int(rng.expovariate(1 / 12)))
                yield (
                    uuid.uuid4(), org_id, now, now, survivor_id, rng.choice(types).pk,
                    rng.choice(providers[country]).pk, "", sent, sent, status, started_on or sent,
                    started_on, "",
                )  # fmt: skip

        referral_list = sorted(referral_rows(), key=lambda row: row[8])
        referrals = copy_rows(
            cursor,
            "services_referral",
            [
                "uuid", "organisation_id", "created_at", "modified_at", "survivor_id",
                "service_type_id", "to_provider_id", "ref", "consent_on", "sent_on", "status",
                "status_on", "service_started_on", "note",
            ],
            referral_list,
        )  # fmt: skip
        del referral_list
        interests = ["skills_training", "job_placement", "business_support", "agriculture"]
        copy_rows(
            cursor,
            "cases_statedinterest",
            ["survivor_id", "interest", "stated_on", "detail"],
            (
                (survivor_id, rng.choice(interests), opened, "")
                for survivor_id, _org, _country, opened, _closed in survivors
                if rng.random() < 0.3
            ),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_survivor', 'id'), "
            "(SELECT MAX(id) FROM cases_survivor))"
        )
    # What autovacuum does on a live database (visibility map, statistics), done now.
    with connection.cursor() as wrapper:
        wrapper.execute("VACUUM ANALYZE")
    return {
        "survivors": args.survivors,
        "episodes": episodes,
        "referrals": referrals,
        "seconds": round(time.perf_counter() - started, 1),
    }


# PostgreSQL session settings measured: JIT on (the server's default), then JIT off (ctip's
# connections set it: JIT compiles each query with many aggregates for ~100 ms, more than it
# saves on queries of this size), then JIT off with more memory per sort/hash.
CONFIGS = {
    "jit=on": ["SET jit = on"],
    "jit=off": ["SET jit = off"],
    "jit=off, work_mem=64MB": ["SET jit = off", "SET work_mem = '64MB'"],
}
MAIN_CONFIG = "jit=off"


def measure(args, result: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ctip.cases.models import Survivor
    from ctip.core.models import Organisation
    from ctip.indicators.engine import compute, report_build
    from ctip.indicators.periods import Period
    from ctip.indicators.registry import indicators
    from ctip.services.models import Referral, ServiceEpisode

    period = Period.parse(args.period)
    scope = Organisation.objects.filter(parent__isnull=True).order_by("pk").first()
    params = {"path": f"{scope.path}%", "start": period.start, "end": period.end}

    def session(config: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("RESET ALL")
            for statement in CONFIGS[config]:
                cursor.execute(statement)

    def hand() -> int:
        with connection.cursor() as cursor:
            cursor.execute(HAND_SRV1, params)
            return cursor.fetchone()[0]

    def build(public=False):
        return report_build(scope=scope, period=period, public=public)

    def build_services():
        return report_build(scope=scope, period=period, public=False, codes=SERVICES)

    session(MAIN_CONFIG)
    report = build()  # warm-up: caches, the planner's statistics
    srv1_hand = hand()
    with CaptureQueriesContext(connection) as queries:
        build()
    srv1 = next(i["value"] for i in report["indicators"] if i["code"] == "SRV-1")
    if srv1 != srv1_hand:
        raise SystemExit(f"SRV-1 differs: report {srv1}, hand-written SQL {srv1_hand}")
    result.update(
        period=period.label,
        scope=scope.code,
        data={
            "survivors": Survivor.objects.count(),
            "episodes": ServiceEpisode.objects.count(),
            "referrals": Referral.objects.count(),
        },
        srv1=srv1,
        srv1_hand=srv1_hand,
        queries=len(queries),
        slowest_queries=[
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:160]}
            for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]
        ],
        main_config=MAIN_CONFIG,
        configs={},
    )
    for config in CONFIGS:
        session(config)
        build()
        hand()
        result["configs"][config] = {
            "report_build": timed(build, args.repeat),
            "report_build_public": timed(lambda: build(True), args.repeat),
            "report_build_services": timed(build_services, args.repeat),
            "hand_srv1": timed(hand, args.repeat),
        }
        stats = result["configs"][config]
        stats["ratio"] = round(
            stats["report_build"]["median_ms"] / stats["hand_srv1"]["median_ms"], 2
        )
    session(MAIN_CONFIG)
    result["per_indicator"] = {
        indicator.code: timed(lambda i=indicator: compute(i, scope, period), args.repeat)
        for indicator in indicators()
    }
    main = result["configs"][MAIN_CONFIG]
    result["report_build"] = main["report_build"]
    result["report_build_public"] = main["report_build_public"]
    result["hand_srv1"] = main["hand_srv1"]
    result["ratio"] = main["ratio"]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ctip.cli", "report", "--period", period.label, "--org",
         scope.code, "--format", "json", "-o", str(OUT / "report" / "report-output.json")],
        check=True, cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    result["command_seconds"] = round(time.perf_counter() - started, 2)
    if args.try_indexes:
        result["indexes"] = {}
        for name, sql in CANDIDATE_INDEXES.items():
            index_name = sql.split()[2]
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.execute("ANALYZE")
            build()
            result["indexes"][name] = {
                "report_build": timed(build, args.repeat),
                "hand_srv1": timed(hand, args.repeat),
            }
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {index_name}")
                cursor.execute("ANALYZE")


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    result: dict = {}
    if not args.generate:
        call_command("migrate", verbosity=0)  # the code may have new migrations since
    if args.generate:
        generated = generate(args)
        result["generate_seconds"] = generated["seconds"]
        print(
            f"generated {generated['survivors']:,} survivors, {generated['episodes']:,} "
            f"episodes, {generated['referrals']:,} referrals in {generated['seconds']} s",
            flush=True,
        )
    if not args.generate_only:
        measure(args, result)
    Path(args.part).write_text(json.dumps(result, indent=2, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survivors", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--period", default=DEFAULT_PERIOD)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres-url", default=PG_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help=f"keep {PG_BENCH_DB} afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"measure the kept {PG_BENCH_DB}")
    parser.add_argument("--try-indexes", action="store_true")
    parser.add_argument(
        "--generate-only", action="store_true", help="generate (and keep) the data, no timing"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
