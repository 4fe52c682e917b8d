"""A per-request connection health check without a round trip to the database.

Django (``CONN_HEALTH_CHECKS``) checks a kept connection before its first use in each request by
sending ``SELECT 1``: on an indexed read that is a second round trip, as much again as the read.
A connection that went bad says so on its socket: when the server shuts down, restarts or ends
the session (``pg_terminate_backend``, a crash), the socket turns readable with the server's
last message or the end of the stream, while an idle, healthy connection has nothing to read. So
an idle connection whose socket has nothing waiting is taken as usable, and only one with
something waiting (or in a transaction, or closed) gets Django's ``SELECT 1``. A connection that
died silently (a network path lost without a reset) would not show; neither does it answer
``SELECT 1`` in time, and ``CONN_MAX_AGE`` (60 s by default) bounds how long one is kept.
"""

from __future__ import annotations

import select

from psycopg.pq import ConnStatus, TransactionStatus


def _nothing_to_read(fileno: int) -> bool:
    poller = select.poll()
    poller.register(fileno, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return not poller.poll(0)


class SocketHealthCheck:
    """Mixed into a psycopg-based ``DatabaseWrapper`` ahead of it."""

    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed or raw.pgconn.status != ConnStatus.OK:
            return False
        try:
            idle = raw.info.transaction_status == TransactionStatus.IDLE
            if idle and _nothing_to_read(raw.fileno()):
                return True
        except (OSError, ValueError):
            return False
        return super().is_usable()
