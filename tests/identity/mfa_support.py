"""Helpers for the second-factor tests: a native app with a session token, and the steps a user
takes (open settings, link an authenticator app, step a session up)."""

from __future__ import annotations

import pyotp
from django.conf import settings
from django.test import Client

from identity_app import otp
from identity_app.models import Identity
from tests.conftest import sign_in
from tests.identity.authenticator import SoftwareAuthenticator
from tests.identity.conftest import node


def app_for(identity: Identity) -> Client:
    """A native app holding a fresh aal1 (password) session token; it never sends cookies."""
    issued = sign_in(Client(), identity)
    return Client(HTTP_X_SESSION_TOKEN=issued.token)


def settings_flow(app: Client) -> dict:
    response = app.get("/self-service/settings/api")
    assert response.status_code == 200, response.content
    return response.json()


def submit_settings(app: Client, flow: dict, body: dict):
    return app.post(f"/self-service/settings?flow={flow['id']}", body, content_type="application/json")


def aal2_flow(app: Client) -> dict:
    response = app.get("/self-service/login/api", {"aal": "aal2"})
    assert response.status_code == 200, response.content
    return response.json()


def submit_login(app: Client, flow: dict, body: dict):
    return app.post(f"/self-service/login?flow={flow['id']}", body, content_type="application/json")


def seed_of(flow: dict) -> str:
    """The TOTP seed a settings flow offers (what the user would scan)."""
    return node_by_id(flow, "totp_secret_key")["attributes"]["text"]["context"]["secret"]


def node_by_id(flow: dict, node_id: str) -> dict:
    for item in flow["ui"]["nodes"]:
        if item["attributes"].get("id") == node_id:
            return item
    raise AssertionError(f"no node {node_id}")


def code_at(seed: str, step: int) -> str:
    return pyotp.TOTP(seed).generate_otp(step)


def freeze_step(monkeypatch, step: int | None = None) -> int:
    """Pin the TOTP clock to one time step, so codes computed by the test cannot go stale."""
    step = step if step is not None else otp.current_step()
    monkeypatch.setattr(otp, "current_step", lambda now=None: step)
    return step


def enrol_totp(app: Client, monkeypatch) -> tuple[str, int]:
    """Link an authenticator app through the settings flow; returns its seed and the step used."""
    step = freeze_step(monkeypatch)
    flow = settings_flow(app)
    seed = seed_of(flow)
    response = submit_settings(app, flow, {"method": "totp", "totp_code": code_at(seed, step)})
    assert response.status_code == 200, response.content
    return seed, step


def enrol_lookup(app: Client) -> list[str]:
    """Generate and confirm backup codes; returns them."""
    flow = settings_flow(app)
    shown = submit_settings(app, flow, {"method": "lookup_secret", "lookup_secret_regenerate": True})
    assert shown.status_code == 200, shown.content
    codes = shown_codes(shown.json())
    confirmed = submit_settings(app, flow, {"method": "lookup_secret", "lookup_secret_confirm": True})
    assert confirmed.status_code == 200, confirmed.content
    return codes


def shown_codes(flow: dict) -> list[str]:
    """The unused backup codes a ``lookup_secret_codes`` node shows."""
    secrets = node_by_id(flow, "lookup_secret_codes")["attributes"]["text"]["context"]["secrets"]
    return [s["context"]["secret"] for s in secrets if "secret" in s.get("context", {})]


def authenticator() -> SoftwareAuthenticator:
    """A platform authenticator in a browser on the platform's own origin."""
    return SoftwareAuthenticator(origin=settings.IDENTITY_WEBAUTHN_ORIGINS[0])


def register_key(app: Client, device: SoftwareAuthenticator, *, name: str = "YubiKey") -> dict:
    """Add a security key through the settings flow; returns the flow after it."""
    flow = settings_flow(app)
    options = node(flow, "webauthn_register_trigger")["attributes"]["value"]
    response = submit_settings(
        app,
        flow,
        {"method": "webauthn", "webauthn_register": device.create(options), "webauthn_register_displayname": name},
    )
    assert response.status_code == 200, response.content
    return response.json()


def register_passkey(app: Client, device: SoftwareAuthenticator) -> dict:
    flow = settings_flow(app)
    options = node(flow, "passkey_create_data")["attributes"]["value"]
    response = submit_settings(app, flow, {"method": "passkey", "passkey_settings_register": device.create(options)})
    assert response.status_code == 200, response.content
    return response.json()
