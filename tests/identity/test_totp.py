"""TOTP: linking an authenticator app in settings, stepping a session up with it, replay and drift."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone

from identity_app import crypto
from identity_app.models import Credential, Flow, Session
from identity_app.services.mfa import totp_context
from tests.identity.conftest import message_ids, node
from tests.identity.mfa_support import (
    aal2_flow,
    app_for,
    code_at,
    enrol_totp,
    freeze_step,
    node_by_id,
    seed_of,
    settings_flow,
    submit_login,
    submit_settings,
)

pytestmark = pytest.mark.django_db


def test_settings_offer_a_qr_code_the_secret_and_a_code_field(ada):
    flow = settings_flow(app_for(ada))
    qr = node_by_id(flow, "totp_qr")
    assert qr["type"] == "img" and qr["group"] == "totp"
    assert qr["attributes"]["src"].startswith("data:image/svg+xml")
    assert qr["meta"]["label"]["id"] == 1050005
    secret = node_by_id(flow, "totp_secret_key")
    assert secret["attributes"]["text"]["id"] == 1050006
    assert secret["meta"]["label"]["id"] == 1050017
    assert len(seed_of(flow)) == 32  # 160 bits of base32
    assert node(flow, "totp_code")["meta"]["label"]["id"] == 1070006
    # The seed waits in the flow's internal context sealed, never in clear.
    internal = Flow.objects.get(pk=flow["id"]).internal_context
    assert internal["totp_seed"].startswith("aesgcm:") and seed_of(flow) not in json.dumps(internal)


def test_the_pending_seed_survives_other_changes_in_the_same_flow(ada):
    app = app_for(ada)
    flow = settings_flow(app)
    response = submit_settings(app, flow, {"method": "profile", "traits": {"email": "ada@example.com"}})
    assert response.status_code == 200
    assert seed_of(response.json()) == seed_of(flow)


@pytest.mark.parametrize("kind,message_id", [("missing", 4000002), ("wrong", 4000008), ("short", 4000008)])
def test_a_wrong_code_is_400_on_the_field(ada, monkeypatch, kind, message_id):
    app = app_for(ada)
    step = freeze_step(monkeypatch)
    flow = settings_flow(app)
    right = code_at(seed_of(flow), step)
    wrong = {"missing": "", "wrong": f"{(int(right) + 1) % 1_000_000:06d}", "short": right[:5]}[kind]
    response = submit_settings(app, flow, {"method": "totp", "totp_code": wrong})
    assert response.status_code == 400
    assert message_ids(response.json(), "totp_code") == [message_id]
    assert not Credential.objects.filter(identity=ada, type="totp").exists()


def test_linking_stores_the_seed_encrypted_and_counts_as_a_second_factor(ada, monkeypatch):
    app = app_for(ada)
    seed, _ = enrol_totp(app, monkeypatch)
    credential = Credential.objects.get(identity=ada, type="totp")
    assert seed not in json.dumps(credential.config)
    assert credential.config["sealed_seed"].startswith("aesgcm:")
    assert crypto.unseal(credential.config["sealed_seed"], context=totp_context(ada.pk)) == seed
    with pytest.raises(crypto.SecretUnreadable):  # bound to its identity: useless on another row
        crypto.unseal(credential.config["sealed_seed"], context=totp_context("someone-else"))
    assert [i.identifier for i in credential.identifiers.all()] == [str(ada.pk)]
    session = Session.objects.get(identity=ada)
    assert session.aal == "aal2"
    assert [m["method"] for m in session.authentication_methods] == ["password", "totp"]
    flow = settings_flow(app)
    unlink = node(flow, "totp_unlink")
    assert unlink["attributes"]["type"] == "submit" and unlink["attributes"]["value"] == "true"
    with pytest.raises(AssertionError):
        node_by_id(flow, "totp_qr")


def test_step_up_to_aal2_with_the_app(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    app = app_for(ada)  # a new password sign-in: aal1
    refused = app.get("/sessions/whoami")
    assert refused.status_code == 403
    assert refused.json()["error"]["id"] == "session_aal2_required"

    flow = aal2_flow(app)
    assert flow["requested_aal"] == "aal2"
    assert message_ids(flow) == [1010004]
    assert node(flow, "totp_code")["meta"]["label"]["id"] == 1010006
    freeze_step(monkeypatch, step + 1)
    response = submit_login(app, flow, {"method": "totp", "totp_code": code_at(seed, step + 1)})
    assert response.status_code == 200, response.content
    session = response.json()["session"]
    assert session["authenticator_assurance_level"] == "aal2"
    assert [m["method"] for m in session["authentication_methods"]] == ["password", "totp"]
    assert [m["aal"] for m in session["authentication_methods"]] == ["aal1", "aal2"]
    assert "session_token" not in response.json()  # the same session, stepped up
    assert app.get("/sessions/whoami").status_code == 200


def test_a_code_cannot_be_replayed_within_its_window(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    freeze_step(monkeypatch, step + 1)
    first = app_for(ada)
    assert (
        submit_login(first, aal2_flow(first), {"method": "totp", "totp_code": code_at(seed, step + 1)}).status_code
        == 200
    )
    second = app_for(ada)
    replay = submit_login(second, aal2_flow(second), {"method": "totp", "totp_code": code_at(seed, step + 1)})
    assert replay.status_code == 400
    assert message_ids(replay.json()) == [4000008]
    # The enrolment code was used as well, and an older step never works again.
    older = submit_login(second, aal2_flow(second), {"method": "totp", "totp_code": code_at(seed, step)})
    assert older.status_code == 400


@pytest.mark.parametrize("offset,accepted", [(-1, True), (1, True), (-2, False), (2, False)])
def test_one_step_of_clock_drift_is_allowed(ada, monkeypatch, offset, accepted):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    now = step + 10
    freeze_step(monkeypatch, now)
    app = app_for(ada)
    response = submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": code_at(seed, now + offset)})
    assert (response.status_code == 200) is accepted


def test_codes_may_be_typed_with_spaces(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    freeze_step(monkeypatch, step + 1)
    app = app_for(ada)
    code = code_at(seed, step + 1)
    response = submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 200


def test_second_factor_login_needs_a_session(client, ada):
    response = client.get("/self-service/login/api", {"aal": "aal2"})
    assert response.status_code == 401
    assert response.json()["error"]["id"] == "session_aal1_required"


def test_unlinking_needs_aal2_then_removes_the_app(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    app = app_for(ada)
    flow = settings_flow(app)
    refused = submit_settings(app, flow, {"method": "totp", "totp_unlink": True})
    assert refused.status_code == 403
    body = refused.json()
    assert body["error"]["id"] == "session_aal2_required"
    target = urlsplit(body["redirect_browser_to"])
    assert target.path == "/self-service/login/browser"
    query = parse_qs(target.query)
    assert query["aal"] == ["aal2"] and query["return_to"][0].endswith(f"/settings?flow={flow['id']}")

    freeze_step(monkeypatch, step + 1)
    assert (
        submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": code_at(seed, step + 1)}).status_code == 200
    )
    done = submit_settings(app, flow, {"method": "totp", "totp_unlink": True})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "success"
    assert not Credential.objects.filter(identity=ada, type="totp").exists()
    assert node_by_id(done.json(), "totp_qr")  # ready to link a new app
    assert app.get("/sessions/whoami").status_code == 200


def test_linking_needs_a_recent_sign_in(ada, monkeypatch):
    app = app_for(ada)
    Session.objects.filter(identity=ada).update(authenticated_at=timezone.now() - timedelta(hours=2))
    step = freeze_step(monkeypatch)
    flow = settings_flow(app)
    response = submit_settings(app, flow, {"method": "totp", "totp_code": code_at(seed_of(flow), step)})
    assert response.status_code == 403
    assert response.json()["error"]["id"] == "session_refresh_required"


def test_rotated_keys_still_open_old_seeds(ada, monkeypatch, settings):
    old_key, new_key = "o" * 40, "n" * 40
    settings.IDENTITY_MFA_ENCRYPTION_KEYS = [old_key]
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    with override_settings(IDENTITY_MFA_ENCRYPTION_KEYS=[new_key, old_key]):
        freeze_step(monkeypatch, step + 1)
        app = app_for(ada)
        assert (
            submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": code_at(seed, step + 1)}).status_code
            == 200
        )
    with override_settings(IDENTITY_MFA_ENCRYPTION_KEYS=[new_key]):
        sealed = Credential.objects.get(identity=ada, type="totp").config["sealed_seed"]
        with pytest.raises(crypto.SecretUnreadable):
            crypto.unseal(sealed, context=totp_context(ada.pk))


def _wrong(seed: str, step: int) -> str:
    right = {code_at(seed, step + offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


def test_wrong_codes_are_throttled_per_identity(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)  # that session is aal2 already
    freeze_step(monkeypatch, step + 1)
    app = app_for(ada)
    flow = aal2_flow(app)
    for _ in range(5):  # IDENTITY_THROTTLE["second_factor"]["per_identifier"]: 5 per 5 minutes
        assert submit_login(app, flow, {"method": "totp", "totp_code": _wrong(seed, step + 1)}).status_code == 400
    # Over the limit even the right code is refused unchecked, from any session of the identity.
    other = app_for(ada)
    refused = submit_login(other, aal2_flow(other), {"method": "totp", "totp_code": code_at(seed, step + 1)})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["id"] == "too_many_requests"
    assert other.get("/sessions/whoami").status_code == 403  # still aal1


def test_a_right_code_clears_the_identitys_failures(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    freeze_step(monkeypatch, step + 1)
    app = app_for(ada)
    for _ in range(4):
        submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": _wrong(seed, step + 1)})
    assert (
        submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": code_at(seed, step + 1)}).status_code == 200
    )
    freeze_step(monkeypatch, step + 3)
    second = app_for(ada)
    for _ in range(4):
        wrong = submit_login(second, aal2_flow(second), {"method": "totp", "totp_code": _wrong(seed, step + 3)})
        assert wrong.status_code == 400
