"""gunicorn settings for production: ``gunicorn -c ory_platform/gunicorn.conf.py``.

Values can be overridden with GUNICORN_CMD_ARGS (gunicorn's own mechanism) or flags.
"""

import multiprocessing
import os

wsgi_app = "ory_platform.wsgi:application"
bind = os.environ.get("BIND", "0.0.0.0:8000")
# Python runs one thread of a process at a time (the GIL): for this CPU-bound application processes,
# not threads, use the cores. Each worker handles one request at a time and parks its idle keep-alive
# connections in gthread's poller (the sync worker would close every connection after one request).
# Measured on 2 cores with SQLite (bench/oauth2.py, 5 workers): one thread per worker instead of two
# issued 9 % more client-credentials tokens a second (a second thread takes the GIL on the other core
# whenever the first waits on the database, and the request's memory follows it between the cores'
# caches); introspection and a trivial view served the same, userinfo within run-to-run noise. With a
# database far away (a round trip of a millisecond or more), more threads or workers keep the cores busy
# while requests wait.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Heartbeat files on tmpfs, so a slow disk cannot stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
timeout = 30
graceful_timeout = 20
keepalive = 5
# The application (Django, its apps, the URL map) is imported once, in the master, and every worker
# is forked from it: starting a worker costs a fork, not a second of imports during which it serves
# nothing, and the workers share the imported code's memory. Nothing connects to the database at
# import (tests/foundation/test_gunicorn_config.py), so no connection is shared.
preload_app = True
# Workers are not recycled after a number of requests unless asked (GUNICORN_MAX_REQUESTS): a
# recycled worker drops the keep-alive connections it holds, and their clients reconnect to the
# workers still running, which then carry the load while the new one idles (measured: throughput
# down by a third to a half for seconds after each recycle). Nothing here is known to leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = None  # the application writes its own JSON access log
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server) -> None:
    """Import the URL map (and with it every view module) in the master, before the first fork."""
    import importlib

    from django.conf import settings

    importlib.import_module(settings.ROOT_URLCONF)
