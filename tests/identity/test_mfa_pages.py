"""The HTML pages with second factors: sign in, step up, settings sections; form posts as a browser
sends them (with what webauthn.js would put into the hidden fields), under the CSP."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from identity_app.models import Credential, Session
from tests.conftest import sign_in
from tests.identity.conftest import PASSWORD
from tests.identity.mfa_support import (
    app_for,
    authenticator,
    code_at,
    enrol_lookup,
    enrol_totp,
    freeze_step,
    register_passkey,
)

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """The forms of a page by ``data-group``: their fields, buttons and script sources."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.current: dict | None = None
        self.inline_scripts = 0
        self.script_sources: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "form":
            self.current = {"action": attributes.get("action"), "fields": {}, "buttons": []}
            self.forms[attributes.get("data-group", "default")] = self.current
        elif tag == "script":
            if attributes.get("src"):
                self.script_sources.append(attributes["src"])
            else:
                self.inline_scripts += 1
        elif self.current is not None and tag == "input" and attributes.get("name"):
            self.current["fields"][attributes["name"]] = attributes.get("value") or ""
        elif self.current is not None and tag == "button":
            self.current["buttons"].append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def read(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def follow(browser: Client, response):
    """Follow redirects within the site until a page (or an off-site/JSON answer) comes back."""
    while response.status_code in (302, 303):
        response = browser.get(response["Location"], HTTP_ACCEPT="text/html")
    return response


def password_sign_in(browser: Client, email: str = "ada@example.com", **params):
    page = follow(browser, browser.get("/login", params, HTTP_ACCEPT="text/html"))
    # Password and e-mail code are alternatives over the same identifier: one form without a group.
    form = read(page.content.decode()).forms["default"]
    return browser.post(
        form["action"],
        {**form["fields"], "identifier": email, "password": PASSWORD, "method": "password"},
    )


def post_form(browser: Client, html: str, group: str, **fields):
    form = read(html).forms[group]
    return browser.post(form["action"], {**form["fields"], **fields})


def test_pages_load_no_inline_script_and_only_webauthn_js(ada):
    browser = Client()
    login = follow(browser, browser.get("/login", HTTP_ACCEPT="text/html"))
    assert "script-src 'self'" in login["Content-Security-Policy"]
    page = read(login.content.decode())
    assert page.inline_scripts == 0 and page.handlers == []
    assert page.script_sources == ["http://127.0.0.1:8000/.well-known/ory/webauthn.js"]
    trigger = next(b for b in page.forms["passkey"]["buttons"] if b.get("name") == "passkey_login_trigger")
    assert trigger["type"] == "button" and trigger["data-ory-trigger"] == "oryPasskeyLogin"
    # The passkey form names the account itself: no identifier to type there.
    assert "identifier" not in page.forms["passkey"]["fields"]
    assert page.forms["passkey"]["fields"]["method"] == "passkey"

    sign_in(browser, ada)
    settings_page = follow(browser, browser.get("/settings", HTTP_ACCEPT="text/html"))
    page = read(settings_page.content.decode())
    assert page.inline_scripts == 0 and page.handlers == []
    assert len(set(page.script_sources)) == 1
    assert list(page.forms) == ["profile", "password", "totp", "lookup_secret", "webauthn", "passkey", "delete_account"]
    html = settings_page.content.decode()
    for title in ("Authenticator app", "Backup codes", "Security keys", "Passkeys"):
        assert f">{title}</h2>" in html
    assert 'src="data:image/svg+xml' in html and "This is your authenticator app secret" in html


def test_first_factor_in_the_browser_leads_to_the_second(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    browser = Client()
    response = password_sign_in(browser, return_to="/welcome")
    assert response.status_code == 303
    target = urlsplit(response["Location"])
    assert target.path == "/self-service/login/browser"
    assert parse_qs(target.query) == {"aal": ["aal2"], "return_to": ["/welcome"]}
    assert settings.IDENTITY_SESSION_COOKIE_NAME in response.cookies  # the aal1 session, to be stepped up

    page = follow(browser, response)
    html = page.content.decode()
    assert "Two-factor authentication" in html and "Please complete the second authentication challenge." in html
    assert list(read(html).forms) == ["totp"]
    freeze_step(monkeypatch, step + 1)
    done = post_form(browser, html, "totp", totp_code=code_at(seed, step + 1))
    assert done.status_code == 303 and done["Location"] == "/welcome"
    whoami = browser.get("/sessions/whoami")
    assert whoami.status_code == 200 and whoami.json()["authenticator_assurance_level"] == "aal2"
    assert Session.objects.filter(identity=ada, aal="aal1").count() == 0


def test_a_wrong_code_comes_back_to_the_page_with_the_error(ada, monkeypatch):
    enrol_totp(app_for(ada), monkeypatch)
    browser = Client()
    page = follow(browser, password_sign_in(browser))
    failed = post_form(browser, page.content.decode(), "totp", totp_code="000000")
    again = follow(browser, failed).content.decode()
    assert "The provided authentication code is invalid" in again


def test_spas_are_told_where_the_second_factor_is(ada, monkeypatch):
    enrol_totp(app_for(ada), monkeypatch)
    spa = Client()
    flow = spa.get("/self-service/login/browser", HTTP_ACCEPT="application/json").json()
    csrf = next(n for n in flow["ui"]["nodes"] if n["attributes"].get("name") == "csrf_token")["attributes"]["value"]
    response = spa.post(
        f"/self-service/login?flow={flow['id']}",
        {"csrf_token": csrf, "method": "password", "identifier": "ada@example.com", "password": PASSWORD},
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["id"] == "browser_location_change_required"
    assert "aal=aal2" in body["redirect_browser_to"]
    assert settings.IDENTITY_SESSION_COOKIE_NAME in response.cookies


def test_the_account_page_sends_an_aal1_session_on_to_the_second_factor(ada, monkeypatch):
    enrol_totp(app_for(ada), monkeypatch)
    browser = Client()
    sign_in(browser, ada)
    response = browser.get("/", HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    assert "aal=aal2" in response["Location"]


def test_backup_codes_in_the_browser(ada):
    browser = Client()
    sign_in(browser, ada)
    page = follow(browser, browser.get("/settings", HTTP_ACCEPT="text/html")).content.decode()
    shown = follow(browser, post_form(browser, page, "lookup_secret", lookup_secret_regenerate="true"))
    html = shown.content.decode()
    assert html.count("<li>") >= 12
    assert 'download="backup-codes.txt"' in html and "data:text/plain;charset=utf-8," in html
    assert "Confirm backup recovery codes" in html
    confirmed = follow(browser, post_form(browser, html, "lookup_secret", lookup_secret_confirm="true"))
    assert "Your changes have been saved!" in confirmed.content.decode()
    assert Credential.objects.filter(identity=ada, type="lookup_secret").exists()


def test_step_up_with_a_backup_code_in_the_browser(ada):
    codes = enrol_lookup(app_for(ada))
    browser = Client()
    page = follow(browser, password_sign_in(browser))
    done = post_form(browser, page.content.decode(), "lookup_secret", lookup_secret=codes[0])
    assert done.status_code == 303 and done["Location"] == "/"
    assert "Welcome, Ada Lovelace" in browser.get("/").content.decode()


def test_security_key_registration_and_step_up_by_form_post(ada):
    device = authenticator()
    browser = Client()
    sign_in(browser, ada)
    html = follow(browser, browser.get("/settings", HTTP_ACCEPT="text/html")).content.decode()
    form = read(html).forms["webauthn"]
    trigger = next(b for b in form["buttons"] if b.get("name") == "webauthn_register_trigger")
    assert trigger["type"] == "button" and trigger["data-ory-trigger"] == "oryWebAuthnRegistration"
    # What webauthn.js does: run the ceremony with the button's options, fill the hidden field, submit.
    saved = post_form(
        browser,
        html,
        "webauthn",
        webauthn_register=device.create(trigger["value"]),
        webauthn_register_displayname="Key",
    )
    assert "Your changes have been saved!" in follow(browser, saved).content.decode()

    second = Client()
    page = follow(second, password_sign_in(second)).content.decode()
    form = read(page).forms["webauthn"]
    trigger = next(b for b in form["buttons"] if b.get("name") == "webauthn_login_trigger")
    done = post_form(second, page, "webauthn", webauthn_login=device.get(trigger["value"]))
    assert done.status_code == 303 and done["Location"] == "/"
    assert second.get("/sessions/whoami").json()["authenticator_assurance_level"] == "aal2"


def test_passkey_sign_in_by_form_post(ada):
    device = authenticator()
    register_passkey(app_for(ada), device)
    browser = Client()
    html = follow(browser, browser.get("/login", HTTP_ACCEPT="text/html")).content.decode()
    challenge = read(html).forms["passkey"]["fields"]["passkey_challenge"]
    response = post_form(browser, html, "passkey", passkey_login=device.get(challenge))
    assert response.status_code == 303 and response["Location"] == "/"
    whoami = browser.get("/sessions/whoami").json()
    assert whoami["identity"]["id"] == str(ada.pk)
    assert [m["method"] for m in whoami["authentication_methods"]] == ["passkey"]


def test_unlinking_in_the_browser_with_an_aal1_session_goes_to_the_second_factor(ada, monkeypatch):
    enrol_totp(app_for(ada), monkeypatch)
    browser = Client()
    sign_in(browser, ada)
    flow = browser.get("/self-service/settings/browser", HTTP_ACCEPT="application/json").json()
    html = browser.get(f"/settings?flow={flow['id']}", HTTP_ACCEPT="text/html").content.decode()
    response = post_form(browser, html, "totp", totp_unlink="true")
    assert response.status_code == 303
    target = parse_qs(urlsplit(response["Location"]).query)
    assert target["aal"] == ["aal2"] and target["return_to"][0].endswith(f"/settings?flow={flow['id']}")
    assert Credential.objects.filter(identity=ada, type="totp").exists()
