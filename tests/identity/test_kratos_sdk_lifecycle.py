"""The Kratos SDK driving settings, recovery, verification, code login and the courier admin API."""

from __future__ import annotations

import re

import ory_kratos_client as kratos
import pytest
from django.core import mail
from ory_kratos_client.api.courier_api import CourierApi
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.models import (
    CreateRecoveryCodeForIdentityBody,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithCodeMethod,
    UpdateRecoveryFlowBody,
    UpdateRecoveryFlowWithCodeMethod,
    UpdateSettingsFlowBody,
    UpdateSettingsFlowWithPasswordMethod,
    UpdateSettingsFlowWithProfileMethod,
    UpdateVerificationFlowBody,
    UpdateVerificationFlowWithCodeMethod,
)

from ory_platform.api_keys import api_key_create
from tests.identity.conftest import make_identity
from tests.identity.test_kratos_sdk import login, register

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def frontend(live_server):
    with kratos.ApiClient(kratos.Configuration(host=live_server.url)) as client:
        yield FrontendApi(client)


@pytest.fixture
def admin_client(live_server):
    key = api_key_create(name="kratos-sdk-admin").secret
    configuration = kratos.Configuration(
        host=live_server.url, api_key={"oryAccessToken": key}, api_key_prefix={"oryAccessToken": "Bearer"}
    )
    with kratos.ApiClient(configuration) as client:
        yield client


def code_for(address: str) -> str:
    for email in reversed(mail.outbox):
        if address in email.to:
            return re.search(r"\b(\d{6})\b", email.body).group(1)
    raise AssertionError(f"no mail to {address}")


def test_settings_profile_and_password(frontend):
    token = register(frontend, "settings@example.com").session_token
    flow = frontend.create_native_settings_flow(x_session_token=token)
    assert flow.identity.traits["email"] == "settings@example.com"
    updated = frontend.update_settings_flow(
        flow=flow.id,
        x_session_token=token,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithProfileMethod(
                method="profile", traits={"email": "settings@example.com", "name": {"first": "Renamed"}}
            )
        ),
    )
    assert updated.state == "success"
    assert updated.identity.traits["name"]["first"] == "Renamed"
    changed = frontend.update_settings_flow(
        flow=flow.id,
        x_session_token=token,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithPasswordMethod(method="password", password="another long passphrase")
        ),
    )
    assert changed.state == "success"
    assert login(frontend, "settings@example.com", "another long passphrase").session.active


def test_recovery_with_a_code(frontend):
    make_identity("lost@example.com")
    flow = frontend.create_native_recovery_flow()
    sent = frontend.update_recovery_flow(
        flow=flow.id,
        update_recovery_flow_body=UpdateRecoveryFlowBody(
            UpdateRecoveryFlowWithCodeMethod(method="code", email="lost@example.com")
        ),
    )
    assert sent.state == "sent_email"
    done = frontend.update_recovery_flow(
        flow=flow.id,
        update_recovery_flow_body=UpdateRecoveryFlowBody(
            UpdateRecoveryFlowWithCodeMethod(method="code", code=code_for("lost@example.com"))
        ),
    )
    assert done.state == "passed_challenge"
    token = done.continue_with[0].actual_instance.ory_session_token
    settings_flow_id = done.continue_with[1].actual_instance.flow.id
    assert frontend.to_session(x_session_token=token).identity.traits["email"] == "lost@example.com"
    assert frontend.get_settings_flow(id=settings_flow_id, x_session_token=token).id == settings_flow_id


def test_verification_with_a_code(frontend):
    registered = register(frontend, "verify@example.com")
    pending = next(
        item.actual_instance
        for item in registered.continue_with
        if item.actual_instance.action == "show_verification_ui"
    )
    done = frontend.update_verification_flow(
        flow=pending.flow.id,
        update_verification_flow_body=UpdateVerificationFlowBody(
            UpdateVerificationFlowWithCodeMethod(method="code", code=code_for("verify@example.com"))
        ),
    )
    assert done.state == "passed_challenge"
    whoami = frontend.to_session(x_session_token=registered.session_token)
    assert whoami.identity.verifiable_addresses[0].verified is True
    # And a new verification flow through the SDK from scratch.
    flow = frontend.create_native_verification_flow()
    sent = frontend.update_verification_flow(
        flow=flow.id,
        update_verification_flow_body=UpdateVerificationFlowBody(
            UpdateVerificationFlowWithCodeMethod(method="code", email="verify@example.com")
        ),
    )
    assert sent.state == "sent_email"


def test_login_with_an_emailed_code(frontend):
    make_identity("coded@example.com")
    flow = frontend.create_native_login_flow()
    with pytest.raises(kratos.ApiException) as step:
        frontend.update_login_flow(
            flow=flow.id,
            update_login_flow_body=UpdateLoginFlowBody(
                UpdateLoginFlowWithCodeMethod(method="code", identifier="coded@example.com", csrf_token="")
            ),
        )
    assert step.value.status == 400 and '"sent_email"' in step.value.body
    session = frontend.update_login_flow(
        flow=flow.id,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithCodeMethod(method="code", code=code_for("coded@example.com"), csrf_token="")
        ),
    )
    assert session.session.authentication_methods[0].method == "code"


def test_admin_recovery_code_and_courier(admin_client, frontend):
    identity = make_identity("admin-recovers@example.com")
    recovery = IdentityApi(admin_client).create_recovery_code_for_identity(
        CreateRecoveryCodeForIdentityBody(identity_id=str(identity.pk), expires_in="15m")
    )
    assert re.fullmatch(r"\d{6}", recovery.recovery_code)
    assert recovery.recovery_link.startswith("http")
    register(frontend, "mailed@example.com")
    messages = CourierApi(admin_client).list_courier_messages(recipient="mailed@example.com")
    assert messages[0].template_type == "verification_code_valid"
    assert CourierApi(admin_client).get_courier_message(messages[0].id).recipient == "mailed@example.com"


def test_flow_errors_are_readable(frontend, client):
    response = client.post(
        "/self-service/login?flow=00000000-0000-0000-0000-000000000000",
        {"method": "password"},
        HTTP_ACCEPT="text/html",
    )
    error_id = response["Location"].split("id=")[1]
    error = frontend.get_flow_error(id=error_id)
    assert error.error["code"] == 404
