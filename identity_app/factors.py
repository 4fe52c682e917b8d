"""Reading an identity's factors: which credentials can complete a login, and what that makes possible.

First factors sign in (aal1); second factors raise a session to aal2. See Kratos'
``identity.ActiveCredentialsCounter`` for the same counting.
"""

from __future__ import annotations

from identity_app.models import Credential, CredentialIdentifier, Identity

FIRST_FACTORS = (
    Credential.Type.PASSWORD,
    Credential.Type.PASSKEY,
    Credential.Type.CODE,
    Credential.Type.OIDC,
)
SECOND_FACTORS = (Credential.Type.TOTP, Credential.Type.LOOKUP_SECRET, Credential.Type.WEBAUTHN)


def credential_usable(credential: Credential) -> bool:
    """Whether the credential can complete a login: a password hash, a seed, an unused code, a key."""
    config = credential.config if isinstance(credential.config, dict) else {}
    if credential.type == Credential.Type.PASSWORD:
        return bool(config.get("hashed_password"))
    if credential.type == Credential.Type.TOTP:
        return bool(config.get("sealed_seed"))
    if credential.type == Credential.Type.LOOKUP_SECRET:
        # Kratos also counts used-up codes; that would lock the identity out of aal2 for good.
        return any(entry.get("used_at") is None for entry in config.get("codes", []))
    if credential.type in (Credential.Type.WEBAUTHN, Credential.Type.PASSKEY):
        return bool(config.get("keys"))
    return credential.type in FIRST_FACTORS


def usable_credentials(identity: Identity) -> list[Credential]:
    """The identity's credentials that can complete a login right now (one query, or none when the
    credentials were prefetched)."""
    return [c for c in identity.credentials.all() if credential_usable(c)]


def available_aal(identity: Identity) -> str:
    """The highest assurance level the identity can reach: ``aal2`` with a second factor."""
    types = {c.type for c in usable_credentials(identity)}
    if types.intersection(SECOND_FACTORS):
        return "aal2"
    return "aal1" if types.intersection(FIRST_FACTORS) else "aal0"


def has_second_factor(identity: Identity) -> bool:
    return available_aal(identity) == "aal2"


def first_factor_count(identity: Identity) -> int:
    """How many ways the identity has to sign in without a session; every passkey counts."""
    count = 0
    for credential in usable_credentials(identity):
        if credential.type == Credential.Type.PASSKEY:
            count += len(credential.config.get("keys", []))
        elif credential.type in FIRST_FACTORS:
            count += 1
    return count


def factor_summary(identity: Identity) -> list[str]:
    """Human-readable factors for the console, e.g. ``["Password", "TOTP", "Passkey x2"]``."""
    summary = []
    for credential in usable_credentials(identity):
        label = Credential.Type(credential.type).label
        keys = credential.config.get("keys") if credential.type in ("webauthn", "passkey") else None
        summary.append(f"{label} x{len(keys)}" if keys and len(keys) > 1 else label)
    return summary


def keys_of(identity: Identity, credential_type: str) -> list[dict]:
    """The registered WebAuthn keys (``webauthn`` or ``passkey``) of an identity, as stored."""
    credential = Credential.objects.filter(identity=identity, type=credential_type).first()
    return list(credential.config.get("keys", [])) if credential else []


def user_handle_of(identity: Identity, credential_type: str) -> str:
    """The WebAuthn user handle (base64url) the identity's keys of this type were made for, or ``""``."""
    credential = Credential.objects.filter(identity=identity, type=credential_type).first()
    return credential.config.get("user_handle", "") if credential else ""


def identity_id_for_passkey(user_handle: str):
    """The identity whose passkeys carry this WebAuthn user handle (base64url), or ``None``."""
    if not user_handle:
        return None
    row = (
        CredentialIdentifier.objects.filter(type=Credential.Type.PASSKEY, identifier=user_handle)
        .values_list("credential__identity_id", flat=True)
        .first()
    )
    return row
