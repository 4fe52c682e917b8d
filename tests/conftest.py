"""Fixtures and factories shared by every test folder."""

from __future__ import annotations

import factory
import pytest
from django.db import connection
from rest_framework.test import APIClient

from identity_app.models import Identity
from ory_platform.api_keys import api_key_create


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    schema_id = "default"
    traits = factory.Sequence(
        lambda n: {"email": f"user{n}@example.com", "name": {"first": "Test", "last": f"User{n}"}}
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttling counters live in the cache, verified API keys in process memory: each test
    starts with neither."""
    from django.core.cache import cache

    from ory_platform.api_keys import forget_verified_keys

    cache.clear()
    forget_verified_keys()
    yield
    cache.clear()
    forget_verified_keys()


@pytest.fixture(autouse=True)
def _live_server_threads_keep_no_connection(request, monkeypatch):
    """A live server's request threads close their database connection after each request (as a
    server with CONN_MAX_AGE=0 would): a thread still holding a client's keep-alive connection at
    the end of the run would otherwise keep a session open on the test database being dropped."""
    if "live_server" in request.fixturenames:
        from django.db import connections

        monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


@pytest.fixture(scope="session", autouse=True)
def _live_server_threads_leave_the_shared_sqlite_connection_alone():
    """On in-memory SQLite the live server's request threads use the test thread's connection
    (pytest-django shares it for the session). A request thread still finishing a client's
    keep-alive connection when the session's last test stops the server would try to close that
    connection after the sharing ended and print a thread-exception warning; closing it is the
    test thread's business (and a no-op for an in-memory database anyway). The patch stays for the
    rest of the process: such a thread can finish after every fixture has been torn down."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import DatabaseError, connections

    close_connections = ThreadedWSGIServer._close_connections

    def close_own_connections(server):
        try:
            close_connections(server)
        except DatabaseError as error:
            # Not is_in_memory_db(): by then pytest-django may have put the settings' NAME back.
            shared = any(db.vendor == "sqlite" for db in connections.all())
            if not (shared and "can only be used in that same thread" in str(error)):
                raise

    ThreadedWSGIServer._close_connections = close_own_connections  # Django's hook for tests


@pytest.fixture
def identity(db) -> Identity:
    return IdentityFactory()


@pytest.fixture
def staff_identity(db) -> Identity:
    return IdentityFactory(is_staff=True, is_superuser=True, traits={"email": "staff@example.com"})


@pytest.fixture
def api_key_secret(db) -> str:
    return api_key_create(name="test-suite").secret


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_api(api_key_secret) -> APIClient:
    """An API client that sends a valid admin API key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_secret}")
    return client


def sign_in(client, identity: Identity, *, method: str = "password"):
    """Give ``client`` (Django's test client) a session cookie for ``identity``; returns the issued session."""
    from django.conf import settings

    from identity_app.services.sessions import ClientInfo, session_issue

    issued = session_issue(identity=identity, method=method, client=ClientInfo(ip_address="127.0.0.1"))
    client.cookies[settings.IDENTITY_SESSION_COOKIE_NAME] = issued.token
    return issued


@pytest.fixture
def staff_client(client, staff_identity):
    sign_in(client, staff_identity)
    return client


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` run only when the suite runs against PostgreSQL."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine or "cockroach" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
