"""People using the self-service pages in a real browser, without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from identity_app.courier import courier_send_batch
from identity_app.models import Identity
from tests.e2e.conftest import screenshot
from tests.identity.conftest import PASSWORD, make_identity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_sign_out_sign_in(page, live_server):
    page.goto(f"{live_server.url}/registration")
    screenshot(page, "registration")
    page.get_by_label("E-Mail").fill("grace@example.com")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Welcome, Grace Hopper" in page.content()
    screenshot(page, "home-signed-in")

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login\?flow=.*"))
    screenshot(page, "login")
    page.get_by_label("E-Mail").fill("grace@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in with password").click()
    page.wait_for_url(re.compile(r".*/login\?flow=.*"))
    assert "The provided credentials are invalid" in page.content()
    screenshot(page, "login-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in with password").click()
    page.wait_for_url(f"{live_server.url}/")
    assert Identity.objects.get().traits["email"] == "grace@example.com"


def test_validation_messages_are_shown_next_to_fields(page, live_server):
    page.goto(f"{live_server.url}/registration")
    page.get_by_label("E-Mail").fill("not-an-address")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up", exact=True).click()
    page.wait_for_url(re.compile(r".*/registration\?flow=.*"))
    email = page.get_by_label("E-Mail")
    assert email.get_attribute("aria-invalid") == "true"
    assert "Enter a valid email address" in page.content()
    screenshot(page, "registration-errors")


def test_recover_an_account_with_a_code(page, live_server):
    make_identity("ada@example.com")
    page.goto(f"{live_server.url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("input[name=code]")
    screenshot(page, "recovery-code")
    courier_send_batch()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Recovery code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/settings\?flow=.*"))
    assert "You successfully recovered your account" in page.content()
    screenshot(page, "settings-after-recovery")
    page.locator("form[data-group=password]").get_by_label("Password").fill("a fresh new passphrase")
    page.locator("form[data-group=password]").get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/settings\?flow=.*"))
    assert "Your changes have been saved!" in page.content()


def test_pages_fit_a_phone_screen(browser, live_server, settings):
    settings.PUBLIC_URL = live_server.url
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(page, "login-phone")
    context.close()
