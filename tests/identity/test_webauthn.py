"""Security keys (WebAuthn as a second factor), driven by the software authenticator, and the script."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from identity_app.models import Credential, Session
from tests.conftest import sign_in
from tests.identity.authenticator import SoftwareAuthenticator
from tests.identity.conftest import make_identity, message_ids, node
from tests.identity.mfa_support import (
    aal2_flow,
    app_for,
    authenticator,
    node_by_id,
    register_key,
    settings_flow,
    submit_login,
    submit_settings,
)

pytestmark = pytest.mark.django_db


def test_the_script_is_served_as_javascript_and_matches_its_integrity(client, ada):
    response = client.get("/.well-known/ory/webauthn.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"oryWebAuthnLogin" in response.content and b"eval(" not in response.content
    with pytest.raises(AssertionError):  # native apps get no script node
        node_by_id(settings_flow(app_for(ada)), "webauthn_script")
    sign_in(client, ada)
    browser_flow = client.get("/self-service/settings/browser", HTTP_ACCEPT="application/json").json()
    script = node_by_id(browser_flow, "webauthn_script")
    assert script["type"] == "script" and script["group"] == "webauthn"
    assert script["attributes"]["src"] == "http://127.0.0.1:8000/.well-known/ory/webauthn.js"
    digest = base64.b64encode(hashlib.sha512(response.content).digest()).decode()
    assert script["attributes"]["integrity"] == f"sha512-{digest}"
    assert [n["attributes"].get("id") for n in browser_flow["ui"]["nodes"]].count("webauthn_script") == 1


def test_settings_offer_registration_options_without_inline_javascript(ada):
    flow = settings_flow(app_for(ada))
    trigger = node(flow, "webauthn_register_trigger")
    attributes = trigger["attributes"]
    assert attributes["type"] == "button" and attributes["onclickTrigger"] == "oryWebAuthnRegistration"
    assert "onclick" not in attributes
    options = json.loads(attributes["value"])["publicKey"]
    assert options["rp"]["id"] == "127.0.0.1"
    assert options["authenticatorSelection"]["residentKey"] == "discouraged"
    assert options["excludeCredentials"] == []
    assert trigger["meta"]["label"]["id"] == 1050012
    assert node(flow, "webauthn_register")["attributes"]["type"] == "hidden"
    assert node(flow, "webauthn_register_displayname")["meta"]["label"]["id"] == 1050013


def test_registering_a_key_stores_its_public_key_and_completes_aal2(ada):
    app = app_for(ada)
    device = authenticator()
    body = register_key(app, device, name="Blue key")
    credential = Credential.objects.get(identity=ada, type="webauthn")
    [key] = credential.config["keys"]
    assert key["display_name"] == "Blue key" and key["sign_count"] == 0 and key["transports"] == ["internal"]
    assert [i.identifier for i in credential.identifiers.all()] == ["ada@example.com"]
    remove = node(body, "webauthn_remove")
    assert remove["attributes"]["value"] == device.credentials[0].credential_id.hex()
    assert remove["meta"]["label"]["id"] == 1050018 and remove["meta"]["label"]["context"]["display_name"] == "Blue key"
    options = json.loads(node(body, "webauthn_register_trigger")["attributes"]["value"])["publicKey"]
    assert [c["id"] for c in options["excludeCredentials"]] == [key["id"]]  # cannot enrol twice
    session = Session.objects.get(identity=ada)
    assert session.aal == "aal2" and session.authentication_methods[-1]["method"] == "webauthn"


def test_registration_from_another_origin_is_refused(ada):
    app = app_for(ada)
    flow = settings_flow(app)
    options = node(flow, "webauthn_register_trigger")["attributes"]["value"]
    evil = authenticator().create(options, origin="https://evil.example")
    response = submit_settings(app, flow, {"method": "webauthn", "webauthn_register": evil})
    assert response.status_code == 400
    [message] = node(response.json(), "webauthn_register")["messages"]
    assert message["id"] == 4000001 and "origin" in message["text"]
    assert not Credential.objects.filter(identity=ada, type="webauthn").exists()


def test_a_response_to_another_challenge_is_refused(ada):
    app = app_for(ada)
    stale = settings_flow(app)
    response_for_stale = authenticator().create(node(stale, "webauthn_register_trigger")["attributes"]["value"])
    fresh = settings_flow(app)
    response = submit_settings(app, fresh, {"method": "webauthn", "webauthn_register": response_for_stale})
    assert response.status_code == 400


def test_step_up_with_a_security_key(ada):
    device = authenticator()
    register_key(app_for(ada), device)
    app = app_for(ada)
    flow = aal2_flow(app)
    trigger = node(flow, "webauthn_login_trigger")
    assert trigger["attributes"]["onclickTrigger"] == "oryWebAuthnLogin"
    assert trigger["meta"]["label"]["id"] == 1010008
    options = json.loads(trigger["attributes"]["value"])["publicKey"]
    assert len(options["allowCredentials"]) == 1
    response = submit_login(
        app,
        flow,
        {"method": "webauthn", "identifier": "ada@example.com", "webauthn_login": device.get({"publicKey": options})},
    )
    assert response.status_code == 200, response.content
    assert response.json()["session"]["authenticator_assurance_level"] == "aal2"
    stored = Credential.objects.get(identity=ada, type="webauthn").config["keys"][0]
    assert stored["sign_count"] == 1 and stored["last_used_at"]


def login_with(device: SoftwareAuthenticator, ada, **knobs):
    app = app_for(ada)
    flow = aal2_flow(app)
    answer = device.get(node(flow, "webauthn_login_trigger")["attributes"]["value"], **knobs)
    return submit_login(app, flow, {"method": "webauthn", "webauthn_login": answer})


def test_an_assertion_from_another_origin_is_refused(ada):
    device = authenticator()
    register_key(app_for(ada), device)
    response = login_with(device, ada, origin="https://evil.example")
    assert response.status_code == 400
    assert message_ids(response.json()) == [4000044]


@pytest.mark.parametrize("replayed_count", [1, 0])
def test_a_replayed_signature_counter_is_refused(ada, replayed_count):
    device = authenticator()
    register_key(app_for(ada), device)
    assert login_with(device, ada).status_code == 200  # counter 1
    assert login_with(device, ada).status_code == 200  # counter 2
    cloned = login_with(device, ada, sign_count=replayed_count)
    assert cloned.status_code == 400
    assert message_ids(cloned.json()) == [4000044]
    assert Credential.objects.get(identity=ada, type="webauthn").config["keys"][0]["sign_count"] == 2


def test_a_captured_assertion_does_not_work_in_another_flow(ada):
    device = authenticator()
    register_key(app_for(ada), device)
    app = app_for(ada)
    flow = aal2_flow(app)
    answer = device.get(node(flow, "webauthn_login_trigger")["attributes"]["value"])
    thief = app_for(ada)
    stolen = submit_login(thief, aal2_flow(thief), {"method": "webauthn", "webauthn_login": answer})
    assert stolen.status_code == 400
    assert message_ids(stolen.json()) == [4000044]
    assert submit_login(app, flow, {"method": "webauthn", "webauthn_login": answer}).status_code == 200


def test_a_key_registered_to_someone_else_is_refused(ada):
    graces_key = authenticator()
    register_key(app_for(make_identity("grace@example.com")), graces_key)
    register_key(app_for(ada), authenticator())
    app = app_for(ada)
    flow = aal2_flow(app)
    options = json.loads(node(flow, "webauthn_login_trigger")["attributes"]["value"])
    with pytest.raises(LookupError):  # a browser would not even offer it
        graces_key.get(options)
    options["publicKey"]["allowCredentials"] = []
    graces_key.credentials[0].resident = True
    refused = submit_login(app, flow, {"method": "webauthn", "webauthn_login": graces_key.get(options)})
    assert refused.status_code == 400
    assert message_ids(refused.json()) == [4000044]


def test_removing_a_key(ada):
    device = authenticator()
    app = app_for(ada)
    body = register_key(app, device)
    key_id = node(body, "webauthn_remove")["attributes"]["value"]
    response = submit_settings(app, settings_flow(app), {"method": "webauthn", "webauthn_remove": key_id})
    assert response.status_code == 200, response.content
    assert not Credential.objects.filter(identity=ada, type="webauthn").exists()
    unknown = submit_settings(app, settings_flow(app), {"method": "webauthn", "webauthn_remove": "ab" * 16})
    assert unknown.status_code == 400
