"""Account recovery by code and by link, for apps and browsers, and the admin recovery API."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connections
from django.test import Client

from identity_app.models import CourierMessage, OneTimeCode, Session
from tests.identity.conftest import (
    csrf_from_page,
    deliver_mail,
    last_code,
    last_link,
    make_identity,
    message_ids,
    node,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def app() -> Client:
    return Client()


def start(app) -> dict:
    return app.get("/self-service/recovery/api").json()


def submit(app, flow: dict, body: dict):
    return app.post(f"/self-service/recovery?flow={flow['id']}", body, content_type="application/json")


def test_flow_asks_for_the_address(app):
    flow = start(app)
    assert flow["state"] == "choose_method"
    assert node(flow, "email")["attributes"]["type"] == "email"
    assert node(flow, "method")["attributes"]["value"] == "code"


def test_recovery_by_code_signs_in_and_continues_to_settings(app, ada):
    flow = start(app)
    sent = submit(app, flow, {"method": "code", "email": "ADA@example.com"})
    assert sent.status_code == 200
    body = sent.json()
    assert body["state"] == "sent_email"
    assert message_ids(body) == [1060003]
    assert node(body, "code")["attributes"]["autocomplete"] == "one-time-code"
    code = last_code(mail.outbox, "ada@example.com")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]
    assert mail.outbox[0].alternatives  # the HTML part
    # Only an HMAC of the code is stored.
    assert not OneTimeCode.objects.filter(code_hash=code).exists()
    assert code not in str(list(OneTimeCode.objects.values()))

    done = submit(app, flow, {"method": "code", "code": code})
    assert done.status_code == 200, done.content
    result = done.json()
    assert result["state"] == "passed_challenge"
    actions = [item["action"] for item in result["continue_with"]]
    assert actions == ["set_ory_session_token", "show_settings_ui"]
    token = result["continue_with"][0]["ory_session_token"]
    whoami = app.get("/sessions/whoami", HTTP_X_SESSION_TOKEN=token).json()
    assert whoami["identity"]["id"] == str(ada.pk)
    assert whoami["authentication_methods"][0]["method"] == "code_recovery"
    settings_flow = app.get(
        "/self-service/settings/flows", {"id": result["continue_with"][1]["flow"]["id"]}, HTTP_X_SESSION_TOKEN=token
    ).json()
    assert 1060001 in [m["id"] for m in settings_flow["ui"]["messages"]]
    ada.verifiable_addresses.get().refresh_from_db()
    assert ada.verifiable_addresses.get().verified  # receiving the code proved the address


def test_unknown_address_gets_the_same_answer_and_no_mail(app):
    flow = start(app)
    response = submit(app, flow, {"method": "code", "email": "nobody@example.com"})
    assert response.status_code == 200
    assert response.json()["state"] == "sent_email"
    assert message_ids(response.json()) == [1060003]
    deliver_mail()
    assert mail.outbox == []


def test_unknown_address_can_be_told(app, settings):
    settings.IDENTITY_RECOVERY_NOTIFY_UNKNOWN_RECIPIENTS = True
    submit(app, start(app), {"method": "code", "email": "nobody@example.com"})
    assert CourierMessage.objects.get().template_type == "recovery_code_invalid"
    deliver_mail()
    assert "not registered" in mail.outbox[0].body or "not on our database" in mail.outbox[0].body


def test_a_code_works_once(app, ada):
    flow = start(app)
    submit(app, flow, {"method": "code", "email": "ada@example.com"})
    code = last_code(mail.outbox, "ada@example.com")
    assert submit(app, flow, {"method": "code", "code": code}).status_code == 200
    assert submit(app, flow, {"method": "code", "code": code}).status_code == 400


def test_wrong_codes_are_limited_per_flow(app, ada, settings):
    settings.IDENTITY_THROTTLE_ENABLED = False  # isolate the per-flow limit from IP throttling
    flow = start(app)
    submit(app, flow, {"method": "code", "email": "ada@example.com"})
    code = last_code(mail.outbox, "ada@example.com")
    for _ in range(4):
        wrong = submit(app, flow, {"method": "code", "code": "000000" if code != "000000" else "111111"})
        assert wrong.status_code == 400
        assert message_ids(wrong.json()) == [4060006]
    fifth = submit(app, flow, {"method": "code", "code": "999999" if code != "999999" else "888888"})
    assert fifth.status_code == 400
    replacement = fifth.json()
    assert replacement["id"] != flow["id"]
    assert (
        replacement["ui"]["messages"][0]["text"] == "The request was submitted too often. Please request another code."
    )
    # Even the right code no longer works on the exhausted flow.
    assert submit(app, flow, {"method": "code", "code": code}).status_code == 400
    assert Session.objects.count() == 0


def test_a_resent_code_replaces_the_old_one(app, ada):
    flow = start(app)
    submit(app, flow, {"method": "code", "email": "ada@example.com"})
    first = last_code(mail.outbox, "ada@example.com")
    submit(app, flow, {"method": "code", "email": "ada@example.com"})
    second = last_code(mail.outbox, "ada@example.com")
    if first != second:
        assert submit(app, flow, {"method": "code", "code": first}).status_code == 400
    assert submit(app, flow, {"method": "code", "code": second}).status_code == 200


def test_expired_code_is_refused(app, ada):
    flow = start(app)
    submit(app, flow, {"method": "code", "email": "ada@example.com"})
    code = last_code(mail.outbox, "ada@example.com")
    from django.utils import timezone

    OneTimeCode.objects.update(expires_at=timezone.now())
    assert submit(app, flow, {"method": "code", "code": code}).status_code == 400


def test_codes_are_bound_to_their_flow(app, ada):
    first, second = start(app), start(app)
    submit(app, first, {"method": "code", "email": "ada@example.com"})
    code = last_code(mail.outbox, "ada@example.com")
    submit(app, second, {"method": "code", "email": "nobody@example.com"})
    assert submit(app, second, {"method": "code", "code": code}).status_code == 400


def test_inactive_identity_gets_no_code(app):
    make_identity("off@example.com", state="inactive")
    submit(app, start(app), {"method": "code", "email": "off@example.com"})
    deliver_mail()
    assert mail.outbox == []


def test_recovery_by_link_in_a_browser(ada, settings):
    settings.IDENTITY_RECOVERY_METHOD = "link"
    browser = Client()
    init = browser.get("/self-service/recovery/browser")
    page = browser.get(init["Location"]).content.decode()
    flow_id = init["Location"].split("flow=")[1]
    sent = browser.post(
        f"/self-service/recovery?flow={flow_id}",
        {"csrf_token": csrf_from_page(page), "method": "link", "email": "ada@example.com"},
    )
    assert sent.status_code == 303
    assert "An email containing a recovery link has been sent" in browser.get(sent["Location"]).content.decode()
    link = urlsplit(last_link(mail.outbox, "ada@example.com"))
    opened = browser.get(f"{link.path}?{link.query}")
    assert opened.status_code == 303 and opened["Location"].startswith("/settings?flow=")
    assert settings.IDENTITY_SESSION_COOKIE_NAME in opened.cookies
    assert "You successfully recovered your account" in browser.get(opened["Location"]).content.decode()
    # The link works once.
    assert browser.get(f"{link.path}?{link.query}").status_code == 303
    assert Session.objects.count() == 1


def test_browser_recovery_by_code(ada):
    browser = Client()
    init = browser.get("/self-service/recovery/browser")
    flow_id = init["Location"].split("flow=")[1]
    page = browser.get(init["Location"]).content.decode()
    csrf = csrf_from_page(page)
    browser.post(
        f"/self-service/recovery?flow={flow_id}", {"csrf_token": csrf, "method": "code", "email": "ada@example.com"}
    )
    page = browser.get(f"/recovery?flow={flow_id}").content.decode()
    assert 'name="code"' in page and "Resend code" in page
    done = browser.post(
        f"/self-service/recovery?flow={flow_id}",
        {"csrf_token": csrf, "method": "code", "code": last_code(mail.outbox, "ada@example.com")},
    )
    assert done.status_code == 303 and done["Location"].startswith("/settings?flow=")


def test_signed_in_users_cannot_start_recovery(app, ada):
    from tests.conftest import sign_in

    token = sign_in(Client(), ada).token
    response = app.get("/self-service/recovery/api", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 400


def test_admin_recovery_code(admin_api, ada):
    response = admin_api.post("/admin/recovery/code", {"identity_id": str(ada.pk), "expires_in": "30m"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"recovery_code", "recovery_link", "expires_at"}
    assert mail.outbox == []
    browser = Client()
    page_url = urlsplit(body["recovery_link"])
    page = browser.get(f"{page_url.path}?{page_url.query}")
    # The link opens the page of a fresh browser: it starts with a CSRF cookie from the page view.
    flow_id = page_url.query.split("flow=")[1]
    assert page.status_code in (200, 302)
    app = Client()
    flow = app.get("/self-service/recovery/flows", {"id": flow_id}).json()
    assert flow["state"] == "sent_email"


def test_admin_recovery_link(admin_api, ada):
    response = admin_api.post("/admin/recovery/link", {"identity_id": str(ada.pk)}, format="json")
    assert response.status_code == 200
    link = urlsplit(response.json()["recovery_link"])
    opened = Client().get(f"{link.path}?{link.query}")
    assert opened.status_code == 303 and opened["Location"].startswith("/settings?flow=")


@pytest.mark.parametrize(
    "body,status",
    [({}, 400), ({"identity_id": "nope"}, 400), ({"identity_id": "6f0b1b8e-7d0e-4b43-9f4e-2f8c7c1c9b11"}, 404)],
)
def test_admin_recovery_bad_input(admin_api, body, status):
    assert admin_api.post("/admin/recovery/code", body, format="json").status_code == status
    assert admin_api.post(
        "/admin/recovery/code",
        {"identity_id": "6f0b1b8e-7d0e-4b43-9f4e-2f8c7c1c9b11", "expires_in": "forever"},
        format="json",
    ).status_code in (400, 404)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_code_stays_single_use_under_concurrent_submissions(settings):
    settings.IDENTITY_THROTTLE_ENABLED = False
    make_identity("race@example.com")
    app = Client()
    flow = start(app)
    submit(app, flow, {"method": "code", "email": "race@example.com"})
    code = last_code(mail.outbox, "race@example.com")
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def attempt():
        client = Client()
        barrier.wait()
        try:
            statuses.append(submit(client, flow, {"method": "code", "code": code}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 400, 400, 400]
    assert Session.objects.count() == 1
