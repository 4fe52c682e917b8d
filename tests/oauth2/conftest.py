"""Fixtures for the OAuth2 provider's tests: clients registered through the service, PKCE pairs,
and a browser that walks the authorization code flow through the built-in pages."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as BrowserClient

from oauth2_app import server
from oauth2_app.services.clients import client_create

REDIRECT_URI = "https://app.example.com/callback"


@pytest.fixture(autouse=True)
def _fresh_oauthlib_servers():
    server.reset_caches()
    yield
    server.reset_caches()


@dataclass
class RegisteredClient:
    client_id: str
    secret: str | None
    model: object

    def basic(self) -> str:
        raw = f"{self.client_id}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


def register(**metadata) -> RegisteredClient:
    defaults = {
        "client_name": "Example App",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": "openid offline_access email profile",
    }
    client, secret = client_create(metadata={**defaults, **metadata})
    return RegisteredClient(client.client_id, secret, client)


@pytest.fixture
def web_client(db) -> RegisteredClient:
    return register()


@pytest.fixture
def machine_client(db) -> RegisteredClient:
    return register(
        grant_types=["client_credentials"], redirect_uris=[], scope="read write", audience=["https://api.example.com"]
    )


def register_device_client(**metadata) -> RegisteredClient:
    """A public client of the device authorization grant (RFC 8628), as a TV or CLI registers."""
    return register(
        grant_types=["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        token_endpoint_auth_method="none",
        redirect_uris=[],
        scope="openid offline_access email",
        **metadata,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def authorize_params(client: RegisteredClient, challenge: str, **extra) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid offline_access email profile",
        "state": "state-123456",
        "nonce": "nonce-abcdef",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def follow(browser: BrowserClient, response, *, until: str = REDIRECT_URI, limit: int = 10):
    """Follow redirects (GET) until the client's redirect URI or a page; returns the last response."""
    for _ in range(limit):
        if response.status_code != 302:
            return response
        location = response["Location"]
        if location.startswith(until):
            return response
        response = browser.get(location)
    raise AssertionError("too many redirects")


def authorization_code_via_builtin_pages(
    browser: BrowserClient, client: RegisteredClient, *, remember=False, pkce=True, **extra
):
    """Walk /oauth2/auth → built-in login → built-in consent (allow) → callback.

    Returns (code, PKCE verifier, callback parameters)."""
    verifier, challenge = pkce_pair()
    params = authorize_params(client, challenge, **extra)
    if not pkce:
        del params["code_challenge"], params["code_challenge_method"]
    response = follow(browser, browser.get("/oauth2/auth", params))
    if response.status_code == 200:  # the consent page
        challenge_value = query_of(response.wsgi_request.get_full_path())["consent_challenge"]
        form = {"consent_challenge": challenge_value, "action": "allow"}
        if remember:
            form["remember"] = "on"
        response = follow(browser, browser.post("/oauth2/fallbacks/consent", form))
    assert response.status_code == 302, response.content
    params = query_of(response["Location"])
    assert "code" in params, params
    return params["code"], verifier, params


def exchange_code(client: RegisteredClient, code: str, verifier: str, http=None):
    http = http or BrowserClient()
    return http.post(
        "/oauth2/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        HTTP_AUTHORIZATION=client.basic(),
    )
