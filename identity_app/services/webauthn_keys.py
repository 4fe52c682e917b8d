"""Writing WebAuthn keys: security keys (credential type ``webauthn``, a second factor) and passkeys
(type ``passkey``, a first factor).

A credential's ``config`` holds the WebAuthn user handle and its ``keys`` (public key, signature
counter, transports, name); never a private key, which stays in the authenticator. Using a key
verifies the assertion and stores the new counter while the credential row is locked, so two
logins replaying one assertion cannot both pass the "counter must grow" check.
"""

from __future__ import annotations

from django.utils import timezone

from identity_app import relying_party
from identity_app.factors import first_factor_count
from identity_app.models import Credential, Identity
from identity_app.relying_party import CeremonyFailed
from ory_platform.db import retrying


class KeyAlreadyRegistered(Exception):
    """The authenticator's credential id is already one of the identity's keys."""


class KeyNotFound(Exception):
    """No key of the identity has this id."""


class WouldLockOut(Exception):
    """Removing the key would leave the identity without any way to sign in."""


def _locked(identity_id, credential_type: str) -> Credential | None:
    return Credential.objects.select_for_update().filter(identity_id=identity_id, type=credential_type).first()


@retrying
def webauthn_key_add(
    *, identity_id, credential_type: str, key: dict, user_handle: str, identifiers: list[str]
) -> Credential:
    """Add a verified key (see :func:`identity_app.relying_party.verify_registration`). Passkeys
    are found at login by ``user_handle``, so it becomes the credential's identifier; security
    keys carry the identity's identifiers from the schema."""
    Identity.objects.select_for_update().get(pk=identity_id)
    credential = _locked(identity_id, credential_type)
    if credential is None:
        credential = Credential(identity_id=identity_id, type=credential_type, config={"user_handle": user_handle})
    keys = list(credential.config.get("keys", []))
    if any(existing["id"] == key["id"] for existing in keys):
        raise KeyAlreadyRegistered
    credential.config = {**credential.config, "keys": [*keys, key]}
    credential.version = 1
    credential.save()
    wanted = [user_handle] if credential_type == Credential.Type.PASSKEY else identifiers
    current = set(credential.identifiers.values_list("identifier", flat=True))
    for identifier in wanted:
        if identifier and identifier not in current:
            credential.identifiers.create(type=credential_type, identifier=identifier)
    return credential


@retrying
def webauthn_key_remove(*, identity_id, credential_type: str, key_hex: str) -> None:
    """Remove one key. The last way to sign in (a lone passkey without a password) stays."""
    identity = Identity.objects.select_for_update().get(pk=identity_id)
    credential = _locked(identity_id, credential_type)
    keys = list(credential.config.get("keys", [])) if credential else []
    kept = [key for key in keys if relying_party.key_hex(key) != key_hex]
    if len(kept) == len(keys):
        raise KeyNotFound
    if credential_type == Credential.Type.PASSKEY and first_factor_count(identity) < 2:
        raise WouldLockOut
    if kept:
        credential.config = {**credential.config, "keys": kept}
        credential.save(update_fields=["config", "updated_at"])
    else:
        credential.delete()


@retrying
def webauthn_key_use(*, identity_id, credential_type: str, response_json: str, challenge: str) -> dict:
    """Verify a login made with one of the identity's keys and record its new signature counter.
    Raises :class:`identity_app.relying_party.CeremonyFailed` (unknown key, bad signature, wrong
    origin, a counter that did not grow)."""
    credential = _locked(identity_id, credential_type)
    assertion = relying_party.parse_assertion(response_json)
    keys = [dict(key) for key in credential.config.get("keys", [])] if credential else []
    key = next((candidate for candidate in keys if candidate["id"] == assertion.key_id), None)
    if key is None:
        raise CeremonyFailed("The key is not registered with this account.")
    handle = assertion.user_handle
    if credential_type == Credential.Type.PASSKEY and handle and handle != credential.config.get("user_handle"):
        raise CeremonyFailed("The passkey names another account.")
    key["sign_count"] = relying_party.verify_assertion(response_json, challenge=challenge, key=key)
    key["last_used_at"] = timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    credential.config = {**credential.config, "keys": [key if k["id"] == key["id"] else k for k in keys]}
    credential.save(update_fields=["config", "updated_at"])
    return key
