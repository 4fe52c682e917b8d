"""oauthlib custom validators (``custom_validators.pre_auth``/``post_auth``/``post_token``) for rules
oauthlib has no hook question for: registered audiences (RFC 8707) and S256-only PKCE (RFC 9700)."""

from __future__ import annotations

from oauthlib.oauth2.rfc6749 import errors


def requested_audience(request) -> list[str]:
    raw = request._params.get("audience") if hasattr(request, "_params") else None
    return raw.split() if isinstance(raw, str) else []


def validate_audience(request) -> dict:
    """oauthlib custom validator: requested audiences must be registered for the client (RFC 8707 §2)."""
    audience = requested_audience(request)
    allowed = set(getattr(request.client, "audience", None) or [])
    unknown = [value for value in audience if value not in allowed]
    if unknown:
        raise errors.InvalidRequestError(
            description=f"Requested audience {' '.join(unknown)!r} has not been registered for this client.",
            request=request,
        )
    request.granted_audience = audience
    return {}


def require_s256(request) -> dict:
    """oauthlib custom validator: PKCE with S256 only (RFC 9700 §2.1.1); an absent method means ``plain``."""
    if request.code_challenge is not None and request.code_challenge_method != "S256":
        raise errors.InvalidRequestError(
            description="The code_challenge_method must be S256 (RFC 7636 §4.2; plain is not accepted).",
            request=request,
        )
    return {}
