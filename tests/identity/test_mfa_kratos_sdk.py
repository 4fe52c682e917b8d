"""Second factors and passkeys through the official Kratos SDK (ory-kratos-client 25.4), native flows."""

from __future__ import annotations

import json

import ory_kratos_client as kratos
import pytest
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.models import (
    UpdateLoginFlowBody,
    UpdateLoginFlowWithLookupSecretMethod,
    UpdateLoginFlowWithPasskeyMethod,
    UpdateLoginFlowWithPasswordMethod,
    UpdateLoginFlowWithTotpMethod,
    UpdateLoginFlowWithWebAuthnMethod,
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithPasswordMethod,
    UpdateSettingsFlowBody,
    UpdateSettingsFlowWithLookupMethod,
    UpdateSettingsFlowWithPasskeyMethod,
    UpdateSettingsFlowWithTotpMethod,
    UpdateSettingsFlowWithWebAuthnMethod,
)

from ory_platform.api_keys import api_key_create
from tests.identity.conftest import PASSWORD
from tests.identity.mfa_support import authenticator, code_at, freeze_step

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def frontend(live_server):
    with kratos.ApiClient(kratos.Configuration(host=live_server.url)) as client:
        yield FrontendApi(client)


def sign_up(frontend: FrontendApi, email: str) -> str:
    flow = frontend.create_native_registration_flow()
    body = UpdateRegistrationFlowWithPasswordMethod(method="password", password=PASSWORD, traits={"email": email})
    done = frontend.update_registration_flow(
        flow=flow.id, update_registration_flow_body=UpdateRegistrationFlowBody(body)
    )
    return done.session_token


def password_login(frontend: FrontendApi, email: str) -> kratos.SuccessfulNativeLogin:
    flow = frontend.create_native_login_flow()
    body = UpdateLoginFlowWithPasswordMethod(method="password", identifier=email, password=PASSWORD)
    return frontend.update_login_flow(flow=flow.id, update_login_flow_body=UpdateLoginFlowBody(body))


def node_attributes(flow, name: str):
    for node in flow.ui.nodes:
        attributes = node.attributes.actual_instance
        if getattr(attributes, "name", None) == name or getattr(attributes, "id", None) == name:
            return attributes
    raise AssertionError(f"no node {name}")


def update_settings(frontend: FrontendApi, token: str, method) -> kratos.SettingsFlow:
    flow = frontend.create_native_settings_flow(x_session_token=token)
    return frontend.update_settings_flow(
        flow=flow.id, update_settings_flow_body=UpdateSettingsFlowBody(method), x_session_token=token
    )


def step_up(frontend: FrontendApi, token: str, method) -> kratos.SuccessfulNativeLogin:
    flow = frontend.create_native_login_flow(aal="aal2", x_session_token=token)
    return frontend.update_login_flow(
        flow=flow.id, update_login_flow_body=UpdateLoginFlowBody(method), x_session_token=token
    )


def test_totp_enrol_step_up_and_whoami(frontend, monkeypatch):
    token = sign_up(frontend, "totp-sdk@example.com")
    step = freeze_step(monkeypatch)
    flow = frontend.create_native_settings_flow(x_session_token=token)
    seed = node_attributes(flow, "totp_secret_key").text.context["secret"]
    assert node_attributes(flow, "totp_qr").src.startswith("data:image/svg+xml")
    enrolled = frontend.update_settings_flow(
        flow=flow.id,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithTotpMethod(method="totp", totp_code=code_at(seed, step))
        ),
        x_session_token=token,
    )
    assert enrolled.state == "success"
    node_attributes(enrolled, "totp_unlink")

    login = password_login(frontend, "totp-sdk@example.com")
    assert login.session.authenticator_assurance_level == "aal1" and login.session.identity is None
    with pytest.raises(kratos.ApiException) as refused:
        frontend.to_session(x_session_token=login.session_token)
    assert refused.value.status == 403
    assert json.loads(refused.value.body)["error"]["id"] == "session_aal2_required"

    freeze_step(monkeypatch, step + 1)
    stepped = step_up(
        frontend, login.session_token, UpdateLoginFlowWithTotpMethod(method="totp", totp_code=code_at(seed, step + 1))
    )
    assert stepped.session.authenticator_assurance_level == "aal2"
    assert [m.method for m in stepped.session.authentication_methods] == ["password", "totp"]
    assert frontend.to_session(x_session_token=login.session_token).authenticator_assurance_level == "aal2"


def test_lookup_codes_work_exactly_once(frontend):
    token = sign_up(frontend, "lookup-sdk@example.com")
    flow = frontend.create_native_settings_flow(x_session_token=token)
    shown = frontend.update_settings_flow(
        flow=flow.id,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithLookupMethod(method="lookup_secret", lookup_secret_regenerate=True)
        ),
        x_session_token=token,
    )
    assert shown.state == "show_form"
    secrets = node_attributes(shown, "lookup_secret_codes").text.context["secrets"]
    codes = [secret["context"]["secret"] for secret in secrets]
    assert len(codes) == 12
    frontend.update_settings_flow(
        flow=flow.id,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithLookupMethod(method="lookup_secret", lookup_secret_confirm=True)
        ),
        x_session_token=token,
    )

    first = password_login(frontend, "lookup-sdk@example.com").session_token
    used = step_up(
        frontend, first, UpdateLoginFlowWithLookupSecretMethod(method="lookup_secret", lookup_secret=codes[0])
    )
    assert used.session.authenticator_assurance_level == "aal2"
    second = password_login(frontend, "lookup-sdk@example.com").session_token
    with pytest.raises(kratos.ApiException) as again:
        step_up(frontend, second, UpdateLoginFlowWithLookupSecretMethod(method="lookup_secret", lookup_secret=codes[0]))
    assert again.value.status == 400 and '"id": 4000012' in again.value.body


def test_security_key_and_passkey_with_the_software_authenticator(frontend):
    token = sign_up(frontend, "keys-sdk@example.com")
    device = authenticator()
    flow = frontend.create_native_settings_flow(x_session_token=token)
    trigger = node_attributes(flow, "webauthn_register_trigger")
    assert trigger.onclick_trigger == "oryWebAuthnRegistration"
    frontend.update_settings_flow(
        flow=flow.id,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithWebAuthnMethod(
                method="webauthn", webauthn_register=device.create(trigger.value), webauthn_register_displayname="Key"
            )
        ),
        x_session_token=token,
    )
    flow = frontend.create_native_settings_flow(x_session_token=token)
    frontend.update_settings_flow(
        flow=flow.id,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithPasskeyMethod(
                method="passkey",
                passkey_settings_register=device.create(node_attributes(flow, "passkey_create_data").value),
            )
        ),
        x_session_token=token,
    )

    # Passkey first (no identifier typed), then the security key as the second factor.
    login_flow = frontend.create_native_login_flow()
    signed_in = frontend.update_login_flow(
        flow=login_flow.id,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithPasskeyMethod(
                method="passkey", passkey_login=device.get(node_attributes(login_flow, "passkey_challenge").value)
            )
        ),
    )
    assert [m.method for m in signed_in.session.authentication_methods] == ["passkey"]
    session_token = signed_in.session_token
    aal2 = frontend.create_native_login_flow(aal="aal2", x_session_token=session_token)
    options = node_attributes(aal2, "webauthn_login_trigger").value
    stepped = frontend.update_login_flow(
        flow=aal2.id,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithWebAuthnMethod(
                method="webauthn", identifier="keys-sdk@example.com", webauthn_login=device.get(options)
            )
        ),
        x_session_token=session_token,
    )
    assert stepped.session.authenticator_assurance_level == "aal2"
    assert frontend.to_session(x_session_token=session_token).identity.traits["email"] == "keys-sdk@example.com"


def test_an_admin_removes_a_lost_authenticator_app(frontend, live_server, monkeypatch):
    token = sign_up(frontend, "lost-phone@example.com")
    step = freeze_step(monkeypatch)
    flow = frontend.create_native_settings_flow(x_session_token=token)
    seed = node_attributes(flow, "totp_secret_key").text.context["secret"]
    frontend.update_settings_flow(
        flow=flow.id,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithTotpMethod(method="totp", totp_code=code_at(seed, step))
        ),
        x_session_token=token,
    )
    login = password_login(frontend, "lost-phone@example.com")
    with pytest.raises(kratos.ApiException):
        frontend.to_session(x_session_token=login.session_token)  # aal2 required while the app is linked

    key = api_key_create(name="kratos-sdk").secret
    configuration = kratos.Configuration(
        host=live_server.url, api_key={"oryAccessToken": key}, api_key_prefix={"oryAccessToken": "Bearer"}
    )
    with kratos.ApiClient(configuration) as client:
        admin = IdentityApi(client)
        identity_id = frontend.to_session(x_session_token=token).identity.id
        admin.delete_identity_credentials(identity_id, "totp")
        assert frontend.to_session(x_session_token=login.session_token).authenticator_assurance_level == "aal1"
        with pytest.raises(kratos.ApiException) as again:
            admin.delete_identity_credentials(identity_id, "totp")
        assert again.value.status == 404
        with pytest.raises(kratos.ApiException) as passkey:
            admin.delete_identity_credentials(identity_id, "passkey")
        assert passkey.value.status == 404  # none set up
