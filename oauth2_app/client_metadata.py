"""Hydra's client JSON (``OAuth2Client``): validating metadata (RFC 7591 §2) and rendering it.

:func:`validate_client_metadata` turns a JSON object into the values a :class:`Client` row holds
or raises :class:`~oauth2_app.errors.InvalidClientMetadata` (400 in the Ory envelope) naming the
field; :func:`client_json` renders a row the way Hydra does, so ``ory-hydra-client`` reads it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from oauth2_provider.settings import oauth2_settings

from oauth2_app.errors import InvalidClientMetadata
from oauth2_app.hashers import MIN_SECRET_LENGTH
from oauth2_app.models.clients import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    LIFESPAN_FIELDS,
    SUPPORTED_GRANT_TYPES,
    SUPPORTED_RESPONSE_TYPES,
    Client,
)
from ory_platform.db import contains_nul
from ory_platform.durations import duration_seconds

DEFAULT_SCOPE = "offline_access offline openid"
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 §3.3 scope-token
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._~\-]{1,255}$")


def parse_duration(value: str, field: str) -> int:
    """A Go duration (``1h30m``, Hydra's lifespan format) in whole seconds."""
    try:
        seconds = duration_seconds(value)
    except ValueError:
        raise InvalidClientMetadata(reason=f"Field {field} must be a duration such as '1h0m0s'.") from None
    if seconds < 1:
        raise InvalidClientMetadata(reason=f"Field {field} must be at least one second.")
    return int(seconds)


def format_duration(seconds: int | None) -> str | None:
    """Seconds as Go's ``Duration.String()`` (``31h0m0s``), as Hydra renders lifespans."""
    if seconds is None:
        return None
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _strings(data: dict, field: str) -> list[str]:
    value = data.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidClientMetadata(reason=f"Field {field} must be an array of strings.")
    return value


def _string(data: dict, field: str, default: str = "") -> str:
    value = data.get(field)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidClientMetadata(reason=f"Field {field} must be a string.")
    return value


def _web_uri(uri: str, field: str) -> None:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidClientMetadata(reason=f"Field {field} must be an absolute http(s) URL, got {uri!r}.")


def _redirect_uri(uri: str, field: str) -> None:
    """RFC 6749 §3.1.2: absolute, no fragment; RFC 9700 §2.1: compared exactly later."""
    parts = urlsplit(uri)
    if "#" in uri:
        raise InvalidClientMetadata(
            reason=f"{field} must not contain fragments (#): {uri!r}.", error_id="invalid_redirect_uri"
        )
    allowed = {scheme.lower() for scheme in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES}
    if parts.scheme.lower() not in allowed or not parts.hostname or "@" in parts.netloc:
        raise InvalidClientMetadata(
            reason=f"{field} must be absolute URLs with one of the schemes {sorted(allowed)}, got {uri!r}.",
            error_id="invalid_redirect_uri",
        )


def _origin(origin: str) -> str:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InvalidClientMetadata(reason=f"Origin URL {origin!r} must be an http(s) origin without credentials.")
    if parts.path.rstrip("/") or parts.query or parts.fragment:
        raise InvalidClientMetadata(reason=f"Origin URL {origin!r} must have an empty path, query and fragment.")
    return f"{parts.scheme}://{parts.netloc}"


def _same_origin_as_one_of(uri: str, others: list[str]) -> bool:
    parsed = urlsplit(uri)
    return any(
        (urlsplit(other).scheme, urlsplit(other).hostname, urlsplit(other).port)
        == (parsed.scheme, parsed.hostname, parsed.port)
        for other in others
    )


def validate_client_metadata(data: Any, *, secret_required: bool) -> dict[str, Any]:
    """Validated field values for a :class:`Client` from Hydra's JSON, plus ``client_secret`` (plain, or None)."""
    if not isinstance(data, dict):
        raise InvalidClientMetadata(reason="The request body must be a JSON object.")
    if contains_nul(data):
        raise InvalidClientMetadata(reason="Client metadata must not contain NUL characters.")
    method = _string(data, "token_endpoint_auth_method", Client.AuthMethod.CLIENT_SECRET_BASIC)
    if method not in Client.AuthMethod.values:
        raise InvalidClientMetadata(
            reason=f"token_endpoint_auth_method {method!r} is not supported: "
            "use client_secret_basic, client_secret_post or none."
        )
    grant_types = _strings(data, "grant_types") or [GRANT_AUTHORIZATION_CODE]
    unknown = [grant for grant in grant_types if grant not in SUPPORTED_GRANT_TYPES]
    if unknown:
        raise InvalidClientMetadata(
            reason=f"Unsupported grant_types {unknown}: use {', '.join(SUPPORTED_GRANT_TYPES)} "
            "(the implicit and password grants are disabled, RFC 9700 §2.1.2, §2.4)."
        )
    response_types = _strings(data, "response_types") or ["code"]
    unknown = [rt for rt in response_types if rt not in SUPPORTED_RESPONSE_TYPES]
    if unknown:
        raise InvalidClientMetadata(
            reason=f"Unsupported response_types {unknown}: only 'code' is served (RFC 9700 §2.1.2)."
        )
    if method == Client.AuthMethod.NONE and GRANT_CLIENT_CREDENTIALS in grant_types:
        raise InvalidClientMetadata(
            reason="A public client (token_endpoint_auth_method 'none') cannot use the client_credentials grant."
        )
    redirect_uris = _strings(data, "redirect_uris")
    for uri in redirect_uris:
        _redirect_uri(uri, "redirect_uris")
    if GRANT_AUTHORIZATION_CODE in grant_types and not redirect_uris:
        raise InvalidClientMetadata(
            reason="The authorization_code grant needs at least one redirect_uris entry.",
            error_id="invalid_redirect_uri",
        )
    post_logout = _strings(data, "post_logout_redirect_uris")
    for uri in post_logout:
        _redirect_uri(uri, "post_logout_redirect_uris")
        if not _same_origin_as_one_of(uri, redirect_uris):
            raise InvalidClientMetadata(
                reason=f"post_logout_redirect_uri {uri!r} must match the scheme, host and port of a redirect URI."
            )
    for field in ("client_uri", "logo_uri", "policy_uri", "tos_uri"):
        if _string(data, field):
            _web_uri(data[field], field)
    backchannel_logout_uri = _string(data, "backchannel_logout_uri")
    if backchannel_logout_uri:
        _redirect_uri(backchannel_logout_uri, "backchannel_logout_uri")  # absolute, no fragment (BCL §2.2)
    frontchannel_logout_uri = _string(data, "frontchannel_logout_uri")
    if frontchannel_logout_uri:
        _redirect_uri(frontchannel_logout_uri, "frontchannel_logout_uri")
        if not _same_origin_as_one_of(frontchannel_logout_uri, redirect_uris):  # Front-Channel Logout §2
            raise InvalidClientMetadata(
                reason="frontchannel_logout_uri must match the scheme, host and port of a redirect URI."
            )
    scope = _string(data, "scope") or DEFAULT_SCOPE
    if not all(_SCOPE_TOKEN.match(token) for token in scope.split()):
        raise InvalidClientMetadata(reason="Field scope must be space-separated scope tokens (RFC 6749 §3.3).")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidClientMetadata(reason="Field metadata must be a JSON object.")
    subject_type = _string(data, "subject_type", "public") or "public"
    if subject_type != "public":
        raise InvalidClientMetadata(
            reason=f"Subject type {subject_type} is not supported by server, only ['public'] are allowed."
        )
    for field in ("skip_consent", "backchannel_logout_session_required", "frontchannel_logout_session_required"):
        if data.get(field) is not None and not isinstance(data[field], bool):
            raise InvalidClientMetadata(reason=f"Field {field} must be a boolean.")
    if data.get("skip_logout_consent") is not None and not isinstance(data["skip_logout_consent"], bool):
        raise InvalidClientMetadata(reason="Field skip_logout_consent must be a boolean or null.")
    secret = data.get("client_secret")
    if secret is not None and not isinstance(secret, str):
        raise InvalidClientMetadata(reason="Field client_secret must be a string.")
    if secret and method == Client.AuthMethod.NONE:
        raise InvalidClientMetadata(reason="A public client (token_endpoint_auth_method 'none') has no client_secret.")
    if secret and len(secret) < MIN_SECRET_LENGTH:
        raise InvalidClientMetadata(
            reason=f"Field client_secret must contain a secret that is at least {MIN_SECRET_LENGTH} characters long."
        )
    client_id = data.get("client_id")
    if client_id is not None and (not isinstance(client_id, str) or not _CLIENT_ID.match(client_id)):
        raise InvalidClientMetadata(reason="Field client_id must be 1-255 characters of A-Z a-z 0-9 . _ ~ -.")
    lifespans = {}
    for field in LIFESPAN_FIELDS:
        if data.get(field) is not None:
            lifespans[field] = parse_duration(data[field], field)
    return {
        "client_id": client_id or None,
        "client_secret": secret or None,
        "fields": {
            "name": _string(data, "client_name"),
            "redirect_uris": " ".join(redirect_uris),
            "post_logout_redirect_uris": " ".join(post_logout),
            "allowed_origins": " ".join(_origin(o) for o in _strings(data, "allowed_cors_origins")),
            "grant_types": grant_types,
            "response_types": response_types,
            "scope": " ".join(scope.split()),
            "audience": _strings(data, "audience"),
            "token_endpoint_auth_method": method,
            "skip_consent": bool(data.get("skip_consent") or False),
            "skip_logout_consent": data.get("skip_logout_consent"),
            "owner": _string(data, "owner"),
            "metadata": metadata or {},
            "contacts": _strings(data, "contacts"),
            "client_uri": _string(data, "client_uri"),
            "logo_uri": _string(data, "logo_uri"),
            "policy_uri": _string(data, "policy_uri"),
            "tos_uri": _string(data, "tos_uri"),
            "subject_type": subject_type,
            "token_lifespans": lifespans,
            "backchannel_logout_uri": backchannel_logout_uri,
            "backchannel_logout_session_required": bool(data.get("backchannel_logout_session_required") or False),
            "frontchannel_logout_uri": frontchannel_logout_uri,
            "frontchannel_logout_session_required": bool(data.get("frontchannel_logout_session_required") or False),
        },
    }


def client_json(client: Client, *, secret: str | None = None) -> dict[str, Any]:
    """Hydra's ``OAuth2Client`` for a row; the plain secret only when it was just set."""
    body: dict[str, Any] = {
        "client_id": client.client_id,
        "client_name": client.name,
        "redirect_uris": client.redirect_uris.split(),
        "grant_types": list(client.grant_types or []),
        "response_types": list(client.response_types or []),
        "scope": client.scope,
        "audience": list(client.audience or []),
        "owner": client.owner,
        "policy_uri": client.policy_uri,
        "allowed_cors_origins": client.allowed_origins.split(),
        "tos_uri": client.tos_uri,
        "client_uri": client.client_uri,
        "logo_uri": client.logo_uri,
        "contacts": list(client.contacts or []),
        "client_secret_expires_at": 0,
        "subject_type": client.subject_type,
        "jwks": {},
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "userinfo_signed_response_alg": "none",
        "metadata": client.metadata or {},
        "skip_consent": client.skip_consent,
        "skip_logout_consent": client.skip_logout_consent,
        "post_logout_redirect_uris": client.post_logout_redirect_uris.split(),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
        "frontchannel_logout_uri": client.frontchannel_logout_uri,
        "frontchannel_logout_session_required": client.frontchannel_logout_session_required,
        "created_at": client.created.isoformat().replace("+00:00", "Z") if client.created else None,
        "updated_at": client.updated.isoformat().replace("+00:00", "Z") if client.updated else None,
    }
    for field in LIFESPAN_FIELDS:
        body[field] = format_duration(client.lifespan(field))
    if secret is not None:
        body["client_secret"] = secret
    return body
