"""Authenticator assurance levels: whoami's highest_available, step-up after login, settings rules."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.checks import run_checks
from django.test import Client

from identity_app.flows.aal import satisfies
from identity_app.models import Session
from tests.identity.conftest import PASSWORD, message_ids
from tests.identity.mfa_support import (
    aal2_flow,
    app_for,
    code_at,
    enrol_lookup,
    enrol_totp,
    freeze_step,
    settings_flow,
    submit_login,
    submit_settings,
)

pytestmark = pytest.mark.django_db


def native_password_login(email: str = "ada@example.com") -> dict:
    app = Client()
    flow = app.get("/self-service/login/api").json()
    response = submit_login(app, flow, {"method": "password", "identifier": email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def test_an_identity_without_second_factor_is_fine_at_aal1(ada):
    app = app_for(ada)
    whoami = app.get("/sessions/whoami")
    assert whoami.status_code == 200
    assert whoami.json()["authenticator_assurance_level"] == "aal1"


def test_whoami_refuses_aal1_once_a_second_factor_exists(ada, monkeypatch):
    enrol_totp(app_for(ada), monkeypatch)
    response = app_for(ada).get("/sessions/whoami")
    assert response.status_code == 403
    body = response.json()
    assert body["error"]["id"] == "session_aal2_required"
    assert body["error"]["code"] == 403
    assert body["error"]["message"] == "Session does not fulfill the requested Authenticator Assurance Level"
    assert body["redirect_browser_to"] == "http://127.0.0.1:8000/self-service/login/browser?aal=aal2"
    assert body["error"]["details"]["redirect_browser_to"] == body["redirect_browser_to"]


def test_whoami_can_be_configured_to_accept_aal1(ada, monkeypatch, settings):
    enrol_totp(app_for(ada), monkeypatch)
    settings.IDENTITY_MFA_WHOAMI_REQUIRED_AAL = "aal1"
    assert app_for(ada).get("/sessions/whoami").status_code == 200


def test_native_login_withholds_the_identity_until_the_second_factor(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    body = native_password_login()
    assert body["session"]["authenticator_assurance_level"] == "aal1"
    assert "identity" not in body["session"]
    app = Client(HTTP_X_SESSION_TOKEN=body["session_token"])
    freeze_step(monkeypatch, step + 1)
    stepped = submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": code_at(seed, step + 1)})
    assert stepped.status_code == 200
    assert stepped.json()["session"]["identity"]["id"] == str(ada.pk)


def test_aal2_flows_offer_only_the_identitys_second_factors(ada, monkeypatch):
    enrol_lookup(app_for(ada))
    flow = aal2_flow(app_for(ada))
    groups = {n["group"] for n in flow["ui"]["nodes"]}
    assert groups == {"default", "lookup_secret"}
    app = Client(HTTP_X_SESSION_TOKEN=native_password_login()["session_token"])
    flow = aal2_flow(app)
    refused = submit_login(app, flow, {"method": "password", "identifier": "ada@example.com", "password": PASSWORD})
    assert refused.status_code == 400
    assert message_ids(refused.json()) == [4010002]


def test_a_second_factor_cannot_sign_in_on_its_own(ada, monkeypatch):
    codes = enrol_lookup(app_for(ada))
    app = Client()
    flow = app.get("/self-service/login/api").json()
    response = submit_login(app, flow, {"method": "lookup_secret", "lookup_secret": codes[0]})
    assert response.status_code == 400
    assert message_ids(response.json()) == [4010002]


def test_an_aal2_session_asking_for_aal2_again_is_told_so(ada, monkeypatch):
    app = app_for(ada)
    enrol_totp(app, monkeypatch)  # enrolment completed the factor: aal2
    response = app.get("/self-service/login/api", {"aal": "aal2"})
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "session_aal_already_fulfilled"


def test_password_change_needs_aal2_when_a_second_factor_exists(ada, monkeypatch):
    seed, step = enrol_totp(app_for(ada), monkeypatch)
    app = app_for(ada)
    flow = settings_flow(app)
    refused = submit_settings(app, flow, {"method": "password", "password": "an even better passphrase"})
    assert refused.status_code == 403
    redirect = urlsplit(refused.json()["redirect_browser_to"])
    assert parse_qs(redirect.query)["aal"] == ["aal2"]
    # Profile changes that do not touch identifiers stay possible at aal1.
    profile = submit_settings(
        app, flow, {"method": "profile", "traits": {"email": "ada@example.com", "name": {"first": "Augusta"}}}
    )
    assert profile.status_code == 200
    freeze_step(monkeypatch, step + 1)
    assert (
        submit_login(app, aal2_flow(app), {"method": "totp", "totp_code": code_at(seed, step + 1)}).status_code == 200
    )
    done = submit_settings(app, flow, {"method": "password", "password": "an even better passphrase"})
    assert done.status_code == 200


def test_settings_can_be_configured_to_accept_aal1(ada, monkeypatch, settings):
    enrol_totp(app_for(ada), monkeypatch)
    settings.IDENTITY_MFA_SETTINGS_REQUIRED_AAL = "aal1"
    app = app_for(ada)
    response = submit_settings(app, settings_flow(app), {"method": "totp", "totp_unlink": True})
    assert response.status_code == 200


def test_satisfies_follows_the_identitys_factors(ada, monkeypatch):
    session = Session.objects.get(pk=app_for(ada).get("/sessions/whoami").json()["id"])
    assert satisfies(session, "highest_available") and satisfies(session, "aal1")
    enrol_lookup(app_for(ada))
    session.refresh_from_db()
    assert not satisfies(session, "highest_available") and satisfies(session, "aal1")


@pytest.mark.parametrize(
    "name,value,error_id",
    [
        ("IDENTITY_MFA_WHOAMI_REQUIRED_AAL", "aal3", "identity_app.E001"),
        ("IDENTITY_MFA_SETTINGS_REQUIRED_AAL", "highest", "identity_app.E001"),
        ("IDENTITY_MFA_ENCRYPTION_KEYS", ["short"], "identity_app.E002"),
        ("IDENTITY_WEBAUTHN_ORIGINS", [], "identity_app.E003"),
    ],
)
def test_misconfiguration_stops_the_process(settings, name, value, error_id):
    setattr(settings, name, value)
    assert error_id in [message.id for message in run_checks()]
