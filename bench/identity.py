"""Native registration and login: latency and throughput, with the argon2 time counted apart.

    .venv/bin/python bench/identity.py                                   # SQLite (fresh file)
    .venv/bin/python bench/identity.py --database postgres://postgres@127.0.0.1:5432/identity_bench

Part 1 drives the self-service API in-process (Django's WSGI handler, no network) and wraps the
password functions, so each request's time splits into argon2 and everything else ("overhead":
flow lookup, CSRF and schema checks, session issue, JSON). Target: login overhead p50 <= 10 ms.
Part 2 serves the same API with gunicorn (production config) on 127.0.0.1 and measures
registrations and logins per second from concurrent clients. Bounded in count; loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(label: str, values: list[float]) -> str:
    return (
        f"{label:<34} p50 {percentile(values, 50):7.2f} ms   p95 {percentile(values, 95):7.2f} ms   "
        f"p99 {percentile(values, 99):7.2f} ms   (n={len(values)})"
    )


def prepare_environment(database: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ory_platform.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "IDENTITY_THROTTLE_ENABLED": "0",  # the benchmark signs in thousands of times from one IP
        "COURIER_DELIVER_ON_COMMIT": "0",  # verification mail is queued, not sent, during the run
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PYTHONPATH": str(ROOT),
    }
    if database:
        env["DATABASE_URL"] = database
    else:
        bench_dir = ROOT / "var" / "bench-identity"
        shutil.rmtree(bench_dir, ignore_errors=True)
        bench_dir.mkdir(parents=True)
        env["DATABASE_URL"] = f"sqlite:///{bench_dir / 'bench.sqlite3'}"
    return env


def reset_database(env: dict[str, str]) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        for statement in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", admin, "-qc", statement], check=True, env=env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def in_process(users: int, logins: int) -> dict[str, list[float]]:
    import django

    django.setup()
    from django.test import Client

    from identity_app import passwords

    spent = {"argon2": 0.0}

    def timed(function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent["argon2"] += time.perf_counter() - started

        return wrapper

    for name in ("hash_password", "verify_password", "dummy_verify", "check_password_policy"):
        setattr(passwords, name, timed(getattr(passwords, name)))

    app = Client()
    results: dict[str, list[float]] = {key: [] for key in ("register", "register_argon2", "login", "login_argon2")}
    for number in range(users):
        flow = app.get("/self-service/registration/api").json()
        spent["argon2"] = 0.0
        started = time.perf_counter()
        response = app.post(
            f"/self-service/registration?flow={flow['id']}",
            {"method": "password", "password": PASSWORD, "traits": {"email": f"bench{number}@example.com"}},
            content_type="application/json",
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content
        results["register"].append(elapsed * 1000)
        results["register_argon2"].append(spent["argon2"] * 1000)
    for number in range(logins):
        flow = app.get("/self-service/login/api").json()
        spent["argon2"] = 0.0
        started = time.perf_counter()
        response = app.post(
            f"/self-service/login?flow={flow['id']}",
            {"method": "password", "identifier": f"bench{number % users}@example.com", "password": PASSWORD},
            content_type="application/json",
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content
        results["login"].append(elapsed * 1000)
        results["login_argon2"].append(spent["argon2"] * 1000)
    results["login_overhead"] = [t - a for t, a in zip(results["login"], results["login_argon2"], strict=True)]
    results["register_overhead"] = [t - a for t, a in zip(results["register"], results["register_argon2"], strict=True)]
    return results


def over_http(env: dict[str, str], users: int, requests: int, concurrency: int, port: int) -> dict[str, float]:
    import http.client

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "ory_platform/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health/alive")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)

        def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            payload = json.dumps(body) if body is not None else None
            headers = {"Content-Type": "application/json", "Accept": "application/json"} if body is not None else {}
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            connection.close()
            return response.status, json.loads(data or b"{}")

        def register(number: int) -> None:
            _, flow = call("GET", "/self-service/registration/api")
            status, _ = call(
                "POST",
                f"/self-service/registration?flow={flow['id']}",
                {"method": "password", "password": PASSWORD, "traits": {"email": f"http{number}@example.com"}},
            )
            assert status == 200, status

        def login(number: int) -> None:
            _, flow = call("GET", "/self-service/login/api")
            status, _ = call(
                "POST",
                f"/self-service/login?flow={flow['id']}",
                {"method": "password", "identifier": f"http{number % users}@example.com", "password": PASSWORD},
            )
            assert status == 200, status

        figures = {}
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            started = time.perf_counter()
            list(pool.map(register, range(users)))
            figures["registrations_per_s"] = users / (time.perf_counter() - started)
            started = time.perf_counter()
            list(pool.map(login, range(requests)))
            figures["logins_per_s"] = requests / (time.perf_counter() - started)
        return figures
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="postgres://... (default: a fresh SQLite file)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--http-requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    env = prepare_environment(args.database)
    reset_database(env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"Identity benchmark on {engine}, {os.cpu_count()} CPU(s)")

    results = in_process(args.users, args.logins)
    print("In-process (no network):")
    for key, label in (
        ("register", "registration total"),
        ("register_argon2", "  of which argon2 + policy"),
        ("register_overhead", "  overhead beyond argon2"),
        ("login", "login total"),
        ("login_argon2", "  of which argon2"),
        ("login_overhead", "  overhead beyond argon2"),
    ):
        print("  " + summary(label, results[key]))
    overhead = percentile(results["login_overhead"], 50)
    print(f"  login overhead p50 {overhead:.2f} ms (target <= 10 ms): {'met' if overhead <= 10 else 'NOT met'}")

    figures = over_http(env, args.users, args.http_requests, args.concurrency, args.port)
    print(f"Over HTTP (gunicorn, 2 workers x 2 threads, {args.concurrency} concurrent clients):")
    print(f"  registrations/s {figures['registrations_per_s']:.1f}   logins/s {figures['logins_per_s']:.1f}")
    print(f"  (median login in-process: {statistics.median(results['login']):.1f} ms)")


if __name__ == "__main__":
    main()
