"""OpenID Connect claims about an identity, by granted scope (OpenID Connect Core 1.0 §5.4).

This is the one place that turns an identity into claims; the ID token and the userinfo
endpoint both call :func:`identity_claims`. Subjects are opaque strings (Hydra's model): only a
subject that names an identity of identity_app gets claims from its traits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from identity_app.selectors import identity_email_verified

# Claims these scopes release (OpenID Connect Core §5.4); the id token and userinfo never
# carry identity data the client was not granted.
SCOPE_CLAIMS = {
    "email": ("email", "email_verified"),
    "profile": ("name", "given_name", "family_name", "updated_at"),
}
# Claims the consent app may not override through session.id_token (OpenID Connect Core §2).
RESERVED_ID_TOKEN_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "sid"}
    | {"jti"}
)


def identity_for_subject(subject: str):
    """The identity a subject names, or ``None`` when the subject is not an identity id."""
    try:
        identity_id = uuid.UUID(str(subject))
    except ValueError:
        return None
    return get_user_model().objects.filter(pk=identity_id).first()


def email_verified(identity, address: str) -> bool:
    """Whether ``address`` is one of the identity's verified addresses (identity_app's selector)."""
    return identity_email_verified(identity, address)


def identity_claims(identity, scopes: Iterable[str]) -> dict[str, Any]:
    """Claims about ``identity`` released by ``scopes``: ``email``/``email_verified`` for
    ``email``, ``name``/``given_name``/``family_name``/``updated_at`` for ``profile``."""
    if identity is None:
        return {}
    granted = set(scopes)
    traits = identity.traits if isinstance(identity.traits, dict) else {}
    claims: dict[str, Any] = {}
    if "email" in granted and isinstance(traits.get("email"), str) and traits["email"]:
        claims["email"] = traits["email"]
        claims["email_verified"] = email_verified(identity, traits["email"])
    if "profile" in granted:
        name = traits.get("name") if isinstance(traits.get("name"), dict) else {}
        first, last = name.get("first") or "", name.get("last") or ""
        full = " ".join(part for part in (first, last) if part)
        if full:
            claims["name"] = full
        if first:
            claims["given_name"] = first
        if last:
            claims["family_name"] = last
        if getattr(identity, "updated_at", None):
            claims["updated_at"] = int(identity.updated_at.timestamp())
    return claims


def subject_claims(subject: str, scopes: Iterable[str]) -> dict[str, Any]:
    """:func:`identity_claims` for a subject string (nothing for subjects that are not identities)."""
    scopes = list(scopes)
    if not set(scopes) & SCOPE_CLAIMS.keys():
        return {}
    return identity_claims(identity_for_subject(subject), scopes)


def with_session_claims(claims: dict[str, Any], session_claims: dict[str, Any] | None) -> dict[str, Any]:
    """Merge the consent's ``session.id_token`` claims under ours, never over reserved ones."""
    merged = dict(claims)
    for name, value in (session_claims or {}).items():
        if name not in RESERVED_ID_TOKEN_CLAIMS and name not in merged:
            merged[name] = value
    return merged
