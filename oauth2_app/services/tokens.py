"""Token issuance, revocation and the device authorization request, each one transaction.

oauthlib drives the protocol inside the transaction, so a serialization conflict (SQLSTATE
40001) re-runs the whole exchange. Error answers commit too: a replayed code or refresh token
revokes its family as part of answering ``invalid_grant``. Only an error raised while saving
tokens (a lost race on a refresh token) rolls the attempt back.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from oauth2_app import revocation
from oauth2_app.models import AccessToken, Client, DeviceGrant, RefreshToken
from oauth2_app.models.clients import GRANT_CLIENT_CREDENTIALS, GRANT_DEVICE_CODE
from oauth2_app.request_checks import requested_audience
from oauth2_app.server import device_core, issuer_url, oauthlib_core
from oauth2_app.validator import secret_hash
from ory_platform.db import retrying
from ory_platform.queries import unique_row


def _oauthlib_params(core, request):
    uri, http_method, body, headers = core._extract_params(request)
    return uri, http_method, body, headers


def token_exchange(request) -> tuple[dict, str, int]:
    """The token endpoint (RFC 6749 §3.2): ``(headers, json body, status)``.

    The client credentials grant redeems nothing and reads nothing it writes, so it runs outside
    a transaction and only its token's insert holds one (on SQLite, where a write transaction
    holds the database's single write lock, that is the difference between locking for the whole
    exchange and for one insert). Every other grant redeems a code, refresh token or device code
    and saves the tokens it issued in the same transaction.
    """
    if request.POST.get("grant_type") == GRANT_CLIENT_CREDENTIALS:
        return _token_response(request, in_transaction=False)
    return _token_exchange_in_transaction(request)


@retrying
def _token_exchange_in_transaction(request) -> tuple[dict, str, int]:
    return _token_response(request, in_transaction=True)


def _token_response(request, *, in_transaction: bool) -> tuple[dict, str, int]:
    core = oauthlib_core()
    uri, http_method, body, headers = _oauthlib_params(core, request)
    try:
        return core.server.create_token_response(uri, http_method, body, headers, None)
    except OAuth2Error as error:
        if in_transaction:
            transaction.set_rollback(True)
        return dict(error.headers), error.json, error.status_code


@retrying
def token_revoke(request) -> tuple[dict, str, int]:
    """The revocation endpoint (RFC 7009 §2)."""
    core = oauthlib_core()
    uri, http_method, body, headers = _oauthlib_params(core, request)
    return core.server.create_revocation_response(uri, http_method, body, headers)


@retrying
def device_authorization_create(request) -> tuple[dict, dict | str, int]:
    """The device authorization endpoint (RFC 8628 §3.1-3.2): validate the client, mint the codes
    (the device code stored as its SHA-256) and answer with where the user should go."""
    core = device_core()
    headers, body, status = core.create_device_authorization_response(request)
    if status != 200:
        return headers, body, status
    response = json.loads(body) if isinstance(body, str) else dict(body)
    client = Client.objects.get(client_id=request.POST["client_id"])
    if GRANT_DEVICE_CODE not in (client.grant_types or []):
        return (
            {},
            json.dumps(
                {"error": "unauthorized_client", "error_description": "The client may not use the device grant."}
            ),
            400,
        )
    audience = requested_audience(_FormParams(request.POST))
    if not set(audience) <= set(client.audience or []):
        return (
            {},
            json.dumps(
                {
                    "error": "invalid_request",
                    "error_description": "Requested audience is not registered for this client.",
                }
            ),
            400,
        )
    device = DeviceGrant.objects.create(
        client_id=client.client_id,
        device_code=secret_hash(response["device_code"]),
        user_code=response["user_code"],
        scope=response.get("scope", "") or request.POST.get("scope", ""),
        audience=audience,
        interval=response.get("interval") or 5,
        expires=timezone.now() + timedelta(seconds=response["expires_in"]),
    )
    # Not polled yet: the first poll must not count as too fast (RFC 8628 §3.5 slow_down).
    DeviceGrant.objects.filter(pk=device.pk).update(last_checked=timezone.now() - timedelta(seconds=device.interval))
    response.pop("scope", None)
    response["verification_uri_complete"] = f"{response['verification_uri']}?user_code={response['user_code']}"
    return headers, response, 200


class _FormParams:
    """Enough of an oauthlib request for :func:`requested_audience`."""

    def __init__(self, form):
        self._params = {key: form.get(key) for key in form}


@retrying
def tokens_delete_for_client(*, client_id: str) -> None:
    """``DELETE /admin/oauth2/tokens?client_id=``: revoke every access and refresh token of the client."""
    client = unique_row(Client.objects.filter(client_id=client_id))
    if client is not None:
        revocation.revoke_tokens(client=client)


@retrying
def access_token_revoke(*, access_token_id) -> None:
    """Console action: revoke one access token (and its refresh token)."""
    token = AccessToken.objects.filter(pk=access_token_id).first()
    if token is not None:
        revocation.revoke_access_token(token)


@retrying
def refresh_token_revoke(*, refresh_token_id) -> None:
    """Console action: revoke one refresh token and its family."""
    token = RefreshToken.objects.filter(pk=refresh_token_id).first()
    if token is not None:
        revocation.revoke_refresh_token(token)


def device_verification_uri() -> str:
    from django.urls import reverse

    return issuer_url(reverse("oauth2:device-verify"))
