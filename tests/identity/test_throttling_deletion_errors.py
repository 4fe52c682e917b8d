"""Throttling of failed attempts, account deletion, and the error flow."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from identity_app import signals
from identity_app.models import Credential, Flow, Identity, SelfServiceError, Session
from tests.conftest import sign_in
from tests.identity.conftest import PASSWORD, csrf_from_page

pytestmark = pytest.mark.django_db


def login(client: Client, identifier: str, password: str, **extra):
    flow = client.get("/self-service/login/api").json()
    return client.post(
        f"/self-service/login?flow={flow['id']}",
        {"method": "password", "identifier": identifier, "password": password},
        content_type="application/json",
        **extra,
    )


@pytest.mark.parametrize("identifier", ["ada@example.com", "nobody@example.com"], ids=["known", "unknown"])
def test_failed_logins_are_throttled_per_identifier_alike(ada, identifier):
    app = Client()
    for _ in range(5):
        assert login(app, identifier, "wrong password").status_code == 400
    throttled = login(app, identifier, "wrong password")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["id"] == "too_many_requests"
    assert 1 <= int(throttled["Retry-After"]) <= 300
    # Even the right password waits: the identifier is locked for the window.
    if identifier == "ada@example.com":
        assert login(app, identifier, PASSWORD).status_code == 429


def test_a_success_resets_the_identifiers_count(ada):
    app = Client()
    for _ in range(4):
        login(app, "ada@example.com", "wrong password")
    assert login(app, "ada@example.com", PASSWORD).status_code == 200
    for _ in range(4):
        assert login(app, "ada@example.com", "wrong password").status_code == 400


def test_one_ip_spraying_many_accounts_is_limited(settings):
    settings.IDENTITY_THROTTLE = {
        **settings.IDENTITY_THROTTLE,
        "login": {"per_identifier": (5, 300), "per_ip": (6, 300)},
    }
    app = Client()
    for number in range(6):
        assert login(app, f"user{number}@example.com", "x" * 10).status_code == 400
    assert login(app, "fresh@example.com", "x" * 10).status_code == 429
    assert login(app, "fresh@example.com", "x" * 10, REMOTE_ADDR="10.1.2.3").status_code == 400


def test_browser_sees_the_limit_on_the_page(ada):
    browser = Client()
    for _ in range(6):
        init = browser.get("/self-service/login/browser")
        flow_id = init["Location"].split("flow=")[1]
        page = browser.get(init["Location"]).content.decode()
        response = browser.post(
            f"/self-service/login?flow={flow_id}",
            {
                "csrf_token": csrf_from_page(page),
                "identifier": "ada@example.com",
                "password": "nope",
                "method": "password",
            },
        )
    assert response.status_code == 303
    assert "Too many attempts" in browser.get(response["Location"]).content.decode()


def test_recovery_requests_are_throttled_per_address():
    app = Client()
    for _ in range(6):
        flow = app.get("/self-service/recovery/api").json()
        response = app.post(
            f"/self-service/recovery?flow={flow['id']}",
            {"method": "code", "email": "target@example.com"},
            content_type="application/json",
        )
    assert response.status_code == 429


def test_registrations_are_limited_per_ip(settings):
    settings.IDENTITY_THROTTLE = {**settings.IDENTITY_THROTTLE, "registration": {"per_ip": (3, 3600)}}
    app = Client()
    statuses = []
    for number in range(4):
        flow = app.get("/self-service/registration/api").json()
        statuses.append(
            app.post(
                f"/self-service/registration?flow={flow['id']}",
                {"method": "password", "password": PASSWORD, "traits": {"email": f"n{number}@example.com"}},
                content_type="application/json",
            ).status_code
        )
    assert statuses == [200, 200, 200, 429]


def test_throttling_can_be_turned_off(ada, settings):
    settings.IDENTITY_THROTTLE_ENABLED = False
    app = Client()
    for _ in range(8):
        assert login(app, "ada@example.com", "wrong password").status_code == 400


# --- Account deletion ------------------------------------------------------------------------


def _settings_flow(app):
    return app.get("/self-service/settings/api").json()


def test_delete_my_account(ada):
    issued = sign_in(Client(), ada)
    app = Client(HTTP_X_SESSION_TOKEN=issued.token)
    flow = _settings_flow(app)
    received = []
    signals.identity_deleted.connect(lambda sender, identity_id, **kw: received.append(identity_id), weak=False)
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        response = app.post(
            f"/self-service/settings?flow={flow['id']}",
            {"method": "delete_account", "delete_confirm": True},
            content_type="application/json",
        )
    assert response.status_code == 204
    assert not Identity.objects.exists()
    assert not Session.objects.exists() and not Credential.objects.exists() and not Flow.objects.exists()
    assert received == [ada.pk]
    assert app.get("/sessions/whoami").status_code == 401


def test_deletion_needs_confirmation_and_a_fresh_sign_in(ada):
    issued = sign_in(Client(), ada)
    app = Client(HTTP_X_SESSION_TOKEN=issued.token)
    flow = _settings_flow(app)
    unconfirmed = app.post(
        f"/self-service/settings?flow={flow['id']}", {"method": "delete_account"}, content_type="application/json"
    )
    assert unconfirmed.status_code == 400
    Session.objects.update(authenticated_at=timezone.now() - timedelta(hours=1))
    stale = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "delete_account", "delete_confirm": True},
        content_type="application/json",
    )
    assert stale.status_code == 403
    assert Identity.objects.count() == 1


def test_delete_from_the_settings_page(ada):
    browser = Client()
    sign_in(browser, ada)
    init = browser.get("/self-service/settings/browser")
    page = browser.get(init["Location"]).content.decode()
    assert "Delete your account" in page
    flow_id = init["Location"].split("flow=")[1]
    response = browser.post(
        f"/self-service/settings?flow={flow_id}",
        {"csrf_token": csrf_from_page(page), "method": "delete_account", "delete_confirm": "true"},
    )
    assert response.status_code == 303 and response["Location"] == "/"
    assert response.cookies[settings.IDENTITY_SESSION_COOKIE_NAME].value == ""
    assert not Identity.objects.exists()


# --- Error flow ------------------------------------------------------------------------------


def test_browser_errors_go_to_the_error_page(ada):
    browser = Client()
    init = browser.get("/self-service/login/browser")
    flow_id = init["Location"].split("flow=")[1]
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {"csrf_token": "forged", "identifier": "ada@example.com", "password": PASSWORD, "method": "password"},
        HTTP_ACCEPT="text/html,application/xhtml+xml",
    )
    assert response.status_code == 303 and response["Location"].startswith("/error?id=")
    error_id = response["Location"].split("id=")[1]
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert b"security_csrf_violation" in page.content and b"Go to the home page" in page.content
    api = Client().get("/self-service/errors", {"id": error_id}).json()
    assert api["id"] == error_id and api["error"]["id"] == "security_csrf_violation"
    assert Session.objects.count() == 0


def test_unknown_errors(client):
    assert client.get("/self-service/errors", {"id": "6f0b1b8e-7d0e-4b43-9f4e-2f8c7c1c9b11"}).status_code == 404
    assert client.get("/self-service/errors", {"id": "garbage"}).status_code == 404
    assert client.get("/error", {"id": "garbage"}).status_code == 404
    assert SelfServiceError.objects.count() == 0
