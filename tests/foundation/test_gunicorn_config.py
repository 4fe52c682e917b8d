"""The production gunicorn configuration: the application is imported once, in the master, and the
workers forked from it must not inherit a database connection."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "ory_platform" / "gunicorn.conf.py"


def _environment(tmp_path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "GUNICORN_CMD_ARGS")}
    environment.update(
        DJANGO_SETTINGS_MODULE="ory_platform.settings",
        SECRET_KEY="gunicorn-config-test-secret-key-0123456789abcdefghijklmnop",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LOG_LEVEL="WARNING",
    )
    return environment


def test_importing_the_application_and_its_url_map_opens_no_database_connection(tmp_path):
    # What the master does before forking: import the WSGI application, then run when_ready.
    script = (
        "import runpy; from django.db import connections; "
        f"config = runpy.run_path({str(CONFIG)!r}); "
        "assert config['preload_app'] is True; "
        "import ory_platform.wsgi; config['when_ready'](None); "
        "import sys; assert 'oauth2_app.views.endpoints' in sys.modules; "
        "open_ = [c.alias for c in connections.all() if c.connection is not None]; "
        "assert not open_, open_; print('no connection')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=_environment(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "no connection" in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _serving(tmp_path, workers: int):
    """gunicorn with the production config on a free port; yields (port, server process)."""
    port = _free_port()
    environment = {k: v for k, v in _environment(tmp_path).items() if k not in ("WEB_CONCURRENCY", "GUNICORN_THREADS")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield port, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_forked_workers_serve_requests(tmp_path):
    with _serving(tmp_path, workers=2) as (port, server):
        statuses = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(statuses) < 4:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health/alive")
                statuses.append(connection.getresponse().status)
                connection.close()
            except OSError:
                time.sleep(0.1)
        assert statuses == [200, 200, 200, 200]


def test_workers_keep_connections_alive_between_requests(tmp_path):
    # API clients (the Ory SDKs, load balancers) reuse connections; gunicorn's sync worker would
    # close each one after a single request.
    with _serving(tmp_path, workers=1) as (port, server):
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.connect()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        socket_used = connection.sock
        for _ in range(3):
            connection.request("GET", "/health/alive")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            assert connection.sock is socket_used
        connection.close()
