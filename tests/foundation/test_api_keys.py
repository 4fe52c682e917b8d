"""Admin API keys: issuing, verifying, revoking, and the console."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ory_platform.api_keys import api_key_create, api_key_revoke, api_key_verify
from ory_platform.errors import Conflict
from ory_platform.models import ApiKey
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.urls")]


def test_create_command_prints_the_key_once_as_the_last_line():
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "ci-robot", stdout=out, stderr=err)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("ory_ak_")
    api_key = ApiKey.objects.get(name="ci-robot")
    # Only a hash is stored; no column holds the key or its secret part.
    assert api_key.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    secret_part = key.rsplit("_", 1)[1]
    for field in ApiKey._meta.concrete_fields:
        assert secret_part not in str(getattr(api_key, field.attname))
    assert api_key_verify(key) == api_key


def test_revoke_command_stops_the_key(api_key_secret, client):
    assert client.get("/admin/test-echo", HTTP_AUTHORIZATION=f"Bearer {api_key_secret}").status_code == 200
    call_command("revoke_api_key", "test-suite", stdout=StringIO())
    response = client.get("/admin/test-echo", HTTP_AUTHORIZATION=f"Bearer {api_key_secret}")
    assert response.status_code == 401
    assert response.json()["error"]["id"] == "unauthorized"


def test_revoking_an_unknown_name_fails():
    with pytest.raises(CommandError):
        call_command("revoke_api_key", "nobody", stdout=StringIO())


def test_names_are_unique_among_active_keys_and_reusable_after_revocation():
    api_key_create(name="deployer")
    with pytest.raises(Conflict):
        api_key_create(name="deployer")
    api_key_revoke(name="deployer")
    assert api_key_create(name="deployer").api_key.is_active


def test_valid_key_authenticates(client, api_key_secret):
    response = client.get("/admin/test-echo", HTTP_AUTHORIZATION=f"Bearer {api_key_secret}")
    assert response.status_code == 200
    assert response.json() == {"api_key": "test-suite"}


def test_scheme_is_case_insensitive(client, api_key_secret):
    assert client.get("/admin/test-echo", HTTP_AUTHORIZATION=f"bearer {api_key_secret}").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer ory_ak_short_x",
        "Bearer ory_ak_aaaaaaaaaa_" + "x" * 43,
        "Bearer ory_ak_" + "a" * 500,
    ],
)
def test_missing_or_bad_keys_get_401(client, api_key_secret, header):
    kwargs = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/admin/test-echo", **kwargs)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401


def test_right_prefix_with_wrong_secret_is_refused(client, api_key_secret):
    tampered = api_key_secret[:-4] + ("AAAA" if not api_key_secret.endswith("AAAA") else "BBBB")
    assert client.get("/admin/test-echo", HTTP_AUTHORIZATION=f"Bearer {tampered}").status_code == 401


def test_last_used_is_recorded_but_not_written_on_every_request(client, api_key_secret, settings):
    settings.API_KEY_CACHE_SECONDS = 0  # read the key every time, to see what is written
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key_secret}"}
    client.get("/admin/test-echo", **auth)
    first_use = ApiKey.objects.get().last_used_at
    assert first_use is not None

    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/test-echo", **auth)
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert ApiKey.objects.get().last_used_at == first_use

    ApiKey.objects.update(last_used_at=timezone.now() - timedelta(minutes=5))
    client.get("/admin/test-echo", **auth)
    assert ApiKey.objects.get().last_used_at > first_use


def test_console_creates_a_key_and_shows_the_secret_once(client, staff_identity):
    sign_in(client, staff_identity)
    response = client.post("/console/ory_platform/apikey/add/", {"name": "from-console"})
    assert response.status_code == 200
    page = response.content.decode()
    api_key = ApiKey.objects.get(name="from-console")
    start = page.index('value="ory_ak_') + len('value="')
    secret = page[start : page.index('"', start)]
    assert api_key_verify(secret) == api_key
    # The change page never shows it again.
    assert secret not in client.get(f"/console/ory_platform/apikey/{api_key.pk}/change/").content.decode()


def test_console_revokes_keys(client, staff_identity, api_key_secret):
    sign_in(client, staff_identity)
    api_key = ApiKey.objects.get(name="test-suite")
    response = client.post(
        "/console/ory_platform/apikey/",
        {"action": "revoke_keys", "_selected_action": [str(api_key.pk)]},
        follow=True,
    )
    assert b"Revoked 1 API key" in response.content
    assert api_key_verify(api_key_secret) is None


def test_a_verified_key_is_remembered_briefly_and_forgotten_on_revocation(client, api_key_secret):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key_secret}"}
    assert client.get("/admin/test-echo", **auth).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/test-echo", **auth).status_code == 200
    assert not [q for q in queries.captured_queries if "apikey" in q["sql"].lower()]
    api_key_revoke(name="test-suite")
    assert client.get("/admin/test-echo", **auth).status_code == 401


def test_key_cache_can_be_turned_off(client, api_key_secret, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key_secret}"}
    client.get("/admin/test-echo", **auth)
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/test-echo", **auth)
    assert [q for q in queries.captured_queries if "apikey" in q["sql"].lower()]
