"""Things that must happen once stay single-winner under concurrent requests (PostgreSQL, SERIALIZABLE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client as BrowserClient

from oauth2_app.models import AccessToken, RefreshToken
from tests.conftest import sign_in
from tests.oauth2.conftest import REDIRECT_URI, authorization_code_via_builtin_pages

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 6


def _race(post) -> list:
    """Run ``post`` in RACERS threads released at the same moment; returns their responses."""
    barrier = threading.Barrier(RACERS)
    results: list = [None] * RACERS

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = post()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_code_redemption_has_one_winner(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    responses = _race(lambda: BrowserClient().post("/oauth2/token", form, HTTP_AUTHORIZATION=web_client.basic()))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) == 1, statuses
    assert all(response.json()["error"] == "invalid_grant" for response in responses if response.status_code != 200)
    # the losers were replays: what the winner got is revoked too (RFC 6749 §4.1.2)
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_concurrent_refresh_has_one_winner(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    from tests.oauth2.conftest import exchange_code

    refresh_token = exchange_code(web_client, code, verifier).json()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    responses = _race(lambda: BrowserClient().post("/oauth2/token", form, HTTP_AUTHORIZATION=web_client.basic()))
    statuses = [response.status_code for response in responses]
    assert statuses.count(200) <= 1, statuses
    assert all(response.json()["error"] == "invalid_grant" for response in responses if response.status_code != 200)
    assert RefreshToken.objects.filter(revoked__isnull=True).count() <= 1


def test_concurrent_consent_verifier_issues_one_code(identity, web_client, settings):
    from tests.oauth2.conftest import authorize_params, pkce_pair, query_of

    settings.OAUTH2_CONSENT_URL = "https://consent.example.com/"
    browser = BrowserClient()
    sign_in(browser, identity)
    _, challenge = pkce_pair()
    response = browser.get("/oauth2/auth", authorize_params(web_client, challenge))
    response = browser.get(browser.get(response["Location"])["Location"])
    consent_challenge = query_of(response["Location"])["consent_challenge"]
    from oauth2_app.services.challenges import consent_request_accept

    redirect = consent_request_accept(
        challenge=consent_challenge, grant_scope=["openid"], grant_access_token_audience=[]
    )
    cookies = browser.cookies

    def redeem():
        racer = BrowserClient()
        racer.cookies = cookies
        return racer.get(redirect)

    responses = _race(redeem)
    codes = [r for r in responses if r.status_code == 302 and "code=" in r["Location"]]
    assert len(codes) == 1, [r.status_code for r in responses]


def test_concurrent_use_of_a_device_verifier_starts_one_login(settings, admin_api):
    from urllib.parse import urlencode

    from oauth2_app.flows import BROWSER_COOKIE
    from oauth2_app.models import AuthorizationFlow
    from tests.oauth2.conftest import query_of, register_device_client

    settings.OAUTH2_DEVICE_VERIFICATION_URL = "https://device.example.com/verify"
    client = register_device_client()
    started = BrowserClient().post(
        "/oauth2/device/auth",
        urlencode({"client_id": client.client_id, "scope": "openid"}),
        content_type="application/x-www-form-urlencoded",
    )
    browser = BrowserClient()
    challenge = query_of(browser.get("/oauth2/device/verify")["Location"])["device_challenge"]
    accepted = admin_api.put(
        f"/admin/oauth2/auth/requests/device/accept?device_challenge={challenge}",
        {"user_code": started.json()["user_code"]},
        format="json",
    )
    redirect_to = accepted.json()["redirect_to"]
    cookie = browser.cookies[BROWSER_COOKIE].value

    def same_browser_returns():
        racer = BrowserClient()
        racer.cookies[BROWSER_COOKIE] = cookie
        return racer.get(redirect_to)

    responses = _race(same_browser_returns)
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(302) == 1, statuses
    assert set(statuses) == {302, 400}
    assert AuthorizationFlow.objects.count() == 1
