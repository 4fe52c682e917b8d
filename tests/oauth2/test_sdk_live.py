"""Against a live server: the official ``ory-hydra-client`` SDK as an external login/consent app and admin,
Authlib as the OAuth 2.0 client, joserfc verifying ID tokens against the published JWKS."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import ory_hydra_client
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.api.oidc_api import OidcApi
from ory_hydra_client.api.wellknown_api import WellknownApi
from ory_hydra_client.models import (
    AcceptDeviceUserCodeRequest,
    AcceptOAuth2ConsentRequest,
    AcceptOAuth2ConsentRequestSession,
    AcceptOAuth2LoginRequest,
    JsonPatch,
    OAuth2Client,
    OAuth2ClientTokenLifespans,
)
from ory_hydra_client.rest import ApiException

from oauth2_app import server
from oauth2_app.models import DeviceGrant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CALLBACK = "https://app.example.com/callback"
LOGIN_APP = "https://login.example.com/login"
CONSENT_APP = "https://login.example.com/consent"
LOGOUT_APP = "https://login.example.com/logout"
DEVICE_APP = "https://login.example.com/device"


@pytest.fixture
def hydra(live_server, settings, api_key_secret):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    settings.OAUTH2_LOGIN_URL, settings.OAUTH2_CONSENT_URL, settings.OAUTH2_LOGOUT_URL = (
        LOGIN_APP,
        CONSENT_APP,
        LOGOUT_APP,
    )
    server.reset_caches()
    config = ory_hydra_client.Configuration(host=live_server.url)
    with ory_hydra_client.ApiClient(config) as api_client:
        # Hydra's SDK declares no auth for admin calls; the API key travels as a default header.
        api_client.set_default_header("Authorization", f"Bearer {api_key_secret}")
        yield OAuth2Api(api_client), api_client, live_server.url
    server.reset_caches()


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _authorize_through_login_app(
    admin: OAuth2Api, base: str, client: OAuth2Client, browser: requests.Session, verifier: str
):
    """A browser goes to /oauth2/auth; our 'login app' and 'consent app' answer through the SDK."""
    oauth = OAuth2Session(
        client.client_id, client.client_secret, redirect_uri=CALLBACK, scope="openid offline_access email"
    )
    url, state = oauth.create_authorization_url(
        f"{base}/oauth2/auth",
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        nonce="n-0S6",
    )
    response = browser.get(url, allow_redirects=False)
    login_challenge = _query(response.headers["Location"])["login_challenge"]
    login_request = admin.get_o_auth2_login_request(login_challenge)
    assert login_request.skip is False and login_request.client.client_id == client.client_id
    accepted = admin.accept_o_auth2_login_request(
        login_challenge, AcceptOAuth2LoginRequest(subject="alice", remember=True, remember_for=3600, amr=["pwd"])
    )
    response = browser.get(accepted.redirect_to, allow_redirects=False)
    consent_challenge = _query(response.headers["Location"])["consent_challenge"]
    consent_request = admin.get_o_auth2_consent_request(consent_challenge)
    assert consent_request.subject == "alice" and consent_request.requested_scope == [
        "openid",
        "offline_access",
        "email",
    ]
    accepted = admin.accept_o_auth2_consent_request(
        consent_challenge,
        AcceptOAuth2ConsentRequest(
            grant_scope=consent_request.requested_scope,
            remember=True,
            session=AcceptOAuth2ConsentRequestSession(access_token={"plan": "pro"}, id_token={"nickname": "Al"}),
        ),
    )
    response = browser.get(accepted.redirect_to, allow_redirects=False)
    callback = response.headers["Location"]
    assert callback.startswith(CALLBACK) and _query(callback)["iss"] == base and _query(callback)["state"] == state
    return oauth, callback


def test_sdk_driven_flow_with_authlib_client(hydra):
    admin, api_client, base = hydra
    client = admin.create_o_auth2_client(
        OAuth2Client(
            client_name="SDK app",
            redirect_uris=[CALLBACK],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            scope="openid offline_access email",
            post_logout_redirect_uris=["https://app.example.com/bye"],
        )
    )
    assert client.client_secret and client.created_at is not None
    assert (
        OidcApi(api_client).discover_oidc_configuration().device_authorization_endpoint == f"{base}/oauth2/device/auth"
    )

    browser = requests.Session()
    verifier = "v" * 64
    oauth, callback = _authorize_through_login_app(admin, base, client, browser, verifier)
    tokens = oauth.fetch_token(f"{base}/oauth2/token", authorization_response=callback, code_verifier=verifier)
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)

    jwks = WellknownApi(api_client).discover_json_web_keys().to_dict()
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"]).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": base},
        aud={"essential": True, "value": client.client_id},
        nonce={"essential": True, "value": "n-0S6"},
    ).validate(claims)
    assert claims["sub"] == "alice" and claims["nickname"] == "Al"

    introspected = admin.introspect_o_auth2_token(token=tokens["access_token"])
    assert introspected.active and introspected.sub == "alice" and introspected.ext == {"plan": "pro"}
    assert introspected.token_use == "access_token" and introspected.client_id == client.client_id

    refreshed = oauth.refresh_token(f"{base}/oauth2/token", refresh_token=tokens["refresh_token"])
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    assert admin.introspect_o_auth2_token(token=tokens["access_token"]).active is False
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.refresh_token(f"{base}/oauth2/token", refresh_token=tokens["refresh_token"])
    assert admin.introspect_o_auth2_token(token=refreshed["access_token"]).active is False  # family revoked

    sessions = admin.list_o_auth2_consent_sessions(subject="alice")
    assert len(sessions) == 1 and sessions[0].grant_scope == ["openid", "offline_access", "email"]

    # remembered login: the next login request is skipped
    oauth2, _ = OAuth2Session(client.client_id, client.client_secret, redirect_uri=CALLBACK, scope="openid"), None
    url, _ = oauth2.create_authorization_url(
        f"{base}/oauth2/auth", code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256"
    )
    login_challenge = _query(browser.get(url, allow_redirects=False).headers["Location"])["login_challenge"]
    assert admin.get_o_auth2_login_request(login_challenge).skip is True

    # logout through the logout app
    response = browser.get(
        f"{base}/oauth2/sessions/logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://app.example.com/bye"},
        allow_redirects=False,
    )
    logout_challenge = _query(response.headers["Location"])["logout_challenge"]
    assert admin.get_o_auth2_logout_request(logout_challenge).subject == "alice"
    redirect_to = admin.accept_o_auth2_logout_request(logout_challenge).redirect_to
    assert browser.get(redirect_to, allow_redirects=False).headers["Location"] == "https://app.example.com/bye"

    admin.revoke_o_auth2_consent_sessions(subject="alice", all=True)
    assert admin.list_o_auth2_consent_sessions(subject="alice") == []


def test_sdk_client_admin_and_client_credentials(hydra):
    admin, _api_client, base = hydra
    client = admin.create_o_auth2_client(
        OAuth2Client(
            client_name="svc",
            grant_types=["client_credentials"],
            scope="read",
            audience=["https://api.example.com"],
            token_endpoint_auth_method="client_secret_post",
        )
    )
    patched = admin.patch_o_auth2_client(client.client_id, [JsonPatch(op="replace", path="/client_name", value="svc2")])
    assert patched.client_name == "svc2"
    lifespans = admin.set_o_auth2_client_lifespans(
        client.client_id, OAuth2ClientTokenLifespans(client_credentials_grant_access_token_lifespan="2m0s")
    )
    assert lifespans.client_credentials_grant_access_token_lifespan == "2m0s"
    assert [c.client_id for c in admin.list_o_auth2_clients(owner="", client_name="svc2")] == [client.client_id]

    session = OAuth2Session(
        client.client_id,
        client.client_secret,
        scope="read",
        token_endpoint_auth_method="client_secret_post",
        revocation_endpoint_auth_method="client_secret_post",
    )
    token = session.fetch_token(
        f"{base}/oauth2/token", grant_type="client_credentials", audience="https://api.example.com"
    )
    assert token["expires_in"] == 120
    introspected = admin.introspect_o_auth2_token(token=token["access_token"], scope="read")
    assert introspected.active and introspected.aud == ["https://api.example.com"]
    session.revoke_token(f"{base}/oauth2/revoke", token["access_token"])
    assert admin.introspect_o_auth2_token(token=token["access_token"]).active is False

    admin.delete_o_auth2_token(client.client_id)
    admin.delete_o_auth2_client(client.client_id)
    with pytest.raises(ApiException) as missing:
        admin.get_o_auth2_client(client.client_id)
    assert missing.value.status == 404
    with pytest.raises(ApiException) as invalid:
        admin.create_o_auth2_client(OAuth2Client(grant_types=["implicit"], redirect_uris=[CALLBACK]))
    assert invalid.value.status == 400


def test_sdk_device_ui_accepts_the_user_code(hydra, settings):
    """An external device UI: the browser brings a device_challenge, the UI names the user code
    with the SDK's acceptUserCodeRequest, the login and consent apps answer as for any flow."""
    admin, _api_client, base = hydra
    settings.OAUTH2_DEVICE_VERIFICATION_URL = DEVICE_APP
    client = admin.create_o_auth2_client(
        OAuth2Client(
            client_name="TV",
            grant_types=["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
            scope="openid offline_access",
            token_endpoint_auth_method="none",
        )
    )
    started = requests.post(
        f"{base}/oauth2/device/auth", data={"client_id": client.client_id, "scope": "openid offline_access"}, timeout=10
    ).json()

    browser = requests.Session()
    response = browser.get(started["verification_uri"], allow_redirects=False)
    assert response.headers["Location"].startswith(DEVICE_APP)
    device_challenge = _query(response.headers["Location"])["device_challenge"]
    with pytest.raises(ApiException) as wrong:
        admin.accept_user_code_request(device_challenge, AcceptDeviceUserCodeRequest(user_code="WRONG999"))
    assert wrong.value.status == 400
    accepted = admin.accept_user_code_request(
        device_challenge, AcceptDeviceUserCodeRequest(user_code=started["user_code"])
    )

    response = browser.get(accepted.redirect_to, allow_redirects=False)
    login_challenge = _query(response.headers["Location"])["login_challenge"]
    assert admin.get_o_auth2_login_request(login_challenge).client.client_id == client.client_id
    accepted = admin.accept_o_auth2_login_request(login_challenge, AcceptOAuth2LoginRequest(subject="tv-owner"))
    response = browser.get(accepted.redirect_to, allow_redirects=False)
    consent_challenge = _query(response.headers["Location"])["consent_challenge"]
    consent_request = admin.get_o_auth2_consent_request(consent_challenge)
    accepted = admin.accept_o_auth2_consent_request(
        consent_challenge, AcceptOAuth2ConsentRequest(grant_scope=consent_request.requested_scope)
    )
    assert browser.get(accepted.redirect_to).status_code == 200  # the "device connected" page

    DeviceGrant.objects.update(last_checked=timezone.now() - timedelta(seconds=10))
    tokens = requests.post(
        f"{base}/oauth2/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": started["device_code"],
            "client_id": client.client_id,
        },
        timeout=10,
    ).json()
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)
    assert admin.introspect_o_auth2_token(token=tokens["access_token"]).sub == "tv-owner"


def test_sdk_logout_channel_fields(hydra):
    admin, _api_client, _base = hydra
    client = admin.create_o_auth2_client(
        OAuth2Client(
            redirect_uris=[CALLBACK],
            backchannel_logout_uri="https://app.example.com/backchannel",
            backchannel_logout_session_required=True,
            frontchannel_logout_uri="https://app.example.com/frontchannel",
        )
    )
    fetched = admin.get_o_auth2_client(client.client_id)
    assert fetched.backchannel_logout_uri == "https://app.example.com/backchannel"
    assert fetched.backchannel_logout_session_required is True
    assert fetched.frontchannel_logout_uri == "https://app.example.com/frontchannel"
    assert fetched.frontchannel_logout_session_required is False


def test_sdk_dynamic_client_registration(hydra, settings):
    """OpenID Connect Dynamic Client Registration through the SDK's OIDC API (RFC 7592 with the
    registration access token as the bearer credential)."""
    _admin, _api_client, base = hydra
    settings.OAUTH2_DYNAMIC_CLIENT_REGISTRATION = True
    with ory_hydra_client.ApiClient(ory_hydra_client.Configuration(host=base)) as anonymous:
        registered = OidcApi(anonymous).create_oidc_dynamic_client(
            OAuth2Client(client_name="RP", redirect_uris=[CALLBACK], scope="openid")
        )
    assert registered.client_secret and registered.registration_access_token
    assert registered.registration_client_uri == f"{base}/oauth2/register/{registered.client_id}"
    owner_config = ory_hydra_client.Configuration(host=base, access_token=registered.registration_access_token)
    with ory_hydra_client.ApiClient(owner_config) as owner:
        oidc = OidcApi(owner)
        assert oidc.get_oidc_dynamic_client(registered.client_id).client_name == "RP"
        replaced = oidc.set_oidc_dynamic_client(
            registered.client_id, OAuth2Client(client_name="RP 2", redirect_uris=[CALLBACK], scope="openid")
        )
        assert replaced.client_name == "RP 2" and replaced.registration_access_token
        owner_config.access_token = replaced.registration_access_token
        oidc.delete_oidc_dynamic_client(registered.client_id)
        with pytest.raises(ApiException) as gone:
            oidc.get_oidc_dynamic_client(registered.client_id)
        assert gone.value.status == 401
