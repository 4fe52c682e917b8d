"""django-cockroachdb's engine with the socket-level health check of :mod:`ory_platform.db_backends.health`."""

from django_cockroachdb import base

from ory_platform.db_backends.health import SocketHealthCheck


class DatabaseWrapper(SocketHealthCheck, base.DatabaseWrapper):
    pass
