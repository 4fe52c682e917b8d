"""How access tokens are stored: a client-credentials token (no identity, subject, family, source
refresh token or ID token) stays out of every index but its own keys, and the one-to-one links
django-oauth-toolkit declares stay one-to-one."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import Client as BrowserClient
from django.utils import timezone

from oauth2_app.models import AccessToken, RefreshToken
from tests.oauth2.conftest import register

pytestmark = pytest.mark.django_db

SPARSE_COLUMNS = ("user_id", "subject", "family", "source_refresh_token_id", "id_token_id")


def _client_credentials(client, scope="read"):
    response = BrowserClient().post(
        "/oauth2/token", {"grant_type": "client_credentials", "scope": scope}, HTTP_AUTHORIZATION=client.basic()
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _index_definitions(table: str) -> list[str]:
    """Every index on ``table`` as the database would recreate it (column-level UNIQUE included)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
            definitions = [sql for _, sql in cursor.fetchall() if sql]
            cursor.execute(f"PRAGMA index_list({table})")
            for _, name, _, origin, _ in cursor.fetchall():
                if origin == "u":  # a UNIQUE written on the column itself: an index over every row
                    cursor.execute(f"PRAGMA index_info({name})")
                    columns = ", ".join(row[2] for row in cursor.fetchall())
                    definitions.append(f"UNIQUE ({columns})")
            return definitions
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("column", SPARSE_COLUMNS)
def test_indexes_on_columns_a_client_credentials_token_leaves_empty_are_partial(column):
    covering = [d for d in _index_definitions(AccessToken._meta.db_table) if column in d.split("WHERE")[0]]
    assert covering, f"no index on {column}"
    for definition in covering:
        assert "WHERE" in definition and "NOT NULL" in definition.upper(), definition


def test_a_client_credentials_token_has_no_subject_and_introspects_as_its_client(machine_client, admin_api):
    value = _client_credentials(machine_client)
    row = AccessToken.objects.values(*[column.removesuffix("_id") for column in SPARSE_COLUMNS]).get(
        application=machine_client.model
    )
    assert set(row.values()) == {None}
    introspected = admin_api.post("/admin/oauth2/introspect", {"token": value}, format="multipart").json()
    assert introspected["active"] is True and introspected["sub"] == machine_client.client_id


def test_userinfo_of_a_client_credentials_token_names_the_client():
    client = register(grant_types=["client_credentials"], redirect_uris=[], scope="openid read")
    value = _client_credentials(client, scope="openid read")
    response = BrowserClient().get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {value}")
    assert response.status_code == 200, response.content
    assert response.json()["sub"] == client.client_id


def _refresh_token(client, **fields) -> RefreshToken:
    return RefreshToken.objects.create(application=client.model, token="", subject="user-1", **fields)


def _access_token(client, **fields) -> AccessToken:
    return AccessToken.objects.create(
        application=client.model, token="", expires=timezone.now() + timedelta(hours=1), scope="read", **fields
    )


def test_source_refresh_token_stays_one_to_one(web_client):
    spent = _refresh_token(web_client, token_checksum="a" * 64)
    successor = _access_token(web_client, token_checksum="b" * 64, source_refresh_token=spent, subject="user-1")
    for checksum in ("c" * 64, "d" * 64):  # any number of tokens without one
        _access_token(web_client, token_checksum=checksum)
    spent.refresh_from_db()
    assert spent.refreshed_access_token == successor  # the reverse accessor is one-to-one
    with pytest.raises(IntegrityError), transaction.atomic():
        _access_token(web_client, token_checksum="e" * 64, source_refresh_token=spent)


def test_empty_subjects_from_before_become_null():
    migration = importlib.import_module("oauth2_app.migrations.0004_sparse_token_indexes")
    client = register(grant_types=["client_credentials"], redirect_uris=[], scope="read")
    _access_token(client, token_checksum="f" * 64, subject="")
    _access_token(client, token_checksum="0" * 64, subject="user-1")
    migration.empty_subject_to_null(apps, None)
    assert dict(AccessToken.objects.values_list("token_checksum", "subject")) == {"f" * 64: None, "0" * 64: "user-1"}
    migration.null_subject_to_empty(apps, None)
    assert AccessToken.objects.get(token_checksum="f" * 64).subject == ""
