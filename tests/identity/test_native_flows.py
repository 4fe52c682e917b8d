"""Registration and login for native apps: JSON in, JSON out, no cookies, no redirects."""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import pytest
from django.test import Client
from django.utils import timezone

from identity_app import passwords
from identity_app.models import CourierMessage, Credential, Flow, Identity, Session
from identity_app.services.identities import IdentityInput, PasswordInput, identity_create
from tests.identity.conftest import PASSWORD, make_identity, message_ids, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def app() -> Client:
    """A native app: no cookies ever."""
    return Client()


def start(app, kind: str, **params) -> dict:
    response = app.get(f"/self-service/{kind}/api", params)
    assert response.status_code == 200, response.content
    flow = response.json()
    assert flow["type"] == "api"
    return flow


def submit(app, kind: str, flow: dict, body: dict, **headers):
    return app.post(f"/self-service/{kind}?flow={flow['id']}", body, content_type="application/json", **headers)


REGISTRATION = {"method": "password", "password": PASSWORD, "traits": {"email": "grace@example.com"}}


def test_registration_flow_has_kratos_nodes(app):
    flow = start(app, "registration")
    names = [n["attributes"]["name"] for n in flow["ui"]["nodes"]]
    assert names == [
        "csrf_token",
        "traits.email",
        "traits.name.first",
        "traits.name.last",
        "password",
        "method",
        "method",
    ]
    assert [n["attributes"].get("value") for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "method"] == [
        "password",
        "code",
    ]
    assert node(flow, "traits.email")["attributes"] == {
        "name": "traits.email",
        "type": "email",
        "required": True,
        "autocomplete": "email",
        "maxlength": 320,
        "disabled": False,
        "node_type": "input",
    }
    assert node(flow, "traits.email")["meta"]["label"]["id"] == 1070002
    assert node(flow, "password")["attributes"]["autocomplete"] == "new-password"
    assert node(flow, "csrf_token")["attributes"]["value"] == ""  # API flows carry no CSRF token
    assert flow["ui"]["action"].endswith(f"/self-service/registration?flow={flow['id']}")
    assert flow["state"] == "choose_method"


def test_native_registration_signs_in(app):
    flow = start(app, "registration")
    response = submit(app, "registration", flow, REGISTRATION)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["identity"]["traits"] == {"email": "grace@example.com"}
    assert body["session"]["identity"]["id"] == body["identity"]["id"]
    assert body["session"]["authenticator_assurance_level"] == "aal1"
    assert body["session"]["authentication_methods"][0]["method"] == "password"
    token = body["session_token"]
    assert body["continue_with"][0] == {"action": "set_ory_session_token", "ory_session_token": token}
    verification = body["continue_with"][1]
    assert verification["action"] == "show_verification_ui"
    assert verification["flow"]["verifiable_address"] == "grace@example.com"
    assert CourierMessage.objects.get().template_type == "verification_code_valid"
    assert not response.cookies
    # The token is not stored, only its hash; it works for whoami.
    assert not Session.objects.filter(token_hash=token).exists()
    assert app.get("/sessions/whoami", HTTP_X_SESSION_TOKEN=token).json()["identity"]["id"] == body["identity"]["id"]
    identity = Identity.objects.get()
    credential = identity.credentials.get(type=Credential.Type.PASSWORD)
    assert credential.config["hashed_password"].startswith("argon2$argon2id$")
    assert [row.identifier for row in credential.identifiers.all()] == ["grace@example.com"]
    assert [a.value for a in identity.verifiable_addresses.all()] == ["grace@example.com"]
    assert [a.value for a in identity.recovery_addresses.all()] == ["grace@example.com"]


def test_registration_without_sign_in(app, settings):
    settings.IDENTITY_REGISTRATION_SIGNS_IN = False
    flow = start(app, "registration")
    body = submit(app, "registration", flow, REGISTRATION).json()
    assert "session_token" not in body and "session" not in body
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    "traits,password,field,message_id",
    [
        ({}, PASSWORD, "traits.email", 4000002),
        ({"email": "not-an-address"}, PASSWORD, "traits.email", 4000041),
        ({"email": "grace@example.com"}, "short", "password", 4000032),
        ({"email": "grace@example.com"}, "password123", "password", 4000034),
        ({"email": "grace.hopper@example.com"}, "grace.hopper@example.com", "password", 4000031),
        ({"email": "grace@example.com"}, "", "password", 4000002),
    ],
    ids=["missing-email", "bad-email", "too-short", "breached", "similar", "no-password"],
)
def test_registration_refusals_are_on_the_field(app, traits, password, field, message_id):
    flow = start(app, "registration")
    response = submit(app, "registration", flow, {"method": "password", "password": password, "traits": traits})
    assert response.status_code == 400
    body = response.json()
    assert body["id"] == flow["id"]
    assert message_id in message_ids(body, field)
    assert Identity.objects.count() == 0
    # What was typed comes back, the password never does.
    assert "value" not in node(body, "password")["attributes"]


def test_duplicate_identifier_is_4000007(app):
    make_identity("grace@example.com")
    flow = start(app, "registration")
    response = submit(app, "registration", flow, {**REGISTRATION, "traits": {"email": "Grace@Example.COM"}})
    assert response.status_code == 400
    assert message_ids(response.json()) == [4000007]
    assert Identity.objects.count() == 1


def test_unknown_method_is_refused(app):
    flow = start(app, "registration")
    response = submit(app, "registration", flow, {**REGISTRATION, "method": "carrier-pigeon"})
    assert response.status_code == 400
    assert message_ids(response.json()) == [4010003]


def test_native_login(app, ada):
    flow = start(app, "login")
    password_nodes = [n for n in flow["ui"]["nodes"] if n["group"] in ("default", "password")]
    assert [n["attributes"]["name"] for n in password_nodes] == ["csrf_token", "identifier", "password", "method"]
    assert "code" in [n["attributes"].get("value") for n in flow["ui"]["nodes"] if n["group"] == "code"]
    response = submit(
        app, "login", flow, {"method": "password", "identifier": "ADA@example.com ", "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session"]["identity"]["id"] == str(ada.pk)
    assert body["session"]["active"] is True
    assert body["session_token"]
    assert Flow.objects.get(pk=flow["id"]).state == "passed_challenge"


@pytest.mark.parametrize("identifier,secret", [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_answer(app, ada, identifier, secret):
    flow = start(app, "login")
    response = submit(app, "login", flow, {"method": "password", "identifier": identifier, "password": secret})
    assert response.status_code == 400
    body = response.json()
    assert message_ids(body) == [4000006]
    assert node(body, "identifier")["attributes"]["value"] == identifier
    assert Session.objects.count() == 0


def test_unknown_user_costs_a_real_hash_verification(app, ada, monkeypatch):
    calls = []
    real = passwords.dummy_verify
    monkeypatch.setattr(passwords, "dummy_verify", lambda pw: calls.append(pw) or real(pw))
    flow = start(app, "login")
    submit(app, "login", flow, {"method": "password", "identifier": "nobody@example.com", "password": "x" * 12})
    assert calls == ["x" * 12]


def test_missing_fields(app):
    flow = start(app, "login")
    response = submit(app, "login", flow, {"method": "password"})
    assert response.status_code == 400
    assert message_ids(response.json(), "identifier") == [4000002]
    assert message_ids(response.json(), "password") == [4000002]


def test_inactive_identity_cannot_sign_in(app):
    make_identity("off@example.com", state=Identity.State.INACTIVE)
    flow = start(app, "login")
    response = submit(app, "login", flow, {"method": "password", "identifier": "off@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert message_ids(response.json()) == [4010011]
    assert Session.objects.count() == 0


def test_imported_hash_is_upgraded_on_login(app):
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    identity = identity_create(
        data=IdentityInput(
            schema_id="default", traits={"email": "old@example.com"}, password=PasswordInput(hashed_password=legacy)
        )
    )
    flow = start(app, "login")
    response = submit(app, "login", flow, {"method": "password", "identifier": "old@example.com", "password": PASSWORD})
    assert response.status_code == 200
    stored = identity.credentials.get(type="password").config["hashed_password"]
    assert stored.startswith("argon2$argon2id$")
    assert passwords.verify_password(PASSWORD, stored).valid


def test_expired_flow_is_410_with_a_replacement(app, ada):
    flow = start(app, "login")
    Flow.objects.filter(pk=flow["id"]).update(expires_at=timezone.now() - timedelta(minutes=5))
    response = submit(app, "login", flow, {"method": "password", "identifier": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 410
    body = response.json()
    assert body["error"]["id"] == "self_service_flow_expired"
    replacement = Flow.objects.get(pk=body["use_flow_id"])
    assert replacement.kind == "login" and replacement.type == "api"
    assert [m["id"] for m in replacement.ui["messages"]] == [4010001]
    assert Session.objects.count() == 0


def test_get_expired_flow_is_410(app):
    flow = start(app, "registration")
    Flow.objects.filter(pk=flow["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = app.get("/self-service/registration/flows", {"id": flow["id"]})
    assert response.status_code == 410
    assert response.json()["error"]["details"]["redirect_to"].endswith("/self-service/registration/api")


def test_flow_can_be_fetched(app):
    flow = start(app, "login")
    response = app.get("/self-service/login/flows", {"id": flow["id"]})
    assert response.status_code == 200
    assert response.json()["id"] == flow["id"]


@pytest.mark.parametrize(
    "flow_id,status", [("", 400), ("not-a-uuid", 400), ("6f0b1b8e-7d0e-4b43-9f4e-2f8c7c1c9b11", 404)]
)
def test_bad_flow_ids(app, flow_id, status):
    response = app.post(f"/self-service/login?flow={flow_id}", {}, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == status


def test_a_login_flow_is_not_a_registration_flow(app):
    flow = start(app, "login")
    response = submit(app, "registration", flow, REGISTRATION)
    assert response.status_code == 404


def test_malformed_json_is_400(app):
    flow = start(app, "login")
    response = app.post(f"/self-service/login?flow={flow['id']}", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "bad_request"


def test_api_flow_refuses_browser_requests(app, ada):
    flow = start(app, "login")
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD}
    with_origin = submit(app, "login", flow, body, HTTP_ORIGIN="https://evil.example")
    assert with_origin.status_code == 400 and "Origin" in with_origin.json()["error"]["reason"]
    app.cookies["something"] = "x"
    with_cookie = submit(app, "login", flow, body)
    assert with_cookie.status_code == 400 and "Cookie" in with_cookie.json()["error"]["reason"]
    assert Session.objects.count() == 0


def test_a_completed_flow_cannot_be_replayed(app, ada):
    flow = start(app, "login")
    body = {"method": "password", "identifier": "ada@example.com", "password": PASSWORD}
    assert submit(app, "login", flow, body).status_code == 200
    assert submit(app, "login", flow, body).status_code == 400
    assert Session.objects.count() == 1


def test_signed_in_app_cannot_start_another_login(app, ada):
    token = submit(
        app,
        "login",
        start(app, "login"),
        {"method": "password", "identifier": "ada@example.com", "password": PASSWORD},
    ).json()["session_token"]
    response = app.get("/self-service/login/api", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "session_already_available"
    assert app.get("/self-service/registration/api", HTTP_X_SESSION_TOKEN=token).status_code == 400


def test_refresh_reauthenticates_the_same_session(app, ada):
    first = submit(
        app,
        "login",
        start(app, "login"),
        {"method": "password", "identifier": "ada@example.com", "password": PASSWORD},
    ).json()
    token = first["session_token"]
    Session.objects.update(authenticated_at=timezone.now() - timedelta(hours=2))
    flow = app.get("/self-service/login/api", {"refresh": "true"}, HTTP_X_SESSION_TOKEN=token).json()
    assert flow["refresh"] is True
    assert node(flow, "identifier")["attributes"] == {
        "name": "identifier",
        "type": "hidden",
        "value": "ada@example.com",
        "required": True,
        "disabled": False,
        "node_type": "input",
    }
    response = submit(
        app,
        "login",
        flow,
        {"method": "password", "identifier": "ada@example.com", "password": PASSWORD},
        HTTP_X_SESSION_TOKEN=token,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert "session_token" not in body
    assert body["session"]["id"] == first["session"]["id"]
    session = Session.objects.get()
    assert timezone.now() - session.authenticated_at < timedelta(minutes=1)


def test_return_to_must_be_allowed(app, settings):
    assert app.get("/self-service/login/api", {"return_to": "https://evil.example/steal"}).status_code == 400
    assert app.get("/self-service/login/api", {"return_to": "//evil.example"}).status_code == 400
    settings.IDENTITY_RETURN_TO_ALLOWED_HOSTS = ["app.example.com"]
    assert app.get("/self-service/login/api", {"return_to": "https://app.example.com/welcome"}).status_code == 200
    assert app.get("/self-service/login/api", {"return_to": "/relative/path"}).status_code == 200


def test_unknown_aal_is_refused(app):
    response = app.get("/self-service/login/api", {"aal": "aal9"})
    assert response.status_code == 400
