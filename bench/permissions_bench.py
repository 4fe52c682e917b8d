"""Benchmark of the permission engine: in-process and over HTTP (gunicorn).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/keto_bench python bench/permissions_bench.py
    DATABASE_URL=sqlite:////tmp/keto_bench.sqlite3 python bench/permissions_bench.py
    DATABASE_URL=postgres://... python bench/permissions_bench.py --scale 100   # the ~1M-tuple variant

The PostgreSQL database must exist (``createdb -h 127.0.0.1 -U postgres keto_bench``). It
migrates the database named by ``DATABASE_URL`` (never the development database by default:
without ``DATABASE_URL`` it uses ``var/bench-permissions.sqlite3``), loads the workload of
``bench/permissions_workload.py`` (replacing every stored tuple), then times ``--checks`` mixed
checks through ``permissions_app.engine.check`` and through ``GET
/relation-tuples/check/openapi`` served by gunicorn, and prints p50/p95/p99 latencies and
checks per second. ``--skip-load`` reuses the loaded data.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ory_platform.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-permissions.sqlite3'}")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.permissions_workload import MODEL, generate, mixed_checks  # noqa: E402
from ory_platform.api_keys import api_key_create, api_key_revoke  # noqa: E402
from permissions_app.engine import check  # noqa: E402
from permissions_app.models import RelationTuple  # noqa: E402
from permissions_app.services import permission_model_load, relationships_import  # noqa: E402
from permissions_app.tuples import Relationship, SubjectID, parse_tuple  # noqa: E402


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return cut[49], cut[94], cut[98]


def report(label: str, latencies: list[float], elapsed: float, allowed: int | None = None) -> tuple:
    p50, p95, p99 = percentiles(latencies)
    rate = len(latencies) / elapsed
    extra = f"  (allowed {allowed / len(latencies):.0%})" if allowed is not None else ""
    print(
        f"  {label:<26} {len(latencies):>5} checks  p50 {p50 * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms  "
        f"p99 {p99 * 1000:6.2f} ms  {rate:8,.0f} checks/s{extra}"
    )
    return p50, p95, p99, rate


def summarize(label: str, rounds: list[tuple]) -> None:
    """The median of each figure over the rounds (the machine is shared: single rounds are noisy)."""
    if len(rounds) < 2:
        return
    p50, p95, p99, rate = (statistics.median(values) for values in zip(*rounds, strict=True))
    print(
        f"  {label + ', median':<26} {len(rounds):>2} rounds  p50 {p50 * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms  "
        f"p99 {p99 * 1000:6.2f} ms  {rate:8,.0f} checks/s"
    )


def load(scale: int, batch: int = 5000) -> int:
    work = generate(scale)
    permission_model_load(source=MODEL, source_name="bench/permissions_workload.py")
    RelationTuple.objects.all()._raw_delete(connection.alias)
    started = time.perf_counter()
    total = len(work.tuples)
    for start in range(0, total, batch):
        relationships_import(relationships=[parse_tuple(text) for text in work.tuples[start : start + batch]])
        done = min(start + batch, total)
        print(f"\r  loading {done:>9,}/{total:,} tuples", end="", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {RelationTuple._meta.db_table}")
    elapsed = time.perf_counter() - started
    print(f"\r  loaded {total:,} tuples in {elapsed:.1f}s ({total / elapsed:,.0f}/s)")
    return total


def in_process(checks, rounds: int) -> None:
    relationships = [Relationship(ns, obj, rel, SubjectID(sub)) for ns, obj, rel, sub in checks]
    for relationship in relationships[:100]:  # warm the connection, the model cache and the OS
        check(relationship)
    results = []
    for number in range(rounds):
        latencies, allowed = [], 0
        started = time.perf_counter()
        for relationship in relationships:
            begin = time.perf_counter()
            allowed += check(relationship).allowed
            latencies.append(time.perf_counter() - begin)
        label = f"in-process, round {number + 1}" if rounds > 1 else "in-process (engine)"
        results.append(report(label, latencies, time.perf_counter() - started, allowed))
    summarize("in-process", results)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def over_http(checks, workers: int, clients: int, rounds: int) -> None:
    port = _free_port()
    key = api_key_create(name=f"bench-{port}")
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "ory_platform/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/health/alive", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {key.secret}"}
        urls = [
            f"{base}/relation-tuples/check/openapi?"
            + urlencode({"namespace": ns, "object": obj, "relation": rel, "subject_id": sub})
            for ns, obj, rel, sub in checks
        ]

        def run(part: list[str], latencies: list[float], session: requests.Session) -> None:
            for url in part:
                begin = time.perf_counter()
                response = session.get(url, headers=headers, timeout=10)
                response.raise_for_status()
                latencies.append(time.perf_counter() - begin)

        sequential, concurrent = [], []
        sessions = [requests.Session() for _ in range(clients)]
        run(urls[:100] * workers, [], sessions[0])  # warm every worker
        for _ in range(rounds):
            latencies: list[float] = []
            started = time.perf_counter()
            run(urls, latencies, sessions[0])
            sequential.append(report(f"http, 1 client, {workers}w", latencies, time.perf_counter() - started))

            latencies = []
            threads = [
                threading.Thread(target=run, args=(urls[index::clients], latencies, sessions[index]))
                for index in range(clients)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            concurrent.append(report(f"http, {clients} clients, {workers}w", latencies, time.perf_counter() - started))
        summarize("http, 1 client", sequential)
        summarize(f"http, {clients} clients", concurrent)
        # The same requests without a check: API key, middleware, DRF and gunicorn alone.
        latencies = []
        started = time.perf_counter()
        run([f"{base}/namespaces"] * len(urls), latencies, sessions[0])
        report("http floor (/namespaces)", latencies, time.perf_counter() - started)
        for session in sessions:
            session.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        api_key_revoke(api_key_id=key.api_key.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="1: ~11k tuples (default); 100: ~1M tuples")
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--skip-load", action="store_true", help="reuse the tuples loaded by a previous run")
    parser.add_argument("--no-http", action="store_true", help="only the in-process benchmark")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the medians are printed (default 3)")
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    print(f"permissions benchmark: scale {options.scale}, {connection.vendor} ({connection.settings_dict['NAME']})")
    if not options.skip_load:
        load(options.scale)
    print(f"  {RelationTuple.objects.count():,} tuples stored")
    checks = mixed_checks(generate(options.scale), options.checks)
    in_process(checks, options.rounds)
    if not options.no_http:
        connection.close()  # the server processes open their own
        over_http(checks, options.workers, options.clients, options.rounds)


if __name__ == "__main__":
    main()
