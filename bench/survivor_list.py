"""Benchmark: the survivor list (first page, filtered) and a phone search, at 100k survivors.

Run by hand (not by the test suite), from the repository root:

    .venv/bin/python bench/survivor_list.py              # SQLite only
    .venv/bin/python bench/survivor_list.py --postgres   # SQLite, then PostgreSQL

For each database it creates a fresh database (SQLite under bench/out/sqlite/, or a throwaway
PostgreSQL database `ctip_bench` that it creates and drops), loads the demo organisations and
users and N survivors (realistic, from ctip.interop.demo, written in bulk and encrypted with a real
key ring), then measures:

  (a) GET /survivors/?status=open&sex=female and ...&exploitation=labour through the real WSGI
      app: a gunicorn it starts on 127.0.0.1 (free port), hit by a pool of concurrent clients,
      each with its own logged-in, 2FA-verified session of a case worker of the partner holding
      most survivors;
  (b) GET /survivors/?q=<phone> the same way (a different phone number per request);
  (c) the selector alone: survivor_list(user, filters)[:25] and the paginator's count().

It prints a table and writes bench/out/survivor_list.json. The budget (DESIGN.md) is p95 < 150 ms
under 20 concurrent clients at 100k survivors.
"""

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULT = OUT / "survivor_list.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "ctip_bench"
# The partner that holds most survivors in the benchmark (its case worker runs the queries).
BIG_PARTNER = "th-amrf"
BIG_PARTNER_SHARE = 100  # against 78 for all other partners together: ~56% of survivors
LIST_SCENARIOS = {
    "list: status=open&sex=female": "status=open&sex=female",
    "list: ...&exploitation=labour": "status=open&sex=female&exploitation=labour",
}
PHONE_SCENARIO = "search: q=<phone>"
SERIAL_REQUESTS = 50


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


# --- the parent: one child process per database ---------------------------------------------


def new_field_key() -> str:
    import base64
    import secrets

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def pg_admin(sql: str, url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def run_engine(engine: str, args) -> dict:
    data_dir = OUT / engine
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CTIP_DEMO_MODE", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="ctip.settings.dev",
        CTIP_DATA_DIR=str(data_dir),
        # Keys passed in as production does (not read from a generated file).
        CTIP_FIELD_KEYS=new_field_key(),
        CTIP_SECRET_KEY=new_field_key(),
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
        "--survivors", str(args.survivors), "--clients", str(args.clients),
        "--requests", str(args.requests), "--workers", str(args.workers),
    ]  # fmt: skip
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
    finally:
        if engine == "postgres" and not args.keep:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)", args.postgres_url)
    return json.loads(part.read_text())


def print_table(results: dict) -> None:
    header = f"{'engine':<9} {'measure':<52} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    print()
    print(header)
    print("-" * len(header))
    for engine, result in results["engines"].items():
        rows = [(f"HTTP {name}", stats) for name, stats in result["http"].items()]
        for name, stats in result["selector"].items():
            rows.append((f"selector {name} [:25]", stats["first_page"]))
            rows.append((f"selector {name} count()", stats["count"]))
        for label, stats in rows:
            if "error" in stats:
                print(f"{engine:<9} {label:<52} {stats['error']}")
                continue
            print(
                f"{engine:<9} {label:<52} {stats['n']:>5} {stats['p50_ms']:>8} "
                f"{stats['p95_ms']:>8} {stats['max_ms']:>8}"
            )
        gen = result["generate"]
        print(
            f"{engine:<9} generated {gen['survivors']:,} survivors in {gen['seconds']} s "
            f"({gen['survivors_per_second']:,}/s); {result['visible']:,} visible to the case "
            f"worker; gunicorn {result['workers']} workers, {result['clients']} clients"
        )
    print()


def parent(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite"] + (["postgres"] if args.postgres else [])
    results = {
        "benchmark": "survivor_list",
        "command": " ".join(["python", "bench/survivor_list.py", *sys.argv[1:]]),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "survivors": args.survivors,
        "engines": {},
    }
    for engine in engines:
        print(f"== {engine}: {args.survivors:,} survivors", flush=True)
        results["engines"][engine] = run_engine(engine, args)
    RESULT.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"written to {RESULT.relative_to(ROOT)}")


# --- the child: one database, Django set up from the environment ----------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def verified_session_cookie(user) -> str:
    """A session as after a real password + TOTP login (stored server-side, as usual)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


def http_get(port: int, path: str, cookie: str) -> tuple[int, bytes, float]:
    import http.client

    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, time.perf_counter() - started


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "ctip.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--no-control-socket",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start within 60 s")


def load(port: int, paths: list[str], cookies: list[str], clients: int) -> dict:
    """Send every path once, from ``clients`` threads, each with its own session."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    cursor = iter(range(len(paths)))

    def client(index: int) -> None:
        while True:
            with lock:
                position = next(cursor, None)
            if position is None:
                return
            status, _body, seconds = http_get(port, paths[position], cookies[index])
            with lock:
                (latencies if status == 200 else errors).append(
                    seconds if status == 200 else status
                )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client, i) for i in range(clients)]:
            future.result()
    wall = time.perf_counter() - started
    if not latencies:
        return {"error": f"no request succeeded (statuses {sorted(set(errors))})"}
    result = summary(latencies)
    result["errors"] = len(errors)
    result["requests_per_second"] = round(len(latencies) / wall, 1)
    return result


def timed(fn, repeat: int) -> list[float]:
    seconds = []
    for _n in range(repeat):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ctip.cases.selectors import SurvivorFilters, survivor_list, survivors_visible_to
    from ctip.core.models import User
    from ctip.interop.demo import build_demo

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    build_demo(survivors=args.survivors, history=False, shares={BIG_PARTNER: BIG_PARTNER_SHARE})
    generate_seconds = time.perf_counter() - started
    print(f"   generated in {generate_seconds:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    user = User.objects.get(username="caseworker")
    visible = survivors_visible_to(user)
    phones = [s.phone for s in visible.exclude(phone_index="").order_by("?")[:500]]

    # (c) the selector alone, in this process.
    selector = {}
    for name, query in [*LIST_SCENARIOS.items(), (PHONE_SCENARIO, None)]:
        if query is None:
            picks = iter(phones * 2)

            def filters(picks=picks):
                return SurvivorFilters(q=next(picks))
        else:
            fixed = SurvivorFilters(**dict(p.split("=") for p in query.split("&")))

            def filters(fixed=fixed):
                return fixed

        list(survivor_list(user, filters())[:25])  # warm caches
        selector[name] = {
            "first_page": summary(timed(lambda f=filters: list(survivor_list(user, f())[:25]), 50)),
            "count": summary(timed(lambda f=filters: survivor_list(user, f()).count(), 50)),
        }

    # (a), (b) through gunicorn.
    cookies = [verified_session_cookie(user) for _n in range(args.clients)]
    port = free_port()
    server = start_gunicorn(port, args.workers)
    http = {}
    try:
        status, body, _s = http_get(
            port, "/survivors/?" + next(iter(LIST_SCENARIOS.values())), cookies[0]
        )
        if status != 200:
            raise RuntimeError(f"/survivors/ answered {status}: is the page there, the login ok?")
        target = visible.exclude(phone_index="").first()
        status, body, _s = http_get(port, f"/survivors/?q={quote(target.phone)}", cookies[0])
        if status != 200 or target.code.encode() not in body:
            raise RuntimeError("a phone search did not find its survivor")
        scenarios = {
            name: [f"/survivors/?{query}"] * args.requests for name, query in LIST_SCENARIOS.items()
        }
        scenarios[PHONE_SCENARIO] = [
            f"/survivors/?q={quote(phones[i % len(phones)])}" for i in range(args.requests)
        ]
        for name, paths in scenarios.items():
            load(port, paths[: 2 * args.workers], cookies, args.clients)  # warm-up
            # One client alone: the time to serve a request, without queueing behind others.
            http[f"{name} (1 client)"] = load(port, paths[:SERIAL_REQUESTS], cookies, 1)
            http[f"{name} ({args.clients} clients)"] = load(port, paths, cookies, args.clients)
            print(f"   {name}: {http[f'{name} ({args.clients} clients)']}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)

    Path(args.part).write_text(json.dumps({
        "database": connection.vendor,
        "database_version": database_version(connection),
        "generate": {
            "survivors": args.survivors,
            "seconds": round(generate_seconds, 1),
            "survivors_per_second": round(args.survivors / generate_seconds),
        },
        "visible": visible.count(),
        "workers": args.workers,
        "clients": args.clients,
        "http": http,
        "selector": selector,
    }, indent=2))  # fmt: skip


def quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


def database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survivors", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"also run on PostgreSQL ({PG_BENCH_DB}: created, then dropped)",
    )
    parser.add_argument(
        "--postgres-url",
        default=PG_ADMIN_URL,
        help="a database URL to connect to for CREATE/DROP DATABASE",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients")
    parser.add_argument("--requests", type=int, default=500, help="requests per scenario")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers (default 2 × CPUs + 1)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
