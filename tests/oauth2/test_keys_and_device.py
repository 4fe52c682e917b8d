"""Signing keys (encrypted at rest, kid, rotation, JWKS), discovery, the device flow and identity signals."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as BrowserClient
from django.utils import timezone

from identity_app import signals as identity_signals
from oauth2_app.keys import signing_key_active
from oauth2_app.models import AccessToken, DeviceGrant, SigningKey
from tests.conftest import sign_in
from tests.oauth2.conftest import (
    authorization_code_via_builtin_pages,
    exchange_code,
    query_of,
    register_device_client,
)

pytestmark = pytest.mark.django_db


def _kid(jwt_value: str) -> str:
    return json.loads(base64.urlsafe_b64decode(jwt_value.split(".")[0] + "=="))["kid"]


def test_signing_key_is_created_once_and_encrypted_at_rest():
    kid, key = signing_key_active()
    assert signing_key_active()[0] == kid
    row = SigningKey.objects.get()
    assert row.private_key_encrypted.startswith("v1:")
    assert b"PRIVATE KEY" not in base64.b64decode(row.private_key_encrypted[3:])
    assert "d" not in row.public_jwk and row.public_jwk["kid"] == kid and row.public_jwk["alg"] == "RS256"
    assert key.has_private


def test_rotation_keeps_old_key_published_until_it_expires(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    old_kid = _kid(exchange_code(web_client, code, verifier).json()["id_token"])
    out = StringIO()
    call_command("rotate_signing_keys", stdout=out)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    new_kid = _kid(exchange_code(web_client, code, verifier).json()["id_token"])
    assert new_kid != old_kid and new_kid in out.getvalue()
    published = [key["kid"] for key in browser.get("/.well-known/jwks.json").json()["keys"]]
    assert set(published) == {old_kid, new_kid}
    assert all("d" not in key for key in browser.get("/.well-known/jwks.json").json()["keys"])
    SigningKey.objects.filter(kid=old_kid).update(publish_until=timezone.now() - timedelta(seconds=1))
    assert [key["kid"] for key in browser.get("/.well-known/jwks.json").json()["keys"]] == [new_kid]
    call_command("rotate_signing_keys", "--prune", stdout=StringIO())
    assert not SigningKey.objects.filter(kid=old_kid).exists()


def test_admin_key_set_api(admin_api):
    kid, _ = signing_key_active()
    assert [k["kid"] for k in admin_api.get("/admin/keys/hydra.openid.id-token").json()["keys"]] == [kid]
    created = admin_api.post("/admin/keys/hydra.openid.id-token", {"alg": "RS256", "use": "sig"}, format="json")
    assert created.status_code == 201
    assert admin_api.post("/admin/keys/hydra.openid.id-token", {"alg": "HS256"}, format="json").status_code == 400
    assert admin_api.get("/admin/keys/other").status_code == 404


def test_discovery_document_has_what_the_sdk_requires():
    from ory_hydra_client.models.oidc_configuration import OidcConfiguration

    body = BrowserClient().get("/.well-known/openid-configuration").json()
    config = OidcConfiguration.from_dict(body)
    assert config.issuer == "http://127.0.0.1:8000"
    assert config.device_authorization_endpoint == "http://127.0.0.1:8000/oauth2/device/auth"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["authorization_response_iss_parameter_supported"] is True
    assert body["response_types_supported"] == ["code"]


def _device_auth(form: dict, **headers):
    from urllib.parse import urlencode

    return BrowserClient().post(
        "/oauth2/device/auth", urlencode(form), content_type="application/x-www-form-urlencoded", **headers
    )


def _device_client():
    return register_device_client()


def _poll(client, device_code):
    return BrowserClient().post(
        "/oauth2/token",
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device_code,
            "client_id": client.client_id,
        },
    )


def test_device_flow_through_builtin_pages(identity, admin_api):
    client = _device_client()
    started = _device_auth({"client_id": client.client_id, "scope": "openid offline_access email"})
    assert started.status_code == 200, started.content
    body = started.json()
    assert body["verification_uri"] == "http://127.0.0.1:8000/oauth2/device/verify"
    assert body["verification_uri_complete"].endswith(f"user_code={body['user_code']}")
    assert not DeviceGrant.objects.filter(device_code=body["device_code"]).exists()  # stored hashed
    assert _poll(client, body["device_code"]).json()["error"] == "authorization_pending"
    assert _poll(client, body["device_code"]).json()["error"] == "slow_down"

    browser = BrowserClient()
    sign_in(browser, identity)
    page = browser.get("/oauth2/device/verify", {"user_code": body["user_code"]})
    assert page.status_code == 200 and body["user_code"].encode() in page.content
    wrong = browser.post("/oauth2/device/verify", {"user_code": "NOPE1234"})
    assert wrong.status_code == 400 and b"not valid" in wrong.content
    response = browser.post("/oauth2/device/verify", {"user_code": body["user_code"].lower()})
    for _ in range(4):
        response = browser.get(response["Location"])
        if response.status_code != 302:
            break
    consent_challenge = query_of(response.wsgi_request.get_full_path())["consent_challenge"]
    response = browser.post("/oauth2/fallbacks/consent", {"consent_challenge": consent_challenge, "action": "allow"})
    done = browser.get(response["Location"])
    assert done.status_code == 200 and b"Device connected" in done.content

    DeviceGrant.objects.update(last_checked=timezone.now() - timedelta(seconds=10))
    tokens = _poll(client, body["device_code"])
    assert tokens.status_code == 200, tokens.content
    tokens = tokens.json()
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)
    introspected = admin_api.post(
        "/admin/oauth2/introspect", {"token": tokens["access_token"]}, format="multipart"
    ).json()
    assert introspected["sub"] == str(identity.pk)
    replay = _poll(client, body["device_code"])
    assert replay.json()["error"] == "invalid_grant"
    assert admin_api.post("/admin/oauth2/introspect", {"token": tokens["access_token"]}, format="multipart").json() == {
        "active": False
    }


def test_device_flow_denied(identity):
    client = _device_client()
    body = _device_auth({"client_id": client.client_id, "scope": "openid"}).json()
    browser = BrowserClient()
    sign_in(browser, identity)
    response = browser.post("/oauth2/device/verify", {"user_code": body["user_code"]})
    for _ in range(4):
        response = browser.get(response["Location"])
        if response.status_code != 302:
            break
    consent_challenge = query_of(response.wsgi_request.get_full_path())["consent_challenge"]
    response = browser.post("/oauth2/fallbacks/consent", {"consent_challenge": consent_challenge, "action": "deny"})
    assert b"not connected" in browser.get(response["Location"]).content
    assert _poll(client, body["device_code"]).json()["error"] == "access_denied"


@pytest.mark.parametrize(
    ("form", "error"),
    [({"client_id": "unknown"}, "invalid_request"), ({"scope": "admin"}, "invalid_scope")],
)
def test_device_authorization_errors(form, error):
    client = _device_client()
    response = _device_auth({"client_id": client.client_id, **form})
    assert response.status_code in (400, 401)
    assert response.json()["error"] == error


def test_device_grant_needs_the_client_to_allow_it(web_client):
    response = _device_auth({"client_id": web_client.client_id}, HTTP_AUTHORIZATION=web_client.basic())
    assert response.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("signal", [identity_signals.identity_deactivated, identity_signals.identity_deleted])
def test_identity_signals_revoke_everything(identity, web_client, admin_api, signal):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client, remember=True)
    tokens = exchange_code(web_client, code, verifier).json()
    signal.send(sender=None, identity_id=identity.pk)
    assert not AccessToken.objects.exists()
    assert admin_api.post(
        "/admin/oauth2/introspect", {"token": tokens["refresh_token"]}, format="multipart"
    ).json() == {"active": False}
    assert admin_api.get(f"/admin/oauth2/auth/sessions/consent?subject={identity.pk}").json() == []


def test_builtin_login_requires_fresh_login_for_prompt_login(identity, web_client, settings):
    from tests.oauth2.conftest import authorize_params, pkce_pair

    browser = BrowserClient()
    sign_in(browser, identity)
    type(identity).objects.filter(pk=identity.pk).update(last_login=timezone.now() - timedelta(hours=1))
    _, challenge = pkce_pair()
    response = browser.get("/oauth2/auth", authorize_params(web_client, challenge, prompt="login"))
    login = browser.get(response["Location"])
    assert login["Location"].startswith(settings.OAUTH2_IDENTITY_LOGIN_URL)
    assert query_of(login["Location"])["refresh"] == "true"


def test_a_changed_encryption_secret_is_reported_clearly(settings):
    from django.core.exceptions import ImproperlyConfigured

    from oauth2_app import keys

    kid, _ = signing_key_active()
    keys._cache.clear()
    settings.OAUTH2_KEY_ENCRYPTION_SECRET = "another-secret-another-secret-another-secret"
    with pytest.raises(ImproperlyConfigured, match="rotate_signing_keys"):
        signing_key_active()
    keys.signing_key_rotate()
    assert signing_key_active()[0] != kid


def test_user_code_guessing_is_rate_limited(identity, settings):
    from django.core.cache import cache

    cache.clear()
    settings.OAUTH2_DEVICE_VERIFY_ATTEMPTS = 3
    browser = BrowserClient()
    sign_in(browser, identity)
    statuses = [browser.post("/oauth2/device/verify", {"user_code": f"WRONG{n:03d}"}).status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    cache.clear()
