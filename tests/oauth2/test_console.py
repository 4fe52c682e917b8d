"""The staff console: clients (secret once, rotate), consent sessions, tokens, signing keys."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient

from oauth2_app.models import AccessToken, Client
from tests.conftest import sign_in
from tests.oauth2.conftest import authorization_code_via_builtin_pages, exchange_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(staff_identity) -> BrowserClient:
    browser = BrowserClient()
    sign_in(browser, staff_identity)
    return browser


def test_create_client_shows_secret_once(console):
    response = console.post(
        "/console/oauth2_app/client/add/",
        {
            "name": "Console App",
            "redirect_uris_text": "https://console-app.example.com/cb",
            "grant_types_choice": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid offline_access",
            "owner": "",
            "logo_uri": "",
        },
    )
    assert response.status_code == 200, response.content
    client = Client.objects.get(name="Console App")
    html = response.content.decode()
    assert client.client_id in html and "Client secret" in html
    assert client.client_secret.split("$")[-1] not in html
    detail = console.get(f"/console/oauth2_app/client/{client.pk}/change/").content.decode()
    assert "oauth2_client_secret_sha256" not in detail


def test_invalid_client_form_writes_nothing(console):
    response = console.post(
        "/console/oauth2_app/client/add/",
        {
            "name": "Bad",
            "redirect_uris_text": "not-a-url",
            "grant_types_choice": ["authorization_code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "",
            "owner": "",
            "logo_uri": "",
        },
    )
    assert response.status_code == 200 and b"errornote" in response.content
    assert not Client.objects.exists()


def test_rotate_secret_action(console, web_client):
    old_hash = Client.objects.get(pk=web_client.model.pk).client_secret
    response = console.post(
        "/console/oauth2_app/client/", {"action": "rotate_secret", "_selected_action": [web_client.model.pk]}
    )
    assert response.status_code == 200 and b"New secret" in response.content
    assert Client.objects.get(pk=web_client.model.pk).client_secret != old_hash


def test_consent_sessions_and_tokens_can_be_revoked(console, identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    exchange_code(web_client, code, verifier)
    assert console.get("/console/oauth2_app/consentsession/").status_code == 200
    token = AccessToken.objects.get()
    assert console.get("/console/oauth2_app/accesstoken/").status_code == 200
    console.post("/console/oauth2_app/accesstoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert not AccessToken.objects.exists()
    from oauth2_app.models import ConsentSession

    session = ConsentSession.objects.get()
    console.post("/console/oauth2_app/consentsession/", {"action": "revoke", "_selected_action": [session.pk]})
    assert ConsentSession.objects.get().consent_revoked_at is not None


def test_signing_keys_page_and_rotation(console):
    from oauth2_app.keys import signing_key_active
    from oauth2_app.models import SigningKey

    kid, _ = signing_key_active()
    page = console.get("/console/oauth2_app/signingkey/")
    assert page.status_code == 200 and kid.encode() in page.content and b"private_key" not in page.content
    console.post(
        "/console/oauth2_app/signingkey/", {"action": "rotate", "_selected_action": [SigningKey.objects.get().pk]}
    )
    assert SigningKey.objects.count() == 2
