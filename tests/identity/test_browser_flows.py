"""Registration and login in a browser: redirects, HTML pages, CSRF, cookies; and SPAs (JSON)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from identity_app.models import Flow, Identity, Session
from tests.identity.conftest import PASSWORD, csrf_from_page, csrf_token_of, make_identity, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client()


def open_page(browser: Client, kind: str, **params):
    """Follow a browser from the init endpoint to the rendered page; returns (flow id, html)."""
    init = browser.get(f"/self-service/{kind}/browser", params, HTTP_ACCEPT="text/html")
    assert init.status_code == 303, init.content
    location = init["Location"]
    assert location.startswith(f"/{kind}?flow=")
    flow_id = parse_qs(urlsplit(location).query)["flow"][0]
    page = browser.get(location, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    return flow_id, page.content.decode()


def test_init_sets_an_httponly_csrf_cookie(browser):
    init = browser.get("/self-service/login/browser")
    cookie = init.cookies[settings.IDENTITY_CSRF_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_login_page_renders_the_nodes_accessibly(browser, ada):
    flow_id, html = open_page(browser, "login")
    assert f'action="/self-service/login?flow={flow_id}"' in html
    assert '<label for="f-identifier">E-Mail' in html
    assert 'id="f-password" name="password" type="password"' in html
    assert 'autocomplete="current-password"' in html
    assert 'name="csrf_token" value="' in html
    assert 'name="method" value="password"' in html
    assert "Create an account" in html


def test_registration_page_lists_the_traits(browser):
    _, html = open_page(browser, "registration")
    for label in ("E-Mail", "First name", "Last name", "Password"):
        assert label in html
    assert 'type="email"' in html and 'autocomplete="new-password"' in html


def test_form_login_sets_the_session_cookie_and_goes_to_return_to(browser, ada):
    flow_id, html = open_page(browser, "login", return_to="/welcome")
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "identifier": "ada@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == "/welcome"
    cookie = response.cookies[settings.IDENTITY_SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http in tests; secure follows an https PUBLIC_URL
    whoami = browser.get("/sessions/whoami")
    assert whoami.status_code == 200 and whoami.json()["identity"]["id"] == str(ada.pk)


def test_cookie_is_secure_on_https(browser, ada, settings):
    settings.IDENTITY_COOKIE_SECURE = True
    flow_id, html = open_page(browser, "login")
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "identifier": "ada@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response.cookies[settings.IDENTITY_SESSION_COOKIE_NAME]["secure"]


@pytest.mark.parametrize("forged", ["", "0" * 64, "not-even-hex"])
def test_forged_csrf_token_signs_nobody_in(browser, ada, forged):
    flow_id, _ = open_page(browser, "login")
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {"csrf_token": forged, "identifier": "ada@example.com", "password": PASSWORD, "method": "password"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["id"] == "security_csrf_violation"
    assert Session.objects.count() == 0


def test_csrf_token_of_another_browser_is_refused(ada):
    victim, attacker = Client(), Client()
    flow_id, _ = open_page(victim, "login")
    _, attacker_html = open_page(attacker, "login")
    response = victim.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(attacker_html),
            "identifier": "ada@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response.status_code == 403
    assert Session.objects.count() == 0


def test_without_the_csrf_cookie_the_post_is_refused(ada):
    browser = Client()
    flow_id, html = open_page(browser, "login")
    browser.cookies.pop(settings.IDENTITY_CSRF_COOKIE_NAME)
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "identifier": "ada@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response.status_code == 403


def test_failed_form_login_returns_to_the_page_with_the_error(browser, ada):
    flow_id, html = open_page(browser, "login")
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "identifier": "ada@example.com",
            "password": "nope nope",
            "method": "password",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == f"/login?flow={flow_id}"
    page = browser.get(response["Location"]).content.decode()
    assert "The provided credentials are invalid" in page
    assert 'role="alert"' in page
    assert 'value="ada@example.com"' in page
    assert "nope nope" not in page


def test_registration_errors_are_tied_to_their_fields(browser):
    flow_id, html = open_page(browser, "registration")
    response = browser.post(
        f"/self-service/registration?flow={flow_id}",
        {"csrf_token": csrf_from_page(html), "traits.email": "broken", "password": "short", "method": "password"},
    )
    page = browser.get(response["Location"]).content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="f-traits-email-messages"' in page
    assert "Enter a valid email address" in page
    assert "at least 8 characters" in page
    assert Identity.objects.count() == 0


def test_form_registration_creates_signs_in_and_nests_traits(browser):
    flow_id, html = open_page(browser, "registration")
    response = browser.post(
        f"/self-service/registration?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "traits.email": "Grace@example.com",
            "traits.name.first": "Grace",
            "traits.name.last": "Hopper",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == "/"
    identity = Identity.objects.get()
    assert identity.traits == {"email": "Grace@example.com", "name": {"first": "Grace", "last": "Hopper"}}
    assert settings.IDENTITY_SESSION_COOKIE_NAME in response.cookies
    home = browser.get("/").content.decode()
    assert "Welcome, Grace Hopper" in home


def test_spa_gets_json_from_browser_flows(ada):
    spa = Client()
    init = spa.get("/self-service/login/browser", HTTP_ACCEPT="application/json")
    assert init.status_code == 200
    flow = init.json()
    assert flow["type"] == "browser"
    token = csrf_token_of(flow)
    assert len(token) == 64
    bad = spa.post(
        f"/self-service/login?flow={flow['id']}",
        {"csrf_token": token, "identifier": "ada@example.com", "password": "wrong", "method": "password"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["ui"]["messages"][0]["id"] == 4000006
    good = spa.post(
        f"/self-service/login?flow={flow['id']}",
        {"csrf_token": token, "identifier": "ada@example.com", "password": PASSWORD, "method": "password"},
        content_type="application/json",
    )
    assert good.status_code == 200
    assert "session_token" not in good.json()
    assert settings.IDENTITY_SESSION_COOKIE_NAME in good.cookies


def test_signed_in_browser_is_sent_on(browser, ada):
    sign_in(browser, ada)
    response = browser.get("/self-service/login/browser", {"return_to": "/somewhere"})
    assert response.status_code == 303 and response["Location"] == "/somewhere"
    assert browser.get("/self-service/registration/browser")["Location"] == "/"


def test_page_without_flow_starts_one(browser):
    response = browser.get("/login", {"return_to": "/after"})
    assert response.status_code == 302
    assert response["Location"] == "/self-service/login/browser?return_to=%2Fafter"


@pytest.mark.parametrize("flow_id", ["garbage", "6f0b1b8e-7d0e-4b43-9f4e-2f8c7c1c9b11"])
def test_page_with_unknown_flow_starts_over(browser, flow_id):
    response = browser.get("/login", {"flow": flow_id})
    assert response.status_code == 302 and response["Location"].startswith("/self-service/login/browser")


def test_page_with_expired_flow_starts_over_keeping_return_to(browser):
    flow_id, _ = open_page(browser, "login", return_to="/kept")
    Flow.objects.filter(pk=flow_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.get(f"/login?flow={flow_id}")
    assert response["Location"] == "/self-service/login/browser?return_to=%2Fkept"


def test_expired_browser_submission_redirects_to_a_fresh_flow(browser, ada):
    flow_id, html = open_page(browser, "login")
    Flow.objects.filter(pk=flow_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "identifier": "ada@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response.status_code == 303
    new_id = parse_qs(urlsplit(response["Location"]).query)["flow"][0]
    assert new_id != flow_id
    page = browser.get(response["Location"]).content.decode()
    assert "The login flow expired" in page


def test_evil_return_to_is_refused(browser):
    response = browser.get("/self-service/login/browser", {"return_to": "https://evil.example/"})
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "self_service_flow_return_to_forbidden"


def test_pages_are_not_cached_and_have_csp(browser):
    _, _ = open_page(browser, "login")
    response = browser.get("/login?flow=x", follow=True)
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_home_page_for_visitors_and_members(browser, ada):
    assert "Sign in to your account" in browser.get("/").content.decode()
    sign_in(browser, ada)
    page = browser.get("/").content.decode()
    assert "Welcome, Ada Lovelace" in page and "ada@example.com" in page


def test_logout_page_ends_the_session(browser, ada):
    sign_in(browser, ada)
    assert browser.get("/logout").status_code == 200
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = browser.cookies
    assert strict.post("/logout").status_code == 403  # no Django CSRF token: refused
    page = strict.get("/logout").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post("/logout", {"csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert response.cookies[settings.IDENTITY_SESSION_COOKIE_NAME].value == ""
    assert Session.objects.get().active is False


def test_other_identities_stay_apart(browser):
    make_identity("one@example.com")
    make_identity("two@example.com")
    flow_id, html = open_page(browser, "login")
    browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(html),
            "identifier": "two@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert browser.get("/sessions/whoami").json()["identity"]["traits"]["email"] == "two@example.com"
