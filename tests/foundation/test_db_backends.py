"""The PostgreSQL engine's health check: no round trip for a healthy idle connection, and a
connection the server ended is replaced before a request uses it (no error reaches the client)."""

from __future__ import annotations

import io
import select
import sys

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgres

pytestmark = pytest.mark.postgres


def _get(handler: WSGIHandler, path: str) -> str:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }
    statuses = []
    b"".join(handler(environ, lambda status, headers, *args: statuses.append(status)))
    return statuses[0]


def _terminate_ours() -> int:
    """End this test's session from another one, as a restart or an administrator would; returns
    once the server's goodbye has reached our socket (so the test does not race it)."""
    settings, raw = connection.settings_dict, connection.connection
    pid = raw.info.backend_pid
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    poller = select.poll()
    poller.register(raw.fileno(), select.POLLIN)
    assert poller.poll(5000), "the server did not end the session"
    return pid


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_next_request_uses_it():
    # Through Django's own WSGI handler: it runs the per-request connection checks (the test
    # client leaves them out).
    handler = WSGIHandler()
    assert _get(handler, "/health/ready").startswith("200")
    old_pid = _terminate_ours()
    assert _get(handler, "/health/ready").startswith("200")
    assert connection.connection.info.backend_pid != old_pid


@pytest.mark.django_db(transaction=True)
def test_a_healthy_idle_connection_is_checked_without_a_query(monkeypatch):
    connection.ensure_connection()
    asked = []
    monkeypatch.setattr(DjangoPostgres, "is_usable", lambda self: asked.append(1) or True)
    assert connection.is_usable() is True and asked == []
    _terminate_ours()
    monkeypatch.undo()
    assert connection.is_usable() is False  # something waited on the socket: asked, and refused
    connection.close()


def _pattern_ops_indexes(tables: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef ~ '(varchar|text)_pattern_ops'",
            [tables],
        )
        return [row[0] for row in cursor.fetchall()]


def _platform_tables() -> list[str]:
    from django.apps import apps

    labels = ("identity_app", "oauth2_app", "permissions_app", "ory_platform")
    return [model._meta.db_table for label in labels for model in apps.get_app_config(label).get_models()]


@pytest.mark.django_db
def test_the_engine_gives_text_columns_no_like_index():
    # The test database was built by the migrations through this engine: tokens, hashes and
    # challenges keep their unique or plain indexes and get no second one for LIKE.
    assert _pattern_ops_indexes(_platform_tables()) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'sessions'")
        assert any("token_hash" in definition for (definition,) in cursor.fetchall())


@pytest.mark.django_db
def test_the_migration_drops_like_indexes_made_before():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ory_platform.migrations.0002_drop_like_indexes")
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX sessions_token_hash_old_like ON sessions (token_hash varchar_pattern_ops)")
    assert _pattern_ops_indexes(["sessions"]) == ["sessions_token_hash_old_like"]
    with connection.schema_editor() as schema_editor:
        migration.drop_like_indexes(apps, schema_editor)
    assert _pattern_ops_indexes(_platform_tables()) == []
