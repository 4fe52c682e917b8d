"""OAuth2 throughput under gunicorn: client-credentials issuance, introspection and userinfo, each
measured next to a trivial JSON view on the same server in the same run (the framework ceiling).

    .venv/bin/python bench/oauth2.py                       # SQLite (a fresh file under var/bench)
    .venv/bin/python bench/oauth2.py --database postgres://postgres@127.0.0.1:5432/hydra_bench

The server runs with the production gunicorn config (``ory_platform/gunicorn.conf.py``: 2 x cores + 1
workers, one thread each, unless ``--workers``/``--threads`` say otherwise) and ``LOG_LEVEL=WARNING``
so per-request log lines do not dominate the cheap endpoints. Load comes from
``--processes`` client processes, each keeping ``--connections`` keep-alive connections busy for
``--seconds``; a request counts only if it returned 200 with the expected body. Bounded in time and
count; talks to 127.0.0.1 only.

Each worker process runs Python on at most one core (the GIL), and the kernel hands a round's new
connections to whichever worker accepts first. With few connections one worker can draw most of
them and cap the round; 16 (the default: 2 processes, 8 each) spread evenly enough that rounds of the
database-writing token endpoint differ by a few points instead of ten.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MAX_REQUESTS_PER_PROCESS = 2_000_000


def _environment(database: str | None) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    # Stable across runs: signing keys in a reused database are sealed under it.
    env["SECRET_KEY"] = env.get("SECRET_KEY") or "bench-only-secret-key-not-for-any-deployment-0123456789abcdef"
    if database:
        env["DATABASE_URL"] = database
    else:
        bench_dir = ROOT / "var" / "bench"
        shutil.rmtree(bench_dir, ignore_errors=True)
        bench_dir.mkdir(parents=True)
        env["DATABASE_URL"] = f"sqlite:///{bench_dir / 'bench.sqlite3'}"
    return env


def _request(kind: str, seed: dict) -> tuple[str, str, str | None, dict[str, str], bytes]:
    """(method, path, body, headers, bytes the 200 body must contain) for one scenario."""
    if kind == "ceiling":
        return "GET", "/bench/ping", None, {}, b'"ok"'
    if kind == "client_credentials":
        basic = base64.b64encode(f"{seed['machine_client_id']}:{seed['machine_client_secret']}".encode()).decode()
        body = urlencode({"grant_type": "client_credentials", "scope": "read"})
        headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        return "POST", "/oauth2/token", body, headers, b"access_token"
    if kind == "introspection":
        body = urlencode({"token": seed["machine_access_token"]})
        headers = {"Authorization": f"Bearer {seed['api_key']}", "Content-Type": "application/x-www-form-urlencoded"}
        return "POST", "/admin/oauth2/introspect", body, headers, b'"active":true'
    if kind == "userinfo":
        return "GET", "/userinfo", None, {"Authorization": f"Bearer {seed['user_access_token']}"}, b"bench@example.com"
    raise ValueError(kind)


def _worker(args: tuple) -> tuple[int, int]:
    port, kind, seed, connections, seconds = args
    method, path, body, headers, expected = _request(kind, seed)
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()

    def loop() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        ok = bad = 0
        while time.monotonic() < deadline and ok + bad < MAX_REQUESTS_PER_PROCESS:
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
                if response.status == 200 and expected in content.replace(b" ", b""):
                    ok += 1
                else:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                connection.close()
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["bad"]


def _measure(port: int, kind: str, seed: dict, *, processes: int, connections: int, seconds: float) -> dict:
    started = time.monotonic()
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_worker, [(port, kind, seed, connections, seconds)] * processes)
    elapsed = time.monotonic() - started
    ok = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    return {"scenario": kind, "requests": ok, "errors": bad, "rps": round(ok / elapsed, 1)}


def _server_config(env: dict[str, str]) -> dict:
    """The worker settings the production gunicorn config gives in this environment."""
    script = (
        "import json, runpy; c = runpy.run_path('ory_platform/gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('worker_class', 'workers', 'threads')}))"
    )
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def _wait_ready(port: int, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/health/alive")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the production config's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the production config's)")
    parser.add_argument("--output", help="write the results as JSON here")
    parser.add_argument(
        "--scenarios",
        default="client_credentials,introspection,userinfo",
        help="comma-separated scenarios to measure",
    )
    options = parser.parse_args()

    env = _environment(options.database)
    if options.workers:
        env["WEB_CONCURRENCY"] = str(options.workers)
    if options.threads:
        env["GUNICORN_THREADS"] = str(options.threads)
    server_config = _server_config(env)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    seed = json.loads(
        subprocess.run([PYTHON, "bench/seed.py"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            "ory_platform/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{options.port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_ready(options.port, server)
        load = {"processes": options.processes, "connections": options.connections, "seconds": options.seconds}
        print(
            f"gunicorn: {server_config['workers']} workers x {server_config['threads']} threads "
            f"({server_config['worker_class']}); "
            f"load: {options.processes} processes x {options.connections} connections",
            flush=True,
        )

        _measure(options.port, "ceiling", seed, **{**load, "seconds": 2})  # warm-up
        results = []
        for kind in options.scenarios.split(","):
            # Interleave short rounds of the ceiling and the scenario so that load from other
            # processes on the machine hits both alike. The headline is the median of the rounds'
            # ratios: a round whose connections happened to pile onto one worker (the kernel
            # hands them out unevenly) skews a mean, not the median.
            rounds = [
                (_measure(options.port, "ceiling", seed, **load), _measure(options.port, kind, seed, **load))
                for _ in range(options.rounds)
            ]
            ratios = [round(100 * m["rps"] / c["rps"], 1) for c, m in rounds if c["rps"]]
            measured = {
                "scenario": kind,
                "rps": round(statistics.mean(m["rps"] for _, m in rounds), 1),
                "requests": sum(m["requests"] for _, m in rounds),
                "errors": sum(m["errors"] for _, m in rounds),
                "ceiling_rps": round(statistics.mean(c["rps"] for c, _ in rounds), 1),
                "rounds": [{"ceiling_rps": c["rps"], "rps": m["rps"]} for c, m in rounds],
                "round_ratios": ratios,
                "percent_of_ceiling": statistics.median(ratios) if ratios else 0,
            }
            results.append(measured)
            print(
                f"{kind:20s} {measured['rps']:8.1f} req/s   ceiling {measured['ceiling_rps']:8.1f} req/s   "
                f"{measured['percent_of_ceiling']:5.1f} % (median of {ratios})   errors {measured['errors']}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if options.output:
        database = "postgresql" if options.database else "sqlite"
        report = {"database": database, "server": server_config, "load": load, "results": results}
        Path(options.output).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
