"""Verification of addresses, and sign-in / sign-up with a one-time code by e-mail."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from identity_app.models import Credential, Identity, Session, VerifiableAddress
from tests.conftest import sign_in
from tests.identity.conftest import PASSWORD, csrf_from_page, deliver_mail, last_code, last_link, message_ids, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def app() -> Client:
    return Client()


def post(app, kind: str, flow: dict, body: dict, **headers):
    return app.post(f"/self-service/{kind}?flow={flow['id']}", body, content_type="application/json", **headers)


# --- Verification ----------------------------------------------------------------------------


def test_verify_an_address_with_a_code(app, ada):
    flow = app.get("/self-service/verification/api").json()
    sent = post(app, "verification", flow, {"method": "code", "email": "ada@example.com"}).json()
    assert sent["state"] == "sent_email" and message_ids(sent) == [1080003]
    assert VerifiableAddress.objects.get().status == "sent"
    wrong = post(app, "verification", flow, {"method": "code", "code": "000001"})
    assert wrong.status_code == 400 and message_ids(wrong.json()) == [4070006]
    done = post(app, "verification", flow, {"method": "code", "code": last_code(mail.outbox, "ada@example.com")})
    assert done.status_code == 200
    assert done.json()["state"] == "passed_challenge"
    assert message_ids(done.json()) == [1080002]
    address = VerifiableAddress.objects.get()
    assert address.verified and address.status == "completed" and address.verified_at


def test_verification_link_from_the_email(ada):
    browser = Client()
    flow = browser.get("/self-service/verification/browser", HTTP_ACCEPT="application/json").json()
    token = node(flow, "csrf_token")["attributes"]["value"]
    browser.post(
        f"/self-service/verification?flow={flow['id']}",
        {"csrf_token": token, "method": "code", "email": "ada@example.com"},
    )
    link = urlsplit(last_link(mail.outbox, "ada@example.com"))
    opened = browser.get(f"{link.path}?{link.query}")
    assert opened.status_code == 303
    page = browser.get(opened["Location"]).content.decode()
    assert "You successfully verified your email address." in page
    assert VerifiableAddress.objects.get().verified


def test_unknown_address_is_answered_alike(app):
    flow = app.get("/self-service/verification/api").json()
    response = post(app, "verification", flow, {"method": "code", "email": "ghost@example.com"})
    assert response.status_code == 200 and response.json()["state"] == "sent_email"
    deliver_mail()
    assert mail.outbox == []


def test_registration_sends_a_verification_code(app):
    flow = app.get("/self-service/registration/api").json()
    body = post(
        app, "registration", flow, {"method": "password", "password": PASSWORD, "traits": {"email": "new@example.com"}}
    ).json()
    verification = next(item for item in body["continue_with"] if item["action"] == "show_verification_ui")
    code = last_code(mail.outbox, "new@example.com")
    vflow = {"id": verification["flow"]["id"]}
    done = post(app, "verification", vflow, {"method": "code", "code": code})
    assert done.status_code == 200
    assert Identity.objects.get().verifiable_addresses.get().verified


def test_changing_the_email_in_settings_sends_a_code(ada):
    issued = sign_in(Client(), ada)
    app = Client(HTTP_X_SESSION_TOKEN=issued.token)
    flow = app.get("/self-service/settings/api").json()
    body = post(app, "settings", flow, {"method": "profile", "traits": {"email": "moved@example.com"}}).json()
    assert body["continue_with"][0]["action"] == "show_verification_ui"
    assert last_code(mail.outbox, "moved@example.com")


# --- Sign-in with an e-mail code -------------------------------------------------------------


def test_login_with_a_code(app, ada):
    flow = app.get("/self-service/login/api").json()
    sent = post(app, "login", flow, {"method": "code", "identifier": "ada@example.com"})
    assert sent.status_code == 400  # the flow continues: it now asks for the code
    body = sent.json()
    assert body["state"] == "sent_email" and message_ids(body) == [1010014]
    assert node(body, "code")["meta"]["label"]["id"] == 1070013
    wrong = post(app, "login", flow, {"method": "code", "code": "123456x"})
    assert wrong.status_code == 400 and message_ids(wrong.json()) == [4010008]
    done = post(app, "login", flow, {"method": "code", "code": last_code(mail.outbox, "ada@example.com")})
    assert done.status_code == 200, done.content
    session = done.json()["session"]
    assert session["identity"]["id"] == str(ada.pk)
    assert session["authentication_methods"][0]["method"] == "code"
    assert ada.verifiable_addresses.get().verified


def test_login_code_for_unknown_address_looks_the_same(app, ada):
    flow = app.get("/self-service/login/api").json()
    known = post(app, "login", flow, {"method": "code", "identifier": "ada@example.com"}).json()
    other = app.get("/self-service/login/api").json()
    unknown = post(app, "login", other, {"method": "code", "identifier": "ghost@example.com"}).json()
    assert message_ids(known) == message_ids(unknown)
    assert known["state"] == unknown["state"] == "sent_email"
    assert [n["attributes"]["name"] for n in known["ui"]["nodes"]] == [
        n["attributes"]["name"] for n in unknown["ui"]["nodes"]
    ]
    deliver_mail()
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert post(app, "login", other, {"method": "code", "code": "000000"}).status_code == 400


def test_registration_with_a_code(app):
    flow = app.get("/self-service/registration/api").json()
    sent = post(app, "registration", flow, {"method": "code", "traits": {"email": "coder@example.com"}})
    assert sent.status_code == 400 and sent.json()["state"] == "sent_email"
    assert message_ids(sent.json()) == [1040005]
    assert Identity.objects.count() == 0
    done = post(app, "registration", flow, {"method": "code", "code": last_code(mail.outbox, "coder@example.com")})
    assert done.status_code == 200, done.content
    identity = Identity.objects.get()
    assert identity.traits == {"email": "coder@example.com"}
    assert identity.verifiable_addresses.get().verified
    assert not identity.credentials.filter(type=Credential.Type.PASSWORD).exists()
    assert identity.credentials.filter(type=Credential.Type.CODE).exists()
    assert Session.objects.get().identity == identity


def test_registration_code_refuses_taken_addresses(app, ada):
    flow = app.get("/self-service/registration/api").json()
    response = post(app, "registration", flow, {"method": "code", "traits": {"email": "ada@example.com"}})
    assert response.status_code == 400 and message_ids(response.json()) == [4000007]


def test_code_login_in_the_browser(ada):
    browser = Client()
    init = browser.get("/self-service/login/browser")
    page = browser.get(init["Location"]).content.decode()
    flow_id = init["Location"].split("flow=")[1]
    # One form for identifier, password and the two methods as buttons; passkeys have their own.
    assert page.count("<form") == 2 and 'data-group="passkey"' in page
    assert 'value="code"' in page and "formnovalidate" in page
    csrf = csrf_from_page(page)
    step = browser.post(
        f"/self-service/login?flow={flow_id}", {"csrf_token": csrf, "identifier": "ada@example.com", "method": "code"}
    )
    assert step.status_code == 303
    code_page = browser.get(step["Location"]).content.decode()
    assert 'autocomplete="one-time-code"' in code_page
    done = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf,
            "identifier": "ada@example.com",
            "code": last_code(mail.outbox, "ada@example.com"),
            "method": "code",
        },
    )
    assert done.status_code == 303 and done["Location"] == "/"
