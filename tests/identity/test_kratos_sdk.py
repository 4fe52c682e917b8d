"""The official Kratos SDK (ory-kratos-client 25.4) against a live server, as a real client uses it."""

from __future__ import annotations

import ory_kratos_client as kratos
import pytest
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.models import (
    CreateIdentityBody,
    IdentityWithCredentials,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    JsonPatch,
    PerformNativeLogoutBody,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithPasswordMethod,
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithPasswordMethod,
)

from ory_platform.api_keys import api_key_create
from tests.identity.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def frontend(live_server):
    with kratos.ApiClient(kratos.Configuration(host=live_server.url)) as client:
        yield FrontendApi(client)


@pytest.fixture
def identity_api(live_server):
    key = api_key_create(name="kratos-sdk").secret
    configuration = kratos.Configuration(
        host=live_server.url, api_key={"oryAccessToken": key}, api_key_prefix={"oryAccessToken": "Bearer"}
    )
    with kratos.ApiClient(configuration) as client:
        yield IdentityApi(client)


def register(frontend: FrontendApi, email: str) -> kratos.SuccessfulNativeRegistration:
    flow = frontend.create_native_registration_flow()
    body = UpdateRegistrationFlowWithPasswordMethod(
        method="password", password=PASSWORD, traits={"email": email, "name": {"first": "Sdk", "last": "User"}}
    )
    return frontend.update_registration_flow(
        flow=flow.id, update_registration_flow_body=UpdateRegistrationFlowBody(body)
    )


def login(frontend: FrontendApi, identifier: str, password: str = PASSWORD) -> kratos.SuccessfulNativeLogin:
    flow = frontend.create_native_login_flow()
    body = UpdateLoginFlowWithPasswordMethod(method="password", identifier=identifier, password=password)
    return frontend.update_login_flow(flow=flow.id, update_login_flow_body=UpdateLoginFlowBody(body))


def test_registration_login_whoami_logout(frontend):
    registered = register(frontend, "sdk@example.com")
    assert registered.identity.traits["email"] == "sdk@example.com"
    assert registered.session_token and registered.session.active

    session = login(frontend, "SDK@example.com")
    assert session.session.identity.id == registered.identity.id
    assert session.session.authentication_methods[0].method == "password"

    whoami = frontend.to_session(x_session_token=session.session_token)
    assert whoami.id == session.session.id
    assert whoami.identity.verifiable_addresses[0].value == "sdk@example.com"

    frontend.perform_native_logout(PerformNativeLogoutBody(session_token=session.session_token))
    with pytest.raises(kratos.ApiException) as refused:
        frontend.to_session(x_session_token=session.session_token)
    assert refused.value.status == 401


def test_wrong_password_returns_the_flow_with_the_message(frontend):
    register(frontend, "sdk2@example.com")
    with pytest.raises(kratos.ApiException) as refused:
        login(frontend, "sdk2@example.com", "not the password")
    assert refused.value.status == 400
    assert '"id": 4000006' in refused.value.body


def test_flows_can_be_read_back(frontend):
    flow = frontend.create_native_login_flow()
    again = frontend.get_login_flow(id=flow.id)
    assert again.id == flow.id and again.type == "api"
    registration = frontend.create_native_registration_flow()
    assert frontend.get_registration_flow(id=registration.id).id == registration.id


def test_my_sessions(frontend):
    register(frontend, "multi@example.com")
    first = login(frontend, "multi@example.com")
    login(frontend, "multi@example.com")
    others = frontend.list_my_sessions(x_session_token=first.session_token)
    assert len(others) == 2  # the registration session and the second login
    revoked = frontend.disable_my_other_sessions(x_session_token=first.session_token)
    assert revoked.count == 2


def test_admin_identities(identity_api, frontend):
    created = identity_api.create_identity(
        CreateIdentityBody(
            schema_id="default",
            traits={"email": "admin-made@example.com"},
            credentials=IdentityWithCredentials(
                password=IdentityWithCredentialsPassword(
                    config=IdentityWithCredentialsPasswordConfig(password=PASSWORD)
                )
            ),
            metadata_public={"plan": "free"},
        )
    )
    assert created.credentials["password"].identifiers == ["admin-made@example.com"]
    assert login(frontend, "admin-made@example.com").session.identity.id == created.id

    fetched = identity_api.get_identity(created.id)
    assert fetched.metadata_public == {"plan": "free"}
    listed = identity_api.list_identities(credentials_identifier="admin-made@example.com")
    assert [identity.id for identity in listed] == [created.id]

    patched = identity_api.patch_identity(
        created.id, json_patch=[JsonPatch(op="replace", path="/metadata_public", value={"plan": "pro"})]
    )
    assert patched.metadata_public == {"plan": "pro"}

    sessions = identity_api.list_identity_sessions(created.id)
    assert len(sessions) == 1
    identity_api.delete_identity_sessions(created.id)
    identity_api.delete_identity(created.id)
    with pytest.raises(kratos.ApiException) as missing:
        identity_api.get_identity(created.id)
    assert missing.value.status == 404


def test_admin_api_refuses_without_key(live_server):
    with (
        kratos.ApiClient(kratos.Configuration(host=live_server.url)) as client,
        pytest.raises(kratos.ApiException) as refused,
    ):
        IdentityApi(client).list_identities()
    assert refused.value.status == 401
