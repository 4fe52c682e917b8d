"""The authorization code flow end to end through the built-in login and consent pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext

from tests.conftest import sign_in
from tests.oauth2.conftest import authorization_code_via_builtin_pages, exchange_code

pytestmark = pytest.mark.django_db


def test_code_flow_through_builtin_pages_issues_tokens(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, params = authorization_code_via_builtin_pages(browser, web_client)
    assert params["state"] == "state-123456"
    assert params["iss"] == "http://127.0.0.1:8000"
    response = exchange_code(web_client, code, verifier)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"access_token", "refresh_token", "id_token", "expires_in", "token_type", "scope"}


def _verified_id_token(id_token: str, client_id: str, browser: BrowserClient) -> dict:
    # joserfc is Authlib's JOSE implementation: a real relying-party library, not our code.
    from joserfc import jwt
    from joserfc.jwk import KeySet

    key_set = KeySet.import_key_set(browser.get("/.well-known/jwks.json").json())
    token = jwt.decode(id_token, key_set, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": "http://127.0.0.1:8000"}, aud={"essential": True, "value": client_id}
    ).validate(token.claims)
    return dict(token.claims)


def test_email_verified_follows_the_identitys_verified_address(identity, web_client):
    from identity_app.models import VerifiableAddress

    VerifiableAddress.objects.create(
        identity=identity, value=identity.traits["email"].lower(), verified=True, status="completed"
    )
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    tokens = exchange_code(web_client, code, verifier).json()
    claims = _verified_id_token(tokens["id_token"], web_client.client_id, browser)
    assert claims["email_verified"] is True


def test_id_token_verifies_against_jwks_and_carries_identity_claims(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    tokens = exchange_code(web_client, code, verifier).json()
    claims = _verified_id_token(tokens["id_token"], web_client.client_id, browser)
    assert claims["sub"] == str(identity.pk)
    assert claims["nonce"] == "nonce-abcdef"
    assert claims["email"] == identity.traits["email"]
    assert claims["email_verified"] is False
    assert claims["name"] == f"Test {identity.traits['name']['last']}"
    assert claims["amr"] == ["pwd"]
    assert "sid" in claims and "auth_time" in claims and "at_hash" in claims
    header = tokens["id_token"].split(".")[0]
    import base64
    import json

    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    assert kid in [key["kid"] for key in browser.get("/.well-known/jwks.json").json()["keys"]]


def test_scopes_limit_claims_in_id_token_and_userinfo(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client, scope="openid")
    tokens = exchange_code(web_client, code, verifier).json()
    claims = _verified_id_token(tokens["id_token"], web_client.client_id, browser)
    assert "email" not in claims and "name" not in claims
    assert "refresh_token" not in tokens  # no offline scope, no refresh token (Hydra's rule)
    userinfo = BrowserClient().get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 200
    assert userinfo.json() == {"sub": str(identity.pk)}


def test_userinfo_returns_granted_identity_claims(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    access_token = exchange_code(web_client, code, verifier).json()["access_token"]
    with CaptureQueriesContext(connection) as queries:
        body = BrowserClient().post("/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}").json()
    # The token with its client and identity in one read, then whether the e-mail is verified.
    assert len(queries) == 2, [query["sql"] for query in queries]
    assert body["sub"] == str(identity.pk)
    assert body["email"] == identity.traits["email"]
    assert body["given_name"] == "Test"
    bad = BrowserClient().get("/userinfo", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.status_code == 401
    assert "invalid_token" in bad["WWW-Authenticate"]


def test_anonymous_browser_is_sent_to_identity_login_with_return_to(web_client, settings):
    from tests.oauth2.conftest import authorize_params, pkce_pair, query_of

    browser = BrowserClient()
    _, challenge = pkce_pair()
    response = browser.get("/oauth2/auth", authorize_params(web_client, challenge))
    assert response.status_code == 302
    assert "/oauth2/fallbacks/login?login_challenge=" in response["Location"]
    assert "ory_oauth2_browser" in response.cookies
    login_page = browser.get(response["Location"])
    assert login_page.status_code == 302
    location = login_page["Location"]
    assert location.startswith(settings.OAUTH2_IDENTITY_LOGIN_URL + "?")
    return_to = query_of(location)["return_to"]
    assert "/oauth2/fallbacks/login?login_challenge=" in return_to


def test_consent_page_shows_client_and_scopes_in_plain_words(identity, web_client):
    from tests.oauth2.conftest import authorize_params, follow, pkce_pair

    browser = BrowserClient()
    sign_in(browser, identity)
    _, challenge = pkce_pair()
    page = follow(browser, browser.get("/oauth2/auth", authorize_params(web_client, challenge)))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Example App" in html
    assert "See your e-mail address" in html
    assert 'name="remember"' in html and 'value="allow"' in html and 'value="deny"' in html
    assert "<script" not in html and "style=" not in html


def test_deny_on_consent_page_returns_access_denied_to_client(identity, web_client):
    from tests.oauth2.conftest import REDIRECT_URI, authorize_params, follow, pkce_pair, query_of

    browser = BrowserClient()
    sign_in(browser, identity)
    _, challenge = pkce_pair()
    page = follow(browser, browser.get("/oauth2/auth", authorize_params(web_client, challenge)))
    consent_challenge = query_of(page.wsgi_request.get_full_path())["consent_challenge"]
    response = follow(
        browser, browser.post("/oauth2/fallbacks/consent", {"consent_challenge": consent_challenge, "action": "deny"})
    )
    assert response["Location"].startswith(REDIRECT_URI)
    params = query_of(response["Location"])
    assert params["error"] == "access_denied"
    assert params["state"] == "state-123456"
    assert params["iss"] == "http://127.0.0.1:8000"


def test_remembered_consent_skips_the_page_next_time(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    authorization_code_via_builtin_pages(browser, web_client, remember=True)
    from tests.oauth2.conftest import REDIRECT_URI, authorize_params, follow, pkce_pair

    _, challenge = pkce_pair()
    response = follow(browser, browser.get("/oauth2/auth", authorize_params(web_client, challenge)))
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    # a scope never granted before needs the page again
    _, challenge = pkce_pair()
    response = follow(
        browser, browser.get("/oauth2/auth", authorize_params(web_client, challenge, scope="openid email"))
    )
    assert response.status_code == 302


def test_unremembered_consent_asks_again(identity, web_client):
    from tests.oauth2.conftest import authorize_params, follow, pkce_pair

    browser = BrowserClient()
    sign_in(browser, identity)
    authorization_code_via_builtin_pages(browser, web_client, remember=False)
    _, challenge = pkce_pair()
    page = follow(browser, browser.get("/oauth2/auth", authorize_params(web_client, challenge)))
    assert page.status_code == 200


def test_skip_consent_client_never_sees_the_page(identity):
    from tests.oauth2.conftest import REDIRECT_URI, authorize_params, follow, pkce_pair, register

    client = register(skip_consent=True)
    browser = BrowserClient()
    sign_in(browser, identity)
    _, challenge = pkce_pair()
    response = follow(browser, browser.get("/oauth2/auth", authorize_params(client, challenge)))
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert "code=" in response["Location"]


@pytest.mark.parametrize(
    ("override", "expected_error"),
    [
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"prompt": "none"}, "login_required"),
        ({"audience": "https://not-registered.example.com"}, "invalid_request"),
    ],
)
def test_authorization_errors_go_back_to_the_registered_redirect_uri(web_client, override, expected_error):
    from tests.oauth2.conftest import REDIRECT_URI, authorize_params, pkce_pair, query_of

    _, challenge = pkce_pair()
    params = {k: v for k, v in {**authorize_params(web_client, challenge), **override}.items() if v is not None}
    response = BrowserClient().get("/oauth2/auth", params)
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(REDIRECT_URI)
    result = query_of(response["Location"])
    assert result["error"] == expected_error
    assert result["state"] == "state-123456"


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "https://evil.example.com/callback"},
        {"redirect_uri": "https://app.example.com/callback?extra=1"},
        {"redirect_uri": "https://app.example.com/callback/"},
        {"client_id": "no-such-client"},
    ],
)
def test_unregistered_redirect_uri_or_client_shows_an_error_page(web_client, override):
    from tests.oauth2.conftest import authorize_params, pkce_pair

    _, challenge = pkce_pair()
    response = BrowserClient().get("/oauth2/auth", {**authorize_params(web_client, challenge), **override})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Location" not in response
    assert b"could not be completed" in response.content
