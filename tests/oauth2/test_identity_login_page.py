"""The identity login page as the OAuth2 login UI: an anonymous browser signs in there and the
login challenge is accepted for the identity it signed in as."""

from __future__ import annotations

import re

import jwt
import pytest
from django.test import Client as BrowserClient

from tests.identity.conftest import PASSWORD, make_identity
from tests.oauth2.conftest import authorize_params, exchange_code, pkce_pair, query_of

pytestmark = pytest.mark.django_db


def _sign_in_on_the_page(browser: BrowserClient, response) -> object:
    """Follow redirects to the login page, fill it in, and follow on until the client's callback."""
    while response.status_code in (302, 303) and "/login?flow=" not in response["Location"]:
        response = browser.get(response["Location"])
    page = browser.get(response["Location"]).content.decode()
    action = re.search(r'action="([^"]+)"', page).group(1).replace("&amp;", "&")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.post(
        action, {"csrf_token": csrf, "identifier": "ada@example.com", "password": PASSWORD, "method": "password"}
    )
    while response.status_code in (302, 303) and not response["Location"].startswith("https://app.example.com"):
        response = browser.get(response["Location"])
    return response


@pytest.mark.parametrize("login_url", ["oauth2:fallback-login", "identity:login-page"])
def test_anonymous_browser_signs_in_and_gets_a_code(settings, web_client, login_url):
    """Whether Hydra's login URL is the built-in login endpoint or the identity login page itself."""
    settings.OAUTH2_LOGIN_URL = login_url
    ada = make_identity("ada@example.com")
    browser = BrowserClient()
    verifier, challenge = pkce_pair()
    response = browser.get("/oauth2/auth", authorize_params(web_client, challenge))
    response = _sign_in_on_the_page(browser, response)
    if response.status_code == 200:  # the consent page
        consent = query_of(response.wsgi_request.get_full_path())["consent_challenge"]
        response = browser.post("/oauth2/fallbacks/consent", {"consent_challenge": consent, "action": "allow"})
        while response.status_code in (302, 303) and not response["Location"].startswith("https://app.example.com"):
            response = browser.get(response["Location"])
    params = query_of(response["Location"])
    tokens = exchange_code(web_client, params["code"], verifier).json()
    assert tokens["access_token"]
    # The ID token names the identity that signed in on the page (signature checked elsewhere).
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"] == str(ada.pk)


def test_login_page_keeps_the_challenge_on_the_flow(client):
    response = client.get("/login", {"login_challenge": "abc123"})
    assert response["Location"] == "/self-service/login/browser?login_challenge=abc123"
    init = client.get(response["Location"], HTTP_ACCEPT="application/json").json()
    assert init["oauth2_login_challenge"] == "abc123"
    assert init["return_to"] == "/oauth2/fallbacks/login?login_challenge=abc123"
