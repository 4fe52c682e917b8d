"""The settings flow: profile and password changes, privileged sessions, browsers and apps."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from identity_app import passwords
from identity_app.models import Credential, Session
from tests.identity.conftest import PASSWORD, csrf_from_page, make_identity, message_ids, node, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much better passphrase"


def age_session(session, minutes: int) -> None:
    Session.objects.filter(pk=session.pk).update(authenticated_at=timezone.now() - timedelta(minutes=minutes))


@pytest.fixture
def app_session(ada):
    issued = sign_in(Client(), ada)
    return Client(HTTP_X_SESSION_TOKEN=issued.token), issued


def start(app) -> dict:
    response = app.get("/self-service/settings/api")
    assert response.status_code == 200, response.content
    return response.json()


def test_settings_needs_a_session(client):
    assert client.get("/self-service/settings/api").json()["error"]["id"] == "session_inactive"
    browser = client.get("/self-service/settings/browser")
    assert browser.status_code == 303
    assert browser["Location"].startswith("/self-service/login/browser?return_to=%2Fsettings")
    assert client.get("/settings")["Location"] == "/self-service/settings/browser"


def test_settings_flow_shape(app_session, ada):
    app, _ = app_session
    flow = start(app)
    assert flow["identity"]["id"] == str(ada.pk)
    assert flow["state"] == "show_form"
    assert node(flow, "traits.email")["attributes"]["value"] == "ada@example.com"
    assert node(flow, "traits.email")["group"] == "profile"
    assert [n["attributes"]["value"] for n in flow["ui"]["nodes"] if n["attributes"].get("name") == "method"] == [
        "profile",
        "password",
        "totp",  # lookup codes, security keys and passkeys have their own buttons
        "delete_account",
    ]


def test_change_name_without_privilege(app_session, ada):
    app, issued = app_session
    age_session(issued.session, 60)
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "profile", "traits": {"email": "ada@example.com", "name": {"first": "Augusta"}}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "success"
    assert message_ids(body) == [1050001]
    assert node(body, "traits.name.first")["attributes"]["value"] == "Augusta"
    ada.refresh_from_db()
    assert ada.traits["name"] == {"first": "Augusta"}


def test_changing_the_email_needs_a_recent_sign_in(app_session, ada):
    app, issued = app_session
    age_session(issued.session, 60)
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "profile", "traits": {"email": "new@example.com"}},
        content_type="application/json",
    )
    assert response.status_code == 403
    body = response.json()
    assert body["error"]["id"] == "session_refresh_required"
    target = urlsplit(body["redirect_browser_to"])
    assert target.path == "/self-service/login/api"
    assert parse_qs(target.query)["refresh"] == ["true"]
    ada.refresh_from_db()
    assert ada.traits["email"] == "ada@example.com"


def test_change_email_with_fresh_session_resyncs_identifiers(app_session, ada):
    app, _ = app_session
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "profile", "traits": {"email": "ada.new@example.com"}},
        content_type="application/json",
    )
    assert response.status_code == 200
    credential = Credential.objects.get(identity=ada, type="password")
    assert [i.identifier for i in credential.identifiers.all()] == ["ada.new@example.com"]
    assert [a.value for a in ada.verifiable_addresses.all()] == ["ada.new@example.com"]
    assert ada.verifiable_addresses.get().verified is False


def test_invalid_profile_is_400_on_the_field(app_session):
    app, _ = app_session
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "profile", "traits": {"email": "broken"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert message_ids(response.json(), "traits.email") == [4000041]


def test_taking_another_accounts_email_is_refused(app_session, ada):
    make_identity("taken@example.com")
    app, _ = app_session
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "profile", "traits": {"email": "taken@example.com"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert message_ids(response.json()) == [4000007]


def test_password_change_revokes_other_sessions(app_session, ada):
    app, issued = app_session
    other = sign_in(Client(), ada)
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "password", "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    stored = Credential.objects.get(identity=ada, type="password").config["hashed_password"]
    assert passwords.verify_password(NEW_PASSWORD, stored).valid
    assert not Session.objects.get(pk=other.session.pk).active
    assert Session.objects.get(pk=issued.session.pk).active


@pytest.mark.parametrize("candidate,message_id", [("short", 4000032), ("password123", 4000034), ("", 4000002)])
def test_password_policy_applies(app_session, candidate, message_id):
    app, _ = app_session
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "password", "password": candidate},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert message_ids(response.json(), "password") == [message_id]


def test_password_change_needs_privilege(app_session, ada):
    app, issued = app_session
    age_session(issued.session, 16)
    flow = start(app)
    response = app.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "password", "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    stored = Credential.objects.get(identity=ada, type="password").config["hashed_password"]
    assert passwords.verify_password(PASSWORD, stored).valid


def test_someone_elses_flow_is_refused(app_session):
    app, _ = app_session
    flow = start(app)
    intruder = Client(HTTP_X_SESSION_TOKEN=sign_in(Client(), make_identity("eve@example.com")).token)
    response = intruder.post(
        f"/self-service/settings?flow={flow['id']}",
        {"method": "password", "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "security_identity_mismatch"
    assert intruder.get("/self-service/settings/flows", {"id": flow["id"]}).status_code == 400


def test_browser_settings_page_and_privileged_redirect(client, ada):
    issued = sign_in(client, ada)
    init = client.get("/self-service/settings/browser")
    assert init.status_code == 303 and init["Location"].startswith("/settings?flow=")
    page = client.get(init["Location"]).content.decode()
    assert ">Profile</h2>" in page and ">Password</h2>" in page and ">Delete your account</h2>" in page
    assert 'value="ada@example.com"' in page
    flow_id = parse_qs(urlsplit(init["Location"]).query)["flow"][0]
    age_session(issued.session, 30)
    response = client.post(
        f"/self-service/settings?flow={flow_id}",
        {"csrf_token": csrf_from_page(page), "method": "password", "password": NEW_PASSWORD},
    )
    assert response.status_code == 303
    target = urlsplit(response["Location"])
    assert target.path == "/self-service/login/browser"
    assert parse_qs(target.query)["return_to"][0].endswith(f"/settings?flow={flow_id}")


def test_browser_password_change_shows_success(client, ada):
    sign_in(client, ada)
    init = client.get("/self-service/settings/browser")
    page = client.get(init["Location"]).content.decode()
    flow_id = parse_qs(urlsplit(init["Location"]).query)["flow"][0]
    response = client.post(
        f"/self-service/settings?flow={flow_id}",
        {"csrf_token": csrf_from_page(page), "method": "password", "password": NEW_PASSWORD},
    )
    assert response.status_code == 303 and response["Location"] == f"/settings?flow={flow_id}"
    assert "Your changes have been saved!" in client.get(response["Location"]).content.decode()
