"""The built-in OAuth2 pages in a real browser without JavaScript: signing in for an application,
consenting, approving a device, and signing out with front-channel logout."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as HttpClient

from oauth2_app import server
from tests.e2e.conftest import screenshot
from tests.identity.conftest import PASSWORD, make_identity
from tests.oauth2.conftest import REDIRECT_URI, authorize_params, exchange_code, pkce_pair, register

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

APP = "https://app.example.com"


@pytest.fixture
def issuer(live_server, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    server.reset_caches()
    yield live_server.url
    server.reset_caches()


@pytest.fixture
def app_requests(page):
    """The client application's side: every request the browser makes to it, answered with a stub."""
    seen: list[str] = []

    def answer(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>app</title><p>app</p>")

    page.route(f"{APP}/**", answer)
    return seen


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _sign_in_on_login_page(page) -> None:
    page.wait_for_url(re.compile(r".*/login\?flow=.*"))
    page.get_by_label("E-Mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in with password").click()


def test_sign_in_consent_and_front_channel_logout(page, issuer, app_requests):
    make_identity()
    client = register(
        client_name="Example App",
        frontchannel_logout_uri=f"{APP}/front-channel-logout",
        post_logout_redirect_uris=[f"{APP}/bye"],
    )
    verifier, challenge = pkce_pair()
    page.goto(f"{issuer}/oauth2/auth?{urlencode(authorize_params(client, challenge))}")
    _sign_in_on_login_page(page)

    page.wait_for_url(re.compile(r".*/oauth2/fallbacks/consent\?consent_challenge=.*"))
    content = page.content()
    assert "Example App" in content
    screenshot(page, "oauth2-consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(re.escape(REDIRECT_URI) + r"\?.*"))
    callback = _query(page.url)
    assert callback["state"] == "state-123456" and callback["iss"] == issuer
    tokens = exchange_code(client, callback["code"], verifier, http=HttpClient()).json()
    assert "id_token" in tokens

    page.goto(
        f"{issuer}/oauth2/sessions/logout?"
        + urlencode({"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": f"{APP}/bye", "state": "s"})
    )
    page.wait_for_url(re.compile(r".*/oauth2/fallbacks/logout\?logout_challenge=.*"))
    screenshot(page, "oauth2-logout")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/oauth2/sessions/logout\?logout_verifier=.*"))
    assert "Signing you out" in page.content()
    screenshot(page, "oauth2-front-channel-logout")
    page.wait_for_url(f"{APP}/bye?state=s", timeout=15_000)  # the page moves on by itself, no script
    front_channel = [url for url in app_requests if url.startswith(f"{APP}/front-channel-logout")]
    assert len(front_channel) == 1
    assert _query(front_channel[0])["iss"] == issuer and _query(front_channel[0])["sid"]


def test_approve_a_device(page, issuer):
    make_identity()
    device = register(
        client_name="Living-room TV",
        grant_types=["urn:ietf:params:oauth:grant-type:device_code"],
        token_endpoint_auth_method="none",
        redirect_uris=[],
        scope="openid",
    )
    started = (
        HttpClient()
        .post(
            "/oauth2/device/auth",
            urlencode({"client_id": device.client_id, "scope": "openid"}),
            content_type="application/x-www-form-urlencoded",
        )
        .json()
    )
    assert started["verification_uri_complete"].startswith(issuer)

    page.goto(started["verification_uri_complete"])
    assert page.get_by_label("Code shown on your device").input_value() == started["user_code"]
    screenshot(page, "oauth2-device-verify")
    page.get_by_role("button", name="Continue").click()
    _sign_in_on_login_page(page)
    page.wait_for_url(re.compile(r".*/oauth2/fallbacks/consent\?consent_challenge=.*"))
    assert "Living-room TV" in page.content()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r".*/oauth2/device/verify\?consent_verifier=.*"))
    assert "Device connected" in page.content()
    screenshot(page, "oauth2-device-connected")
