"""Django's PostgreSQL engine with the socket-level health check of :mod:`ory_platform.db_backends.health`
and no LIKE indexes (:mod:`ory_platform.db_backends.postgresql.schema`)."""

from django.db.backends.postgresql import base

from ory_platform.db_backends.health import SocketHealthCheck
from ory_platform.db_backends.postgresql.schema import DatabaseSchemaEditor


class DatabaseWrapper(SocketHealthCheck, base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
