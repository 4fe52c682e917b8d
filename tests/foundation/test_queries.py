"""The hand-written reads of hot paths give the same instances the ORM would."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from identity_app.models import Identity
from oauth2_app.models import AccessToken, Client
from oauth2_app.services.clients import client_create
from ory_platform.queries import db_value, raw_all, raw_insert, raw_one, raw_one_related, raw_one_shared

pytestmark = pytest.mark.django_db


def _token(identity=None, *, checksum="c" * 64):
    client, _ = client_create(metadata={"grant_types": ["client_credentials"], "scope": "read"})
    return AccessToken.objects.create(
        user=identity,
        subject=str(identity.pk) if identity else client.client_id,
        application=client,
        token="",
        token_checksum=checksum,
        scope="read",
        audience=["https://api.example.com"],
        extra={"tenant": "acme", "level": 3},
        expires=timezone.now() + timedelta(hours=1),
    )


def test_raw_one_converts_columns_like_the_orm():
    identity = Identity.objects.create(traits={"email": "ada@example.com"}, metadata_public={"plan": "pro"})
    found = raw_one(Identity, "id = %s", [db_value(Identity, "id", identity.pk)])
    expected = Identity.objects.get(pk=identity.pk)
    for field in Identity._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found._state.adding is False and found._state.db == "default"
    assert raw_one(Identity, "id = %s", [db_value(Identity, "id", Identity().pk)]) is None


def test_raw_one_shared_reads_every_time_and_rebuilds_only_a_changed_row():
    client, _ = client_create(metadata={"grant_types": ["client_credentials"], "scope": "read"})
    lookup = ("client_id = %s", [client.client_id])
    first = raw_one_shared(Client, *lookup)
    expected = Client.objects.get(pk=client.pk)
    for field in Client._meta.concrete_fields:
        assert getattr(first, field.attname) == getattr(expected, field.attname), field.name
    with CaptureQueriesContext(connection) as queries:
        again = raw_one_shared(Client, *lookup)
    assert again is first and len(queries) == 1  # read again, not rebuilt
    Client.objects.filter(pk=client.pk).update(client_secret="rotated", scope="read write")
    changed = raw_one_shared(Client, *lookup)
    assert changed is not first
    assert (changed.client_secret, changed.scope) == ("rotated", "read write")
    Client.objects.filter(pk=client.pk).delete()
    assert raw_one_shared(Client, *lookup) is None


def test_raw_all_returns_every_match():
    first = Identity.objects.create(traits={"email": "a@example.com"}, state="inactive")
    Identity.objects.create(traits={"email": "b@example.com"})
    assert [row.pk for row in raw_all(Identity, "state = %s", ["inactive"])] == [first.pk]


def test_raw_one_related_reads_the_row_and_its_relations_in_one_statement():
    identity = Identity.objects.create(traits={"email": "ada@example.com"})
    token = _token(identity)
    with CaptureQueriesContext(connection) as queries:
        found = raw_one_related(AccessToken, "t.token_checksum = %s", ["c" * 64], ("application", "user"))
        assert found.pk == token.pk and found.extra == {"tenant": "acme", "level": 3}
        assert found.audience == ["https://api.example.com"] and found.expires == token.expires
        assert found.application.client_id == token.application.client_id
        assert found.user.pk == identity.pk and found.user.traits == {"email": "ada@example.com"}
    assert len(queries) == 1


def test_raw_one_related_gives_none_for_a_missing_relation_and_row():
    _token(None, checksum="d" * 64)
    found = raw_one_related(AccessToken, "t.token_checksum = %s", ["d" * 64], ("application", "user"))
    with CaptureQueriesContext(connection) as queries:
        assert found.user is None and found.application is not None
    assert len(queries) == 0
    assert raw_one_related(AccessToken, "t.token_checksum = %s", ["e" * 64], ("user",)) is None


def test_raw_insert_writes_what_save_would():
    client, _ = client_create(metadata={"grant_types": ["client_credentials"], "scope": "read"})
    token = AccessToken(
        subject=client.client_id,
        application=client,
        token="",
        token_checksum="f" * 64,
        scope="read",
        audience=["https://api.example.com"],
        extra={"tenant": "acme"},
        expires=timezone.now() + timedelta(hours=1),
    )
    empty = AccessToken(
        application=client, token="", token_checksum="a" * 64, scope="", expires=timezone.now() + timedelta(hours=1)
    )
    raw_insert(token)  # through the hot cursor, as on a hot path
    with CaptureQueriesContext(connection) as queries:
        raw_insert(empty)  # through Django's recording cursor
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    for written in (token, empty):
        stored = AccessToken.objects.get(pk=written.pk)
        assert written._state.adding is False and written.created is not None
        for field in AccessToken._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(written, field.attname), field.name
    assert (stored.audience, stored.extra, stored.subject) == ([], {}, None)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.parametrize("enabled", [True, False])
def test_hot_paths_run_as_prepared_statements_on_postgresql(settings, enabled):
    settings.DATABASE_PREPARED_STATEMENTS = enabled
    client, _ = client_create(metadata={"grant_types": ["client_credentials"], "scope": "read"})
    where = f"client_id = %s /* {uuid.uuid4().hex} */"  # a statement this session has not prepared yet
    for _ in range(2):
        assert raw_one_shared(Client, where, [client.client_id]).pk == client.pk
    prepared = [statement for statement in _prepared_statements() if where.replace("%s", "$1") in statement]
    assert len(prepared) == (1 if enabled else 0)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="placeholder conversion is SQLite's")
def test_hot_cursor_on_sqlite_converts_each_statement_once():
    from ory_platform import queries

    sql = f"SELECT %s, 'a%%b' /* {uuid.uuid4().hex} */"  # a literal % survives, as in Django's cursor
    for value in ("first", "second"):
        with queries.hot_cursor() as cursor:
            cursor.execute(sql, [value])
            assert cursor.fetchone() == (value, "a%b")
    assert queries._qmark_statements[sql] == sql.replace("%s", "?").replace("%%", "%")
    with queries.hot_cursor() as cursor:  # named parameters take Django's own conversion
        cursor.execute("SELECT %(name)s", {"name": "n"})
        assert cursor.fetchone() == ("n",)
    with CaptureQueriesContext(connection) as captured, queries.hot_cursor() as cursor:
        cursor.execute(sql, ["logged"])  # while queries are recorded, Django's recording cursor
    assert captured.captured_queries and "logged" in captured.captured_queries[0]["sql"]


def test_hot_cursor_keeps_djangos_checks_on_every_statement():
    from ory_platform import queries

    with pytest.raises(DatabaseError) as raised, transaction.atomic(), queries.hot_cursor() as cursor:
        cursor.execute("SELECT id FROM no_such_table WHERE id = %s", [1])
    assert type(raised.value).__module__ == "django.db.utils"  # the driver's error, as Django's
    with transaction.atomic():
        transaction.set_rollback(True)  # as after an error caught inside the block
        with pytest.raises(TransactionManagementError), queries.hot_cursor() as cursor:
            cursor.execute("SELECT %s", [1])


def test_hot_cursor_statements_pass_through_execute_wrappers():
    from ory_platform import queries

    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record), queries.hot_cursor() as cursor:
        cursor.execute("SELECT %s", [7])
        assert cursor.fetchone() == (7,)
    assert seen == ["SELECT %s"]


def _comparable(value):
    return getattr(value, "obj", value)  # psycopg's Jsonb wrapper has no equality of its own


@pytest.mark.parametrize("model", [AccessToken, Client, Identity])
def test_raw_insert_prepares_every_column_as_django_does(model):
    from ory_platform.queries import _save_preparer

    identity = Identity.objects.create(traits={"email": "ada@example.com"})
    builders = {AccessToken: lambda: _token(identity), Client: lambda: _token().application, Identity: lambda: identity}
    instance = builders[model]()
    odd_values = [None, "5f0c4a3e-2f36-4d47-9d43-7b1e0d1a9c11", 5, {"a": [1, 2]}, ["x"], timezone.now()]
    for field in model._meta.local_concrete_fields:
        prepare = _save_preparer(connection, field)
        for value in [getattr(instance, field.attname), *odd_values]:
            try:
                expected = field.get_db_prep_save(value, connection)
            except (TypeError, ValueError, AttributeError, ValidationError):
                continue  # a value this field rejects is not a value it is saved with
            assert _comparable(prepare(value)) == _comparable(expected), (field.name, value)


def test_new_row_is_the_instance_keywords_would_build():
    from ory_platform.queries import new_row

    client = _token().application
    token_id, expires = uuid.uuid4(), timezone.now() + timedelta(hours=1)
    values = {"id": token_id, "scope": "read", "expires": expires, "audience": ["a"], "token_checksum": "d" * 64}
    built = new_row(AccessToken, application_id=client.pk, **values)
    expected = AccessToken(application=client, **values)
    for field in AccessToken._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(expected, field.attname), field.name
    assert built._state.adding and built.application == client  # the relation reads by id
    with pytest.raises(TypeError, match="scopes"):
        new_row(AccessToken, scopes="read")


def test_raw_insert_runs_pre_save_only_where_a_field_computes_its_value():
    from django.db import models

    from ory_platform.queries import _computes_on_save

    class Stamped(models.DateTimeField):
        def pre_save(self, model_instance, add):
            return timezone.now()

    computes = {field.name: _computes_on_save(field) for field in AccessToken._meta.concrete_fields}
    computed = {name for name, computes_value in computes.items() if computes_value}
    assert computed == {"created", "updated", "token_checksum", "resource"}
    assert _computes_on_save(Stamped()) and not _computes_on_save(models.DateTimeField())
