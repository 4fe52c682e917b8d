"""``/oauth2/register``: OpenID Connect Dynamic Client Registration 1.0 and RFC 7592, off by default."""

from __future__ import annotations

import base64

import pytest
from django.test import Client as BrowserClient

from oauth2_app.flows import secret_digest
from oauth2_app.models import Client
from tests.oauth2.conftest import register

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "client_name": "Self-registered",
    "redirect_uris": ["https://rp.example.com/cb"],
    "grant_types": ["authorization_code", "refresh_token"],
    "scope": "openid email",
}


@pytest.fixture
def enabled(settings):
    settings.OAUTH2_DYNAMIC_CLIENT_REGISTRATION = True


def _http():
    return BrowserClient()


def _register(body: dict):
    return _http().post("/oauth2/register", body, content_type="application/json")


def _with_token(method: str, client_id: str, token: str | None, body: dict | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    call = getattr(_http(), method)
    if body is None:
        return call(f"/oauth2/register/{client_id}", **headers)
    return call(f"/oauth2/register/{client_id}", body, content_type="application/json", **headers)


def test_registration_is_off_by_default():
    response = _register(REGISTRATION)
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "Dynamic registration is not enabled."
    assert _with_token("get", "anything", "token").status_code == 404
    assert "registration_endpoint" not in _http().get("/.well-known/openid-configuration").json()
    assert not Client.objects.exists()


def test_register_read_replace_delete(enabled):
    created = _register({**REGISTRATION, "client_id": "chosen-by-me"})
    assert created.status_code == 201, created.content
    body = created.json()
    client_id, token = body["client_id"], body["registration_access_token"]
    assert client_id != "chosen-by-me" and body["client_secret"] and token.startswith("ory_at_")
    assert body["registration_client_uri"] == f"http://127.0.0.1:8000/oauth2/register/{client_id}"
    assert body["metadata"] is None and body["client_name"] == "Self-registered"
    stored = Client.objects.get(client_id=client_id)
    assert stored.registration_access_token_hash == secret_digest(token)  # kept as a hash only
    assert _http().get("/.well-known/openid-configuration").json()["registration_endpoint"] == (
        "http://127.0.0.1:8000/oauth2/register"
    )

    # The client works: its secret authenticates it (RFC 7009 revocation answers 200 to a known client).
    basic = "Basic " + base64.b64encode(f"{client_id}:{body['client_secret']}".encode()).decode()
    revoke = {"token": "not-a-token"}
    assert _http().post("/oauth2/revoke", revoke, HTTP_AUTHORIZATION=basic).status_code == 200
    assert _http().post("/oauth2/revoke", revoke, HTTP_AUTHORIZATION=basic[:-4] + "AAA=").status_code == 401

    read = _with_token("get", client_id, token)
    assert read.status_code == 200 and "client_secret" not in read.json() and read.json()["metadata"] is None

    replaced = _with_token("put", client_id, token, {**REGISTRATION, "client_name": "Renamed"})
    assert replaced.status_code == 200, replaced.content
    new_token = replaced.json()["registration_access_token"]
    assert new_token != token and replaced.json()["client_name"] == "Renamed"
    assert _with_token("get", client_id, token).status_code == 401  # the old token is spent
    assert _with_token("get", client_id, new_token).status_code == 200
    # Replacing the registration kept the secret.
    assert _http().post("/oauth2/revoke", revoke, HTTP_AUTHORIZATION=basic).status_code == 200

    assert _with_token("delete", client_id, new_token).status_code == 204
    assert not Client.objects.filter(client_id=client_id).exists()
    assert _with_token("get", client_id, new_token).status_code == 401


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"client_secret": "s" * 40}, 400),
        ({"metadata": {"tier": "gold"}}, 400),
        ({"skip_consent": True}, 400),
        ({"skip_logout_consent": True}, 400),
        ({"access_token_strategy": "jwt"}, 400),
        ({"redirect_uris": ["https://rp.example.com/cb#fragment"]}, 400),
        ({"grant_types": ["implicit"]}, 400),
        ({"grant_types": ["client_credentials"]}, 400),
        ({"audience": ["https://api.example.com"]}, 400),
    ],
)
def test_what_a_registration_may_not_choose(enabled, extra, status):
    response = _register({**REGISTRATION, **extra})
    assert response.status_code == status, response.content
    assert "error" in response.json()
    assert not Client.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(enabled):
    response = _http().post("/oauth2/register", "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == 400
    response = _http().post("/oauth2/register", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Client.objects.exists()


def test_the_registration_token_is_the_only_way_in(enabled):
    body = _register(REGISTRATION).json()
    admin_registered = register()
    refusals = [
        _with_token("get", body["client_id"], None),
        _with_token("get", body["client_id"], "ory_at_wrong"),
        _with_token("get", "no-such-client", body["registration_access_token"]),
        _with_token("get", admin_registered.client_id, body["registration_access_token"]),
        _with_token("get", admin_registered.client_id, ""),
        _with_token("delete", admin_registered.client_id, body["registration_access_token"]),
    ]
    assert [r.status_code for r in refusals] == [401] * len(refusals)
    assert len({r.json()["error"]["reason"] for r in refusals}) == 1  # the same answer for every case
    assert Client.objects.filter(client_id=admin_registered.client_id).exists()


def test_a_registration_may_not_change_its_secret(enabled):
    body = _register(REGISTRATION).json()
    response = _with_token(
        "put", body["client_id"], body["registration_access_token"], {**REGISTRATION, "client_secret": "x" * 40}
    )
    assert response.status_code == 403
    assert _with_token("get", body["client_id"], body["registration_access_token"]).status_code == 200
