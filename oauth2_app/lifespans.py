"""Token lifespans: the client's per-grant override (Hydra's ``*_lifespan`` fields) or the default."""

from __future__ import annotations

from oauth2_provider.settings import oauth2_settings

from oauth2_app.models.clients import GRANT_DEVICE_CODE

_GRANT_PREFIX = {
    "authorization_code": "authorization_code_grant",
    "refresh_token": "refresh_token_grant",
    "client_credentials": "client_credentials_grant",
    GRANT_DEVICE_CODE: "device_authorization_grant",
}


def _default(token: str) -> int:
    return {
        "access_token": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        "id_token": oauth2_settings.ID_TOKEN_EXPIRE_SECONDS,
        "refresh_token": oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS,
    }[token]


def lifespan(client, grant_type: str | None, token: str) -> int:
    """Seconds a ``token`` (``access_token``, ``id_token``, ``refresh_token``) issued to
    ``client`` through ``grant_type`` lives."""
    prefix = _GRANT_PREFIX.get(grant_type or "authorization_code", "authorization_code_grant")
    override = client.lifespan(f"{prefix}_{token}_lifespan") if client is not None else None
    return override or _default(token)


def access_token_expires_in(request) -> int:
    """oauthlib's ``token_expires_in`` callable (RFC 6749 §5.1 ``expires_in``)."""
    return lifespan(getattr(request, "client", None), getattr(request, "grant_type", None), "access_token")
