"""OpenID Connect Dynamic Client Registration 1.0 and RFC 7592 (Hydra's ``/oauth2/register``).

Anyone may register a client, so a registration may not choose what an admin decides: its client
id and secret are generated, and ``metadata``, ``skip_consent``, ``skip_logout_consent`` and
``access_token_strategy`` are refused (Hydra's rules), and so are the client credentials grant and
an ``audience`` (ours: tokens for a self-registered client always carry a user's consent). The
response carries a registration access token, stored as its SHA-256, with which the client reads,
replaces or deletes its registration; replacing it issues a new token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse

from oauth2_app.errors import InvalidClientMetadata
from oauth2_app.models import Client
from oauth2_app.models.clients import GRANT_CLIENT_CREDENTIALS
from oauth2_app.server import issuer_url
from oauth2_app.services.clients import client_create, client_delete, client_replace
from ory_platform.db import retrying
from ory_platform.errors import Forbidden, NotFound, Unauthorized
from ory_platform.queries import unique_row

_TOKEN_PREFIX = "ory_at_"
_UNKNOWN = hashlib.sha256(b"no registration access token").hexdigest()
_NOT_AUTHORIZED = "The requested OAuth 2.0 client does not exist or you provided incorrect credentials."


def _require_enabled() -> None:
    if not settings.OAUTH2_DYNAMIC_CLIENT_REGISTRATION:
        raise NotFound(reason="Dynamic registration is not enabled.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _issue_token(client: Client) -> str:
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    client.registration_access_token_hash = _digest(token)
    client.save(update_fields=["registration_access_token_hash", "updated"])
    return token


def registration_client_uri(client: Client) -> str:
    return issuer_url(reverse("oauth2:dynamic-client", args=[client.client_id]))


def _checked(metadata: Any) -> dict[str, Any]:
    """The metadata with what a registration may not choose refused, and no client id."""
    if not isinstance(metadata, dict):
        raise InvalidClientMetadata(reason="The request body must be a JSON object.")
    if metadata.get("metadata") is not None:
        raise InvalidClientMetadata(reason='"metadata" cannot be set for dynamic client registration')
    if metadata.get("access_token_strategy"):
        raise InvalidClientMetadata(reason="It is not allowed to choose your own access token strategy.")
    for field in ("skip_consent", "skip_logout_consent"):
        if metadata.get(field):
            raise InvalidClientMetadata(
                reason=f'"{field}" cannot be set for dynamic client registration', error_id="invalid_request"
            )
    # Beyond Hydra: an anonymous registration gets no token without a user's consent and names no
    # resource servers, or anyone could mint tokens for any audience and scope.
    grant_types = metadata.get("grant_types")
    if isinstance(grant_types, list) and GRANT_CLIENT_CREDENTIALS in grant_types:
        raise InvalidClientMetadata(reason="The client_credentials grant cannot be registered dynamically.")
    if metadata.get("audience"):
        raise InvalidClientMetadata(reason='"audience" cannot be set for dynamic client registration')
    return {key: value for key, value in metadata.items() if key != "client_id"}


@retrying
def dynamic_client_register(*, metadata: Any) -> tuple[Client, str | None, str]:
    """Register a client; returns it, its secret (None for a public client) and its registration
    access token, both shown once."""
    _require_enabled()
    if isinstance(metadata, dict) and metadata.get("client_secret"):
        raise InvalidClientMetadata(reason="It is not allowed to choose your own OAuth2 Client secret.")
    client, secret = client_create(metadata=_checked(metadata))
    return client, secret, _issue_token(client)


def dynamic_client_get(*, client_id: str, token: str) -> Client:
    _require_enabled()
    return _authenticated(client_id, token)


@retrying
def dynamic_client_replace(*, client_id: str, token: str, metadata: Any) -> tuple[Client, str]:
    """Replace the registration (its secret stays); returns the client and a new registration token."""
    _require_enabled()
    client = _authenticated(client_id, token)
    if isinstance(metadata, dict) and metadata.get("client_secret"):
        raise Forbidden(reason="It is not allowed to choose your own OAuth2 Client secret.")
    client, _ = client_replace(client_id=client.client_id, metadata=_checked(metadata))
    return client, _issue_token(client)


@retrying
def dynamic_client_delete(*, client_id: str, token: str) -> None:
    _require_enabled()
    client = _authenticated(client_id, token)
    client_delete(client_id=client.client_id)


def _authenticated(client_id: str, token: str) -> Client:
    """The client whose registration ``token`` opens; the same 401 (after the same comparison) for
    an unknown client, a client registered by an admin and a wrong token."""
    client = unique_row(Client.objects.filter(client_id=client_id)) if client_id else None
    expected = client.registration_access_token_hash if client and client.registration_access_token_hash else _UNKNOWN
    matches = hmac.compare_digest(expected, _digest(token or ""))
    if client is None or expected == _UNKNOWN or not matches:
        raise Unauthorized(reason=_NOT_AUTHORIZED)
    return client
