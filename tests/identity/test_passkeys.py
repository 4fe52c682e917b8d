"""Passkeys: discoverable credentials registered in settings, used to sign in without a password."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from identity_app.models import Credential, Identity
from identity_app.services.identities import IdentityInput, identity_create
from tests.identity.conftest import message_ids, node
from tests.identity.mfa_support import (
    app_for,
    authenticator,
    enrol_totp,
    register_passkey,
    settings_flow,
    submit_login,
    submit_settings,
)

pytestmark = pytest.mark.django_db


def login_flow(app: Client, **params) -> dict:
    response = app.get("/self-service/login/api", params)
    assert response.status_code == 200, response.content
    return response.json()


def passkey_login(device, **knobs):
    app = Client()
    flow = login_flow(app)
    answer = device.get(node(flow, "passkey_challenge")["attributes"]["value"], **knobs)
    return submit_login(app, flow, {"method": "passkey", "passkey_login": answer})


@pytest.fixture
def passwordless(db) -> Identity:
    """An identity with neither a password nor sign-in by e-mail code: a passkey will be its only way in."""
    identity = identity_create(data=IdentityInput(schema_id="default", traits={"email": "lin@example.com"}))
    Credential.objects.filter(identity=identity, type="code").delete()
    return identity


def test_login_flows_offer_a_discoverable_passkey_sign_in(client):
    flow = login_flow(client)
    options = json.loads(node(flow, "passkey_challenge")["attributes"]["value"])["publicKey"]
    assert options["allowCredentials"] == [] and options["userVerification"] == "preferred"
    assert options["rpId"] == "127.0.0.1"
    trigger = node(flow, "passkey_login_trigger")
    assert trigger["attributes"]["onclickTrigger"] == "oryPasskeyLogin" and "onclick" not in trigger["attributes"]
    assert trigger["meta"]["label"]["id"] == 1010021
    assert node(flow, "passkey_login")["attributes"]["type"] == "hidden"


def test_registering_a_passkey(ada):
    app = app_for(ada)
    settings = settings_flow(app)
    options = json.loads(node(settings, "passkey_create_data")["attributes"]["value"])["publicKey"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["user"]["name"] == "ada@example.com"  # the schema's passkey display_name trait
    trigger = node(settings, "passkey_register_trigger")
    assert trigger["attributes"]["onclickTrigger"] == "oryPasskeySettingsRegistration"
    assert trigger["meta"]["label"]["id"] == 1050019

    device = authenticator()
    body = register_passkey(app, device)
    credential = Credential.objects.get(identity=ada, type="passkey")
    handle = credential.config["user_handle"]
    assert [i.identifier for i in credential.identifiers.all()] == [handle]
    assert device.credentials[0].user_handle.hex() != str(ada.pk)  # a random handle, not the identity id
    remove = node(body, "passkey_remove")
    assert remove["meta"]["label"]["id"] == 1050020 and remove["attributes"]["disabled"] is False
    # A second passkey keeps the same user handle, and the first is excluded from enrolling again.
    again = json.loads(node(body, "passkey_create_data")["attributes"]["value"])["publicKey"]
    assert again["user"]["id"] == handle and len(again["excludeCredentials"]) == 1


def test_signing_in_with_a_passkey_needs_no_identifier(ada):
    device = authenticator()
    register_passkey(app_for(ada), device)
    response = passkey_login(device)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session"]["identity"]["id"] == str(ada.pk)
    assert body["session"]["authenticator_assurance_level"] == "aal1"
    assert [m["method"] for m in body["session"]["authentication_methods"]] == ["passkey"]
    app = Client(HTTP_X_SESSION_TOKEN=body["session_token"])
    assert app.get("/sessions/whoami").status_code == 200


def test_a_passkey_login_still_needs_the_second_factor(ada, monkeypatch):
    app = app_for(ada)
    enrol_totp(app, monkeypatch)
    device = authenticator()
    register_passkey(app, device)
    response = passkey_login(device)
    assert response.status_code == 200
    body = response.json()
    assert "identity" not in body["session"]  # withheld until the second factor is done
    whoami = Client(HTTP_X_SESSION_TOKEN=body["session_token"]).get("/sessions/whoami")
    assert whoami.json()["error"]["id"] == "session_aal2_required"


@pytest.mark.parametrize(
    "knobs,message_id",
    [({"origin": "https://evil.example"}, 4000044), ({"sign_count": 1}, 4000044)],
    ids=["wrong-origin", "replayed-counter"],
)
def test_forged_passkey_logins_are_refused(ada, knobs, message_id):
    device = authenticator()
    register_passkey(app_for(ada), device)
    assert passkey_login(device).status_code == 200  # counter 1
    response = passkey_login(device, **knobs)
    assert response.status_code == 400
    assert message_ids(response.json()) == [message_id]


def test_an_unknown_passkey_is_refused():
    device = authenticator()
    device.create(
        {
            "publicKey": {
                "rp": {"id": "127.0.0.1", "name": "x"},
                "user": {"id": "dW5rbm93bg", "name": "x"},
                "challenge": "AAAA",
                "authenticatorSelection": {"residentKey": "required"},
            }
        }
    )
    response = passkey_login(device)
    assert response.status_code == 400
    assert message_ids(response.json()) == [4000015]


def test_refresh_with_a_passkey_lists_the_identitys_keys(ada):
    device = authenticator()
    register_passkey(app_for(ada), device)
    app = app_for(ada)
    flow = login_flow(app, refresh="true")
    options = json.loads(node(flow, "passkey_challenge")["attributes"]["value"])["publicKey"]
    assert len(options["allowCredentials"]) == 1
    response = submit_login(app, flow, {"method": "passkey", "passkey_login": device.get({"publicKey": options})})
    assert response.status_code == 200, response.content


def test_the_last_way_to_sign_in_cannot_be_removed(passwordless):
    app = app_for(passwordless)
    device = authenticator()
    body = register_passkey(app, device)
    remove = node(body, "passkey_remove")
    assert remove["attributes"]["disabled"] is True
    response = submit_settings(
        app, settings_flow(app), {"method": "passkey", "passkey_remove": remove["attributes"]["value"]}
    )
    assert response.status_code == 400
    [message] = node(response.json(), "passkey_remove")["messages"]
    assert message["id"] == 4000001 and "lock you out" in message["text"]
    assert Credential.objects.get(identity=passwordless, type="passkey").config["keys"]


def test_a_passkey_can_go_while_another_way_in_remains(passwordless):
    app = app_for(passwordless)
    first, second = authenticator(), authenticator()
    register_passkey(app, first)
    body = register_passkey(app, second)
    removable = [n for n in body["ui"]["nodes"] if n["attributes"].get("name") == "passkey_remove"]
    assert [n["attributes"]["disabled"] for n in removable] == [False, False]
    response = submit_settings(
        app, settings_flow(app), {"method": "passkey", "passkey_remove": removable[0]["attributes"]["value"]}
    )
    assert response.status_code == 200, response.content
    assert len(Credential.objects.get(identity=passwordless, type="passkey").config["keys"]) == 1
    assert passkey_login(second).status_code == 200
