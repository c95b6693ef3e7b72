"""Benchmark: the anonymous feedback submit path (DESIGN.md budget: ≥ 200 submissions/s on one
2-core machine).

Run by hand (not by the test suite), from the repository root:

    .venv/bin/python bench/feedback_submit.py              # SQLite
    .venv/bin/python bench/feedback_submit.py --postgres   # SQLite, then PostgreSQL

For each database it builds a fresh database (SQLite under bench/out/feedback/sqlite/, or a
throwaway PostgreSQL database `ctip_bench_feedback` that it creates and drops), makes one
organisation and one channel (`/f/bench`, rate limit out of the way), starts gunicorn on a free
port of 127.0.0.1 (no access log, as `ctip serve` starts it), and then:

  1. every client GETs the form once, as a phone would, and keeps its signed form token;
  2. it waits out the form's minimum fill time (3 s);
  3. the clients POST complete submissions (faces, answers, themes, a Thai or English message),
     each waiting for its answer before the next: a bounded number of requests in all, checking
     that each answer is the receipt page with a 16-digit code;
  4. it counts the rows written, and times the receipt hash alone in-process.

It prints submissions/s, p50/p95/max latency, and writes bench/out/feedback_submit.json.
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULT = OUT / "feedback_submit.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "ctip_bench_feedback"
TOKEN = re.compile(rb'name="token" value="([^"]+)"')
RECEIPT = re.compile(rb'id="receipt-code"[^>]*>(\d{4} \d{4} \d{4} \d{4})<')
MESSAGES = [
    "ห้องพักร้อนมาก พัดลมเสียมาสองสัปดาห์แล้ว",
    "The counsellor was kind but the sessions are too short.",
    "อยากเรียนทำอาหาร ไม่ใช่เย็บผ้า",
    "Nobody told me that my case was sent to the police.",
    "",
]
THEMES = ["shelter", "health", "legal", "livelihood", "safety", "respect", "information"]


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


def new_key() -> str:
    import base64
    import secrets

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def pg_admin(sql: str, url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def run_engine(engine: str, args) -> dict:
    data_dir = OUT / "feedback" / engine
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
        "--clients", str(args.clients), "--requests", str(args.requests),
        "--workers", str(args.workers),
    ]  # fmt: skip
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
    finally:
        if engine == "postgres" and not args.keep:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)", args.postgres_url)
    return json.loads(part.read_text())


def print_table(results: dict) -> None:
    header = (
        f"{'engine':<9} {'measure':<34} {'n':>6} {'subm/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'srv CPU ms':>10} {'cli CPU ms':>10}"
    )
    print()
    print(header)
    print("-" * len(header))
    for engine, result in results["engines"].items():
        for name, stats in result["http"].items():
            if "error" in stats:
                print(f"{engine:<9} {name:<34} {stats['error']}")
                continue
            print(
                f"{engine:<9} {name:<34} {stats['n']:>6} {stats['submissions_per_second']:>8} "
                f"{stats['p50_ms']:>8} {stats['p95_ms']:>8} {stats['max_ms']:>8} "
                f"{stats.get('server_cpu_ms_per_submission', ''):>10} "
                f"{stats.get('client_cpu_ms_per_submission', ''):>10}"
            )
        hashing = result["receipt_hash"]
        print(
            f"{engine:<9} receipt hash alone (scrypt n={hashing['n']}, r={hashing['r']}): "
            f"{hashing['ms_per_hash']} ms per hash on one core; rows written "
            f"{result['rows_written']}, errors {result['errors']}; gunicorn "
            f"{result['workers']} workers, {result['clients']} clients"
        )
    print()


def parent(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite"] + (["postgres"] if args.postgres else [])
    results = {
        "benchmark": "feedback_submit",
        "command": " ".join(["python", "bench/feedback_submit.py", *sys.argv[1:]]),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "budget": "≥ 200 submissions/s on one 2-core machine",
        "engines": {},
    }
    for engine in engines:
        print(f"== {engine}: {args.requests} submissions from {args.clients} clients", flush=True)
        results["engines"][engine] = run_engine(engine, args)
    RESULT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"written to {RESULT.relative_to(ROOT)}")


# --- the child: one database, Django set up from the environment ----------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    # As `ctip serve` starts it: sync workers, no access log (the anonymous path logs nothing).
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


def request(port: int, method: str, path: str, body: bytes | None = None):
    import http.client

    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Language": "th"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        cookies = response.getheader("Set-Cookie")
    finally:
        conn.close()
    return response.status, content, cookies, time.perf_counter() - started


def submission(rng: random.Random, token: str) -> bytes:
    fields = [
        ("token", token),
        ("lang", rng.choice(["th", "en"])),
        ("satisfaction", str(rng.randint(1, 5))),
        ("q_respect", rng.choice(["yes", "partly", "no"])),
        ("q_safe", rng.choice(["yes", "no", "skip"])),
        ("body", rng.choice(MESSAGES)),
        ("website", ""),
    ]
    fields += [("themes", t) for t in rng.sample(THEMES, rng.randint(0, 2))]
    return urlencode(fields).encode()


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU time of gunicorn's master and workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def load(port: int, tokens: list[str], total: int, server=None) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [total]

    def client(index: int) -> None:
        rng = random.Random(index)
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            status, content, cookies, seconds = request(
                port, "POST", "/f/bench", submission(rng, tokens[index])
            )
            ok = status == 200 and RECEIPT.search(content) and not cookies
            with lock:
                if ok:
                    latencies.append(seconds)
                else:
                    errors.append(f"{status}{' Set-Cookie' if cookies else ''}")

    started = time.perf_counter()
    cpu_before = server_cpu_seconds(server) if server else 0.0
    client_before = time.process_time()
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        for future in [pool.submit(client, i) for i in range(len(tokens))]:
            future.result()
    wall = time.perf_counter() - started
    server_cpu = server_cpu_seconds(server) - cpu_before if server else 0.0
    client_cpu = time.process_time() - client_before
    if not latencies:
        return {"error": f"no submission succeeded ({sorted(set(errors))})"}
    result = summary(latencies)
    result["errors"] = len(errors)
    result["error_kinds"] = sorted(set(errors))
    result["seconds"] = round(wall, 2)
    result["submissions_per_second"] = round(len(latencies) / wall, 1)
    if server:
        # CPU per submission, whatever else the machine is doing: the server's and the load
        # generator's. Cores ÷ server CPU per submission is the rate an otherwise idle machine
        # with the clients elsewhere could reach.
        per = server_cpu / len(latencies)
        result["server_cpu_ms_per_submission"] = round(per * 1000, 2)
        result["client_cpu_ms_per_submission"] = round(client_cpu / len(latencies) * 1000, 2)
        result["capacity_per_second_all_cores"] = round((os.cpu_count() or 1) / per, 1)
    return result


def fetch_tokens(port: int, count: int) -> list[str]:
    tokens = []
    for _n in range(count):
        status, content, cookies, _s = request(port, "GET", "/f/bench")
        if status != 200 or cookies:
            raise RuntimeError(f"GET /f/bench answered {status} (Set-Cookie: {cookies})")
        tokens.append(TOKEN.search(content).group(1).decode())
    return tokens


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ctip.core.audit import Origin
    from ctip.core.services import organisation_create
    from ctip.feedback import receipts
    from ctip.feedback.models import Feedback
    from ctip.feedback.protection import min_fill_seconds
    from ctip.feedback.services import channel_create

    call_command("migrate", interactive=False, verbosity=0)
    origin = Origin.cli("bench")
    root = organisation_create(origin=origin, code="bench", name="Bench", kind="implementer")
    project = organisation_create(
        origin=origin, code="bench-th", name="Bench TH", kind="country_project", parent=root
    )
    partner = organisation_create(
        origin=origin, code="bench-ngo", name="Bench NGO", kind="partner", parent=project
    )
    channel_create(
        origin=origin,
        organisation=partner,
        slug="bench",
        name="Bench channel",
        audience="beneficiaries",
        languages=["th", "en"],
        rate_limit_per_minute=10_000_000,
    )
    connection.close()

    started = time.perf_counter()
    for _n in range(200):
        receipts.code_hash(receipts.code_new())
    ms_per_hash = (time.perf_counter() - started) / 200 * 1000

    port = free_port()
    server = start_gunicorn(port, args.workers)
    http = {}
    try:
        tokens = fetch_tokens(port, args.clients)
        time.sleep(min_fill_seconds() + 0.2)  # the form's minimum fill time
        load(port, tokens[:1], 2 * args.workers)  # warm-up
        http["submit (1 client)"] = load(port, tokens[:1], min(100, args.requests), server)
        http[f"submit ({args.clients} clients)"] = load(port, tokens, args.requests, server)
        print(f"   {http}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = Feedback.objects.count()
    sent = sum(r.get("n", 0) for r in http.values()) + 2 * args.workers
    Path(args.part).write_text(json.dumps({
        "database": connection.vendor,
        "workers": args.workers,
        "clients": args.clients,
        "http": http,
        "rows_written": rows,
        "rows_expected": sent,
        "errors": sum(r.get("errors", 0) for r in http.values()),
        "receipt_hash": {
            "n": receipts.SCRYPT_N, "r": receipts.SCRYPT_R, "p": receipts.SCRYPT_P,
            "ms_per_hash": round(ms_per_hash, 2),
        },
    }, indent=2))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"also run on PostgreSQL ({PG_BENCH_DB}: created, then dropped)",
    )
    parser.add_argument("--postgres-url", default=PG_ADMIN_URL)
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--requests", type=int, default=2000, help="submissions in the load run")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="gunicorn sync workers (default: one per CPU; the work is CPU-bound)",
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
