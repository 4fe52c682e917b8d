"""The device flow through an external device UI (Hydra's ``device_challenge`` protocol):
``/oauth2/device/verify`` hands the browser a challenge, the UI accepts the user code through
``PUT /admin/oauth2/auth/requests/device/accept``, the browser returns with a device verifier."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from oauth2_app.flows import secret_digest
from oauth2_app.models import DeviceGrant, DeviceVerification
from tests.conftest import sign_in
from tests.oauth2.conftest import query_of, register_device_client

pytestmark = pytest.mark.django_db

DEVICE_UI = "https://device.example.com/verify"
ACCEPT = "/admin/oauth2/auth/requests/device/accept"


@pytest.fixture
def device_ui(settings):
    settings.OAUTH2_DEVICE_VERIFICATION_URL = DEVICE_UI
    settings.OAUTH2_DEVICE_VERIFY_ATTEMPTS = 3


@pytest.fixture
def device_client():
    return register_device_client()


def _device_authorization(client) -> dict:
    response = BrowserClient().post(
        "/oauth2/device/auth",
        urlencode({"client_id": client.client_id, "scope": "openid email"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _challenge(browser, user_code: str = "") -> str:
    response = browser.get("/oauth2/device/verify", {"user_code": user_code} if user_code else {})
    assert response.status_code == 302 and response["Location"].startswith(DEVICE_UI + "?")
    query = query_of(response["Location"])
    assert query.get("user_code", "") == user_code
    return query["device_challenge"]


def _accept(admin_api, challenge: str | None, body):
    path = ACCEPT if challenge is None else f"{ACCEPT}?{urlencode({'device_challenge': challenge})}"
    return admin_api.put(path, body, format="json")


def _poll(client, device_code: str):
    DeviceGrant.objects.update(last_checked=timezone.now() - timedelta(seconds=10))
    return BrowserClient().post(
        "/oauth2/token",
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device_code,
            "client_id": client.client_id,
        },
    )


def test_device_flow_through_an_external_device_ui(device_ui, device_client, identity, admin_api):
    started = _device_authorization(device_client)
    browser = BrowserClient()
    sign_in(browser, identity)
    # verification_uri_complete carries the user code on to the device UI, as Hydra does.
    challenge = _challenge(browser, started["user_code"])
    stored = DeviceVerification.objects.get()
    assert stored.challenge == challenge and stored.device_grant is None and stored.state == "pending"

    accepted = _accept(
        admin_api, challenge, {"user_code": started["user_code"].lower()[:4] + "-" + started["user_code"][4:]}
    )
    assert accepted.status_code == 200, accepted.content
    redirect_to = accepted.json()["redirect_to"]
    assert redirect_to.startswith("http://127.0.0.1:8000/oauth2/device/verify?")
    query = query_of(redirect_to)
    assert query["client_id"] == device_client.client_id
    assert DeviceVerification.objects.get().verifier_hash == secret_digest(query["device_verifier"])  # stored hashed

    # Back in the browser: login (the identity session is accepted at once), then consent.
    response = browser.get(redirect_to)
    for _ in range(4):
        assert response.status_code == 302, response.content
        response = browser.get(response["Location"])
        if "consent_challenge" in response.wsgi_request.get_full_path():
            break
    consent_challenge = query_of(response.wsgi_request.get_full_path())["consent_challenge"]
    response = browser.post("/oauth2/fallbacks/consent", {"consent_challenge": consent_challenge, "action": "allow"})
    assert b"Device connected" in browser.get(response["Location"]).content

    tokens = _poll(device_client, started["device_code"])
    assert tokens.status_code == 200, tokens.content
    introspected = admin_api.post(
        "/admin/oauth2/introspect", {"token": tokens.json()["access_token"]}, format="multipart"
    )
    assert introspected.json()["sub"] == str(identity.pk)

    # The verifier was single use.
    again = browser.get(redirect_to)
    assert again.status_code == 400 and b"already been used" in again.content
    assert DeviceVerification.objects.get().state == "used"


def test_accepting_again_before_the_browser_returns_issues_a_fresh_verifier(device_ui, device_client, admin_api):
    started = _device_authorization(device_client)
    browser = BrowserClient()
    challenge = _challenge(browser)
    first = query_of(_accept(admin_api, challenge, {"user_code": started["user_code"]}).json()["redirect_to"])
    second = query_of(_accept(admin_api, challenge, {"user_code": started["user_code"]}).json()["redirect_to"])
    assert first["device_verifier"] != second["device_verifier"]
    stale = browser.get("/oauth2/device/verify", {"device_verifier": first["device_verifier"]})
    assert stale.status_code == 400
    fresh = browser.get("/oauth2/device/verify", {"device_verifier": second["device_verifier"]})
    assert fresh.status_code == 302 and "login_challenge=" in fresh["Location"]
    # Once the verifier is used, the challenge takes no more codes.
    used = _accept(admin_api, challenge, {"user_code": started["user_code"]})
    assert used.status_code == 409 and used.json()["error"]["id"] == "request_already_used"


def test_wrong_user_codes_are_counted_and_then_refused(device_ui, device_client, admin_api):
    started = _device_authorization(device_client)
    challenge = _challenge(BrowserClient())
    for attempt in range(3):
        wrong = _accept(admin_api, challenge, {"user_code": f"WRONG{attempt:03d}"})
        assert wrong.status_code == 400
        assert wrong.json()["error"]["id"] == "invalid_request"
        assert "not valid" in wrong.json()["error"]["reason"]
    assert DeviceVerification.objects.get().failed_attempts == 3
    right = _accept(admin_api, challenge, {"user_code": started["user_code"]})
    assert right.status_code == 400 and "Too many" in right.json()["error"]["reason"]
    verification = DeviceVerification.objects.get()
    assert verification.state == "pending" and verification.device_grant is None and verification.verifier_hash is None
    # A fresh challenge (the user starts over) may still use the code: the grant itself is untouched.
    assert _accept(admin_api, _challenge(BrowserClient()), {"user_code": started["user_code"]}).status_code == 200


@pytest.mark.parametrize(
    ("challenge", "body", "status", "error_id"),
    [
        (None, {"user_code": "ABCD1234"}, 400, "invalid_request"),
        ("no-such-challenge", {"user_code": "ABCD1234"}, 404, "not_found"),
        ("known", {}, 400, "invalid_request"),
        ("known", {"user_code": "   "}, 400, "invalid_request"),
        ("known", {"user_code": 1234}, 400, "invalid_request"),
        ("known", ["ABCD1234"], 400, "invalid_request"),
    ],
)
def test_malformed_accepts_are_refused_in_the_envelope(device_ui, admin_api, challenge, body, status, error_id):
    if challenge == "known":
        challenge = _challenge(BrowserClient())
    response = _accept(admin_api, challenge, body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["id"] == error_id
    assert not DeviceVerification.objects.filter(failed_attempts__gt=0).exists()


def test_an_expired_challenge_is_gone(device_ui, device_client, admin_api):
    started = _device_authorization(device_client)
    challenge = _challenge(BrowserClient())
    DeviceVerification.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _accept(admin_api, challenge, {"user_code": started["user_code"]})
    assert response.status_code == 410 and response.json()["error"]["id"] == "request_expired"


def test_the_accept_endpoint_needs_an_api_key(device_ui, api_client, device_client):
    challenge = _challenge(BrowserClient())
    response = api_client.put(f"{ACCEPT}?device_challenge={challenge}", {"user_code": "X"}, format="json")
    assert response.status_code == 401


def test_the_verifier_only_works_in_the_browser_that_got_the_challenge(device_ui, device_client, admin_api):
    started = _device_authorization(device_client)
    challenge = _challenge(BrowserClient())
    redirect_to = _accept(admin_api, challenge, {"user_code": started["user_code"]}).json()["redirect_to"]
    response = BrowserClient().get(redirect_to)  # another browser: no binding cookie
    assert response.status_code == 403 and b"another browser" in response.content
    assert DeviceGrant.objects.get().flow is None  # no login was started for the device
    assert DeviceVerification.objects.get().state == "used"  # and the verifier is spent


def test_a_code_used_elsewhere_meanwhile_does_not_start_a_second_flow(device_ui, device_client, admin_api, identity):
    started = _device_authorization(device_client)
    browser = BrowserClient()
    redirect_to = _accept(admin_api, _challenge(browser), {"user_code": started["user_code"]}).json()["redirect_to"]
    other = BrowserClient()
    first = other.get("/oauth2/device/verify?" + urlencode({"user_code": started["user_code"]}))
    redirect_other = _accept(
        admin_api, query_of(first["Location"])["device_challenge"], {"user_code": started["user_code"]}
    )
    assert other.get(redirect_other.json()["redirect_to"]).status_code == 302  # this browser started the login
    response = browser.get(redirect_to)
    assert response.status_code == 403 and b"no longer valid" in response.content


def test_without_a_device_ui_the_builtin_page_asks_for_the_code(settings, device_client, identity):
    settings.OAUTH2_DEVICE_VERIFICATION_URL = ""
    page = BrowserClient().get("/oauth2/device/verify")
    assert page.status_code == 200 and b'name="user_code"' in page.content
    assert not DeviceVerification.objects.exists()
