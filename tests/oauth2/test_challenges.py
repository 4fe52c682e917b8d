"""The login/consent/logout challenge protocol through the admin API, as an external login app uses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from oauth2_app.models import AuthorizationFlow, LoginSession
from tests.oauth2.conftest import REDIRECT_URI, authorize_params, exchange_code, pkce_pair, query_of

pytestmark = pytest.mark.django_db

EXTERNAL_LOGIN = "https://login.example.com/login"
EXTERNAL_CONSENT = "https://login.example.com/consent"
EXTERNAL_LOGOUT = "https://login.example.com/logout"


@pytest.fixture(autouse=True)
def external_apps(settings):
    settings.OAUTH2_LOGIN_URL = EXTERNAL_LOGIN
    settings.OAUTH2_CONSENT_URL = EXTERNAL_CONSENT
    settings.OAUTH2_LOGOUT_URL = EXTERNAL_LOGOUT


def start(browser, client, **extra):
    verifier, challenge = pkce_pair()
    response = browser.get("/oauth2/auth", authorize_params(client, challenge, **extra))
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(EXTERNAL_LOGIN)
    return query_of(response["Location"])["login_challenge"], verifier


def accept_login(admin_api, challenge, subject="user-42", **extra):
    response = admin_api.put(
        f"/admin/oauth2/auth/requests/login/accept?login_challenge={challenge}",
        {"subject": subject, **extra},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["redirect_to"]


def accept_consent(admin_api, challenge, **extra):
    body = {"grant_scope": ["openid", "offline_access"], **extra}
    response = admin_api.put(
        f"/admin/oauth2/auth/requests/consent/accept?consent_challenge={challenge}", body, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["redirect_to"]


def full_flow(browser, admin_api, client, *, subject="user-42", login_extra=None, consent_extra=None, **extra):
    login_challenge, verifier = start(browser, client, **extra)
    login_request = admin_api.get(f"/admin/oauth2/auth/requests/login?login_challenge={login_challenge}").json()
    redirect = accept_login(admin_api, login_challenge, subject=subject, **(login_extra or {}))
    response = browser.get(redirect)
    assert response["Location"].startswith(EXTERNAL_CONSENT), response.content
    consent_challenge = query_of(response["Location"])["consent_challenge"]
    consent_request = admin_api.get(f"/admin/oauth2/auth/requests/consent?consent_challenge={consent_challenge}").json()
    response = browser.get(accept_consent(admin_api, consent_challenge, **(consent_extra or {})))
    assert response["Location"].startswith(REDIRECT_URI), response.content
    return login_request, consent_request, query_of(response["Location"]), verifier


def test_external_login_and_consent_with_session_claims(admin_api, web_client):
    browser = BrowserClient()
    login_request, consent_request, callback, verifier = full_flow(
        browser,
        admin_api,
        web_client,
        login_extra={"acr": "urn:acr:1", "amr": ["pwd", "otp"]},
        consent_extra={"session": {"access_token": {"tenant": "t1"}, "id_token": {"role": "admin", "sub": "forged"}}},
    )
    assert login_request["skip"] is False and login_request["client"]["client_id"] == web_client.client_id
    assert login_request["requested_scope"] == ["openid", "offline_access", "email", "profile"]
    assert login_request["request_url"].startswith("http://127.0.0.1:8000/oauth2/auth?")
    assert consent_request["subject"] == "user-42" and consent_request["amr"] == ["pwd", "otp"]
    tokens = exchange_code(web_client, callback["code"], verifier).json()
    assert tokens["scope"] == "openid offline_access"
    introspected = admin_api.post(
        "/admin/oauth2/introspect", {"token": tokens["access_token"]}, format="multipart"
    ).json()
    assert introspected["sub"] == "user-42" and introspected["ext"] == {"tenant": "t1"}
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
    assert claims["sub"] == "user-42" and claims["role"] == "admin"
    assert claims["acr"] == "urn:acr:1" and claims["amr"] == ["pwd", "otp"]


def test_verifiers_are_single_use(admin_api, web_client):
    browser = BrowserClient()
    login_challenge, _ = start(browser, web_client)
    redirect = accept_login(admin_api, login_challenge)
    assert browser.get(redirect).status_code == 302
    again = browser.get(redirect)
    assert again.status_code == 400 and b"access_denied" in again.content
    gone = admin_api.get(f"/admin/oauth2/auth/requests/login?login_challenge={login_challenge}")
    assert gone.status_code == 410 and "redirect_to" in gone.json()
    used = admin_api.put(
        f"/admin/oauth2/auth/requests/login/accept?login_challenge={login_challenge}", {"subject": "x"}, format="json"
    )
    assert used.status_code == 409


def test_verifier_is_bound_to_the_browser_that_started(admin_api, web_client):
    login_challenge, _ = start(BrowserClient(), web_client)
    redirect = accept_login(admin_api, login_challenge)
    response = BrowserClient().get(redirect)  # another browser
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert query_of(response["Location"])["error"] == "access_denied"


def test_challenges_expire(admin_api, web_client):
    login_challenge, _ = start(BrowserClient(), web_client)
    AuthorizationFlow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = admin_api.get(f"/admin/oauth2/auth/requests/login?login_challenge={login_challenge}")
    assert response.status_code == 410 and response.json()["error"]["id"] == "request_expired"
    assert admin_api.get("/admin/oauth2/auth/requests/login?login_challenge=unknown").status_code == 404
    assert admin_api.get("/admin/oauth2/auth/requests/login").status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("login/accept", {}),
        ("login/accept", {"subject": ""}),
        ("login/accept", {"subject": "u", "remember": "yes"}),
        ("login/accept", {"subject": "u", "remember_for": -5}),
        ("login/accept", {"subject": "u", "amr": "pwd"}),
        ("login/reject", {"status_code": 200}),
        ("login/accept", ["not", "an", "object"]),
    ],
)
def test_bad_accept_bodies_are_400_and_change_nothing(admin_api, web_client, path, body):
    login_challenge, _ = start(BrowserClient(), web_client)
    response = admin_api.put(
        f"/admin/oauth2/auth/requests/{path}?login_challenge={login_challenge}", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == 400
    assert AuthorizationFlow.objects.get().state == 1


def test_consent_cannot_grant_unrequested_scope(admin_api, web_client):
    browser = BrowserClient()
    login_challenge, _ = start(browser, web_client, scope="openid")
    response = browser.get(accept_login(admin_api, login_challenge))
    consent_challenge = query_of(response["Location"])["consent_challenge"]
    bad = admin_api.put(
        f"/admin/oauth2/auth/requests/consent/accept?consent_challenge={consent_challenge}",
        {"grant_scope": ["openid", "email"]},
        format="json",
    )
    assert bad.status_code == 400


def test_login_reject_sends_error_to_client(admin_api, web_client):
    browser = BrowserClient()
    login_challenge, _ = start(browser, web_client)
    response = admin_api.put(
        f"/admin/oauth2/auth/requests/login/reject?login_challenge={login_challenge}",
        {"error": "login_required", "error_description": "No thanks"},
        format="json",
    )
    callback = browser.get(response.json()["redirect_to"])
    params = query_of(callback["Location"])
    assert params["error"] == "login_required" and params["state"] == "state-123456"


def test_remembered_login_is_skipped_and_prompt_none_works(admin_api, web_client):
    browser = BrowserClient()
    full_flow(
        browser,
        admin_api,
        web_client,
        login_extra={"remember": True, "remember_for": 3600},
        consent_extra={"remember": True, "grant_scope": ["openid", "offline_access", "email", "profile"]},
    )
    login_challenge, _ = start(browser, web_client)
    login_request = admin_api.get(f"/admin/oauth2/auth/requests/login?login_challenge={login_challenge}").json()
    assert login_request["skip"] is True and login_request["subject"] == "user-42"
    response = browser.get(accept_login(admin_api, login_challenge))
    consent_challenge = query_of(response["Location"])["consent_challenge"]
    assert (
        admin_api.get(f"/admin/oauth2/auth/requests/consent?consent_challenge={consent_challenge}").json()["skip"]
        is True
    )
    # prompt=none now completes without any UI
    _, challenge = pkce_pair()
    response = browser.get("/oauth2/auth", authorize_params(web_client, challenge, prompt="none"))
    assert response["Location"].startswith(EXTERNAL_LOGIN)
    # a different subject for a skipped login is sent back with prompt=login
    login_challenge, _ = start(browser, web_client)
    assert "prompt=login" in accept_login(admin_api, login_challenge, subject="someone-else")


def test_consent_sessions_list_and_revoke(admin_api, web_client):
    browser = BrowserClient()
    _, _, callback, verifier = full_flow(browser, admin_api, web_client, consent_extra={"remember": True})
    tokens = exchange_code(web_client, callback["code"], verifier).json()
    sessions = admin_api.get("/admin/oauth2/auth/sessions/consent?subject=user-42").json()
    assert len(sessions) == 1
    assert sessions[0]["consent_request"]["client"]["client_id"] == web_client.client_id
    assert sessions[0]["grant_scope"] == ["openid", "offline_access"] and sessions[0]["remember"] is True
    assert admin_api.get("/admin/oauth2/auth/sessions/consent").status_code == 400
    assert admin_api.delete("/admin/oauth2/auth/sessions/consent?subject=user-42").status_code == 400
    response = admin_api.delete(f"/admin/oauth2/auth/sessions/consent?subject=user-42&client={web_client.client_id}")
    assert response.status_code == 204
    assert admin_api.get("/admin/oauth2/auth/sessions/consent?subject=user-42").json() == []
    introspected = admin_api.post(
        "/admin/oauth2/introspect", {"token": tokens["access_token"]}, format="multipart"
    ).json()
    assert introspected == {"active": False}


def test_login_sessions_revoke(admin_api, web_client):
    browser = BrowserClient()
    full_flow(browser, admin_api, web_client, login_extra={"remember": True})
    assert LoginSession.objects.filter(subject="user-42").exists()
    assert admin_api.delete("/admin/oauth2/auth/sessions/login").status_code == 400
    assert admin_api.delete("/admin/oauth2/auth/sessions/login?subject=user-42").status_code == 204
    assert not LoginSession.objects.exists()
    login_challenge, _ = start(browser, web_client)
    assert admin_api.get(f"/admin/oauth2/auth/requests/login?login_challenge={login_challenge}").json()["skip"] is False


def test_rp_initiated_logout(admin_api):
    from tests.oauth2.conftest import register

    client = register(post_logout_redirect_uris=["https://app.example.com/bye"])
    browser = BrowserClient()
    _, _, callback, verifier = full_flow(browser, admin_api, client, login_extra={"remember": True})
    id_token = exchange_code(client, callback["code"], verifier).json()["id_token"]
    response = browser.get(
        "/oauth2/sessions/logout",
        {"id_token_hint": id_token, "post_logout_redirect_uri": "https://app.example.com/bye", "state": "s1"},
    )
    assert response["Location"].startswith(EXTERNAL_LOGOUT)
    challenge = query_of(response["Location"])["logout_challenge"]
    logout_request = admin_api.get(f"/admin/oauth2/auth/requests/logout?logout_challenge={challenge}").json()
    assert logout_request["subject"] == "user-42" and logout_request["rp_initiated"] is True
    redirect = admin_api.put(f"/admin/oauth2/auth/requests/logout/accept?logout_challenge={challenge}").json()[
        "redirect_to"
    ]
    final = browser.get(redirect)
    assert final["Location"] == "https://app.example.com/bye?state=s1"
    assert not LoginSession.objects.exists()
    assert browser.get(redirect).status_code == 400  # verifier used
    bad = browser.get(
        "/oauth2/sessions/logout", {"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example.com/"}
    )
    assert bad.status_code == 400 and "Location" not in bad


def test_logout_reject_and_no_session(admin_api, web_client):
    browser = BrowserClient()
    assert browser.get("/oauth2/sessions/logout")["Location"] == "http://127.0.0.1:8000/"
    full_flow(browser, admin_api, web_client, login_extra={"remember": True})
    challenge = query_of(browser.get("/oauth2/sessions/logout")["Location"])["logout_challenge"]
    assert admin_api.put(f"/admin/oauth2/auth/requests/logout/reject?logout_challenge={challenge}").status_code == 204
    assert LoginSession.objects.exists()
    assert admin_api.put(f"/admin/oauth2/auth/requests/logout/accept?logout_challenge={challenge}").status_code == 409
