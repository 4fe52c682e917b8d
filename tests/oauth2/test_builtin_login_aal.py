"""The built-in login trusts an identity session only at the assurance level /sessions/whoami
demands: an identity with a second factor signs in to apps with it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.test import Client as BrowserClient

from oauth2_app.models import AuthorizationFlow, FlowState
from tests.conftest import sign_in
from tests.identity.mfa_support import app_for, code_at, enrol_totp, freeze_step
from tests.identity.test_mfa_pages import post_form
from tests.oauth2.conftest import authorize_params, exchange_code, follow, pkce_pair, query_of

pytestmark = pytest.mark.django_db


def test_an_aal1_session_steps_up_before_the_login_is_accepted(identity, web_client, monkeypatch):
    seed, step = enrol_totp(app_for(identity), monkeypatch)
    browser = BrowserClient()
    sign_in(browser, identity)  # a password session: aal1, the TOTP not used yet
    verifier, challenge = pkce_pair()
    response = follow(
        browser,
        browser.get("/oauth2/auth", authorize_params(web_client, challenge)),
        until="http://127.0.0.1:8000/self",
    )
    target = urlsplit(response["Location"])
    assert target.path == "/self-service/login/browser"
    query = parse_qs(target.query)
    assert query["aal"] == ["aal2"] and "/oauth2/fallbacks/login?login_challenge=" in query["return_to"][0]
    flow = AuthorizationFlow.objects.get(client=web_client.model)
    assert flow.subject == "" and flow.state == FlowState.LOGIN_INITIALIZED

    page = browser.get(response["Location"], HTTP_ACCEPT="text/html")
    while page.status_code in (302, 303):
        page = browser.get(page["Location"], HTTP_ACCEPT="text/html")
    freeze_step(monkeypatch, step + 1)
    stepped_up = post_form(browser, page.content.decode(), "totp", totp_code=code_at(seed, step + 1))
    assert stepped_up.status_code == 303 and "/oauth2/fallbacks/login?login_challenge=" in stepped_up["Location"]

    consent = follow(browser, browser.get(stepped_up["Location"]))
    assert consent.status_code == 200  # the consent page
    consent_challenge = query_of(consent.wsgi_request.get_full_path())["consent_challenge"]
    callback = follow(
        browser, browser.post("/oauth2/fallbacks/consent", {"consent_challenge": consent_challenge, "action": "allow"})
    )
    code = query_of(callback["Location"])["code"]
    tokens = exchange_code(web_client, code, verifier).json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"] == str(identity.pk) and claims["amr"] == ["pwd", "otp"]


def test_an_identity_without_a_second_factor_is_accepted_at_aal1(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    _, challenge = pkce_pair()
    response = follow(browser, browser.get("/oauth2/auth", authorize_params(web_client, challenge)))
    assert response.status_code == 200 and "consent_challenge" in response.wsgi_request.get_full_path()
