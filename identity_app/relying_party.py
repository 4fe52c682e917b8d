"""This platform as a WebAuthn relying party (W3C Web Authentication Level 2), through ``py_webauthn``.

Plain functions, no database: build the options a browser passes to ``navigator.credentials``,
check what comes back, and describe a registered key as the JSON stored in a credential's
``config["keys"]``. The relying-party id and the accepted origins come from settings
(``IDENTITY_WEBAUTHN_RP_ID`` / ``IDENTITY_WEBAUTHN_ORIGINS``, by default ``PUBLIC_URL``'s host and
origin). Challenges live in the flow's ``internal_context`` between the two steps.

Security keys as a second factor are non-discoverable and need no user verification; passkeys are
discoverable (resident) credentials, so the login can start without an identifier and the
authenticator names the account by its user handle.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

SCRIPT_FILE = Path(__file__).resolve().parent / "assets" / "webauthn.js"
TIMEOUT_MS = 5 * 60 * 1000


class CeremonyFailed(Exception):
    """What the browser sent back is malformed or does not verify (origin, challenge, signature, counter)."""


@dataclass(frozen=True)
class Assertion:
    """The parts of a login response needed to find the key before verifying it."""

    key_id: str  # base64url
    user_handle: str  # base64url, "" when the authenticator sent none


def script_bytes() -> bytes:
    """``webauthn.js``: the only JavaScript the self-service pages load."""
    return SCRIPT_FILE.read_bytes()


def script_integrity() -> str:
    """Subresource integrity of :func:`script_bytes` (``sha512-...``), as Kratos publishes it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(script_bytes()).digest()).decode("ascii")


def _descriptors(keys: list[dict]) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(key["id"]),
            transports=[AuthenticatorTransport(t) for t in key.get("transports", []) if t in known] or None,
        )
        for key in keys
    ]


def _as_browser_json(options) -> dict:
    """Kratos' shape: the options under ``publicKey``, binary fields base64url-encoded."""
    return {"publicKey": json.loads(options_to_json(options))}


def registration_options(
    *, user_handle: bytes, user_name: str, existing_keys: list[dict], passkey: bool
) -> tuple[dict, str]:
    """Options for ``navigator.credentials.create()`` and their challenge (base64url)."""
    selection = AuthenticatorSelectionCriteria(
        resident_key=ResidentKeyRequirement.REQUIRED if passkey else ResidentKeyRequirement.DISCOURAGED,
        user_verification=UserVerificationRequirement.PREFERRED if passkey else UserVerificationRequirement.DISCOURAGED,
    )
    options = generate_registration_options(
        rp_id=settings.IDENTITY_WEBAUTHN_RP_ID,
        rp_name=settings.IDENTITY_WEBAUTHN_RP_NAME,
        user_id=user_handle,
        user_name=user_name,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=selection,
        # Every key already registered: a platform authenticator keeps one credential per user
        # handle and would silently replace it (WebAuthn Level 2, §5.4.3).
        exclude_credentials=_descriptors(existing_keys),
    )
    return _as_browser_json(options), bytes_to_base64url(options.challenge)


def authentication_options(*, allowed_keys: list[dict] | None, passkey: bool) -> tuple[dict, str]:
    """Options for ``navigator.credentials.get()``; ``allowed_keys=None`` lets the authenticator
    offer any discoverable credential for this relying party (passkey sign-in)."""
    options = generate_authentication_options(
        rp_id=settings.IDENTITY_WEBAUTHN_RP_ID,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(allowed_keys or []),
        user_verification=UserVerificationRequirement.PREFERRED if passkey else UserVerificationRequirement.DISCOURAGED,
    )
    return _as_browser_json(options), bytes_to_base64url(options.challenge)


def verify_registration(response_json: object, *, challenge: str, display_name: str = "") -> dict:
    """Check a ``navigator.credentials.create()`` response against ``challenge``, the relying-party
    id and the allowed origins; return the key to store. Raises :class:`CeremonyFailed`."""
    if not isinstance(response_json, str) or not response_json or not challenge:
        raise CeremonyFailed("The WebAuthn registration response is missing.")
    try:
        transports = json.loads(response_json).get("response", {}).get("transports") or []
        verified = verify_registration_response(
            credential=response_json,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.IDENTITY_WEBAUTHN_RP_ID,
            expected_origin=list(settings.IDENTITY_WEBAUTHN_ORIGINS),
        )
    except (WebAuthnException, ValueError, TypeError, AttributeError, KeyError) as error:
        raise CeremonyFailed(str(error) or "The WebAuthn registration response is invalid.") from None
    return {
        "id": bytes_to_base64url(verified.credential_id),
        "public_key": bytes_to_base64url(verified.credential_public_key),
        "sign_count": verified.sign_count,
        "aaguid": verified.aaguid,
        "transports": [t for t in transports if isinstance(t, str)][:8],
        "user_verified": verified.user_verified,
        "backed_up": verified.credential_backed_up,
        "display_name": display_name[:100],
        "added_at": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }


def parse_assertion(response_json: object) -> Assertion:
    """Which key (and, for passkeys, which account) a login response claims to come from."""
    if not isinstance(response_json, str) or not response_json:
        raise CeremonyFailed("The WebAuthn login response is missing.")
    try:
        credential = parse_authentication_credential_json(response_json)
    except (WebAuthnException, ValueError, TypeError, AttributeError) as error:
        raise CeremonyFailed(str(error) or "The WebAuthn login response is malformed.") from None
    handle = credential.response.user_handle or b""
    return Assertion(key_id=bytes_to_base64url(credential.raw_id), user_handle=bytes_to_base64url(handle))


def verify_assertion(response_json: str, *, challenge: str, key: dict) -> int:
    """Check a ``navigator.credentials.get()`` response made by ``key``: challenge, origin,
    relying-party id, signature, and a signature counter above the stored one (a replayed or
    cloned authenticator repeats counts). Returns the new counter; raises :class:`CeremonyFailed`."""
    if not challenge:
        raise CeremonyFailed("This flow holds no WebAuthn challenge.")
    try:
        verified = verify_authentication_response(
            credential=response_json,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.IDENTITY_WEBAUTHN_RP_ID,
            expected_origin=list(settings.IDENTITY_WEBAUTHN_ORIGINS),
            credential_public_key=base64url_to_bytes(key["public_key"]),
            credential_current_sign_count=int(key.get("sign_count", 0)),
        )
    except (WebAuthnException, ValueError, TypeError, AttributeError, KeyError) as error:
        raise CeremonyFailed(str(error) or "The WebAuthn login response is invalid.") from None
    return verified.new_sign_count


def encode(raw: bytes) -> str:
    """base64url without padding, as WebAuthn's JSON carries binary values."""
    return bytes_to_base64url(raw)


def decode(text: str) -> bytes:
    return base64url_to_bytes(text)


def key_hex(key: dict) -> str:
    """A key's id as Kratos names it in ``webauthn_remove`` / ``passkey_remove``: lowercase hex."""
    return base64url_to_bytes(key["id"]).hex()
