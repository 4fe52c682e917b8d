"""Writing second factors: TOTP devices, lookup (backup) codes, and staff removal of any factor.

Each function owns its transaction (:func:`ory_platform.db.retrying`) and locks the credential row
it reads, so checking a one-time code and marking it used happen together: two concurrent logins
with the same code cannot both succeed (under SERIALIZABLE isolation the loser is retried and then
sees the code used).
"""

from __future__ import annotations

import enum
import json
import secrets

from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone

from identity_app import crypto, otp
from identity_app.factors import first_factor_count
from identity_app.models import Credential, Identity
from identity_app.services.webauthn_keys import WouldLockOut
from ory_platform.db import retrying

LOOKUP_CODE_COUNT = 12
LOOKUP_CODE_LENGTH = 8
LOOKUP_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class Outcome(enum.Enum):
    """What checking a one-time code found."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    ALREADY_USED = "already_used"
    NOT_SET_UP = "not_set_up"


def totp_context(identity_id) -> str:
    return f"totp:{identity_id}"


def lookup_context(identity_id) -> str:
    return f"lookup_secret:{identity_id}"


def _locked(identity_id, credential_type: str) -> Credential | None:
    return Credential.objects.select_for_update().filter(identity_id=identity_id, type=credential_type).first()


def _store(identity_id, credential_type: str, config: dict) -> Credential:
    """Create or replace the identity's credential of this type; its identifier is the identity id,
    as Kratos does for credentials that are not selected by a typed identifier."""
    credential, _ = Credential.objects.update_or_create(
        identity_id=identity_id, type=credential_type, defaults={"config": config}
    )
    credential.identifiers.all().delete()
    credential.identifiers.create(type=credential_type, identifier=str(identity_id))
    return credential


# --- TOTP --------------------------------------------------------------------------------------


@retrying
def totp_enrol(*, identity_id, seed: str, step: int) -> Credential:
    """Save an authenticator app whose code for time step ``step`` the user just typed. The seed is
    stored sealed; ``step`` counts as used, so the enrolment code cannot also sign in."""
    Identity.objects.select_for_update().get(pk=identity_id)
    config = {"sealed_seed": crypto.seal(seed, context=totp_context(identity_id)), "last_step": step}
    return _store(identity_id, Credential.Type.TOTP, config)


@retrying
def totp_verify(*, identity_id, code: str) -> Outcome:
    """Check a code from the identity's authenticator app and, if it is right, remember its time
    step so the same code (or an older one) is refused from now on."""
    credential = _locked(identity_id, Credential.Type.TOTP)
    if credential is None or not credential.config.get("sealed_seed"):
        return Outcome.NOT_SET_UP
    seed = crypto.unseal(credential.config["sealed_seed"], context=totp_context(identity_id))
    step = otp.matching_step(seed, code, after_step=credential.config.get("last_step"))
    if step is None:
        return Outcome.WRONG
    credential.config = {**credential.config, "last_step": step}
    credential.save(update_fields=["config", "updated_at"])
    return Outcome.ACCEPTED


@retrying
def totp_unlink(*, identity_id) -> bool:
    """Remove the identity's authenticator app. Returns whether there was one."""
    deleted, _ = Credential.objects.filter(identity_id=identity_id, type=Credential.Type.TOTP).delete()
    return bool(deleted)


# --- Lookup codes ------------------------------------------------------------------------------


def lookup_codes_generate() -> list[str]:
    """Twelve fresh codes of eight lowercase letters and digits (about 41 bits each)."""
    return [
        "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_CODE_LENGTH)) for _ in range(LOOKUP_CODE_COUNT)
    ]


def normalize_lookup_code(code: object) -> str:
    if not isinstance(code, str):
        return ""
    return code.strip().lower().replace(" ", "").replace("-", "")[:64]


@retrying
def lookup_codes_set(*, identity_id, codes: list[str]) -> Credential:
    """Replace the identity's backup codes. Each is stored as a keyed hash (what login checks);
    the list is also sealed so the owner can reveal the unused ones again in settings."""
    Identity.objects.select_for_update().get(pk=identity_id)
    context = lookup_context(identity_id)
    config = {
        "codes": [{"hash": crypto.code_hash(code, context=context), "used_at": None} for code in codes],
        "sealed_codes": crypto.seal(json.dumps(codes), context=context),
    }
    return _store(identity_id, Credential.Type.LOOKUP_SECRET, config)


def lookup_codes_reveal(credential: Credential) -> list[tuple[str, str | None]]:
    """``(code, used_at)`` for each of the credential's codes, in order."""
    context = lookup_context(credential.identity_id)
    codes = json.loads(crypto.unseal(credential.config.get("sealed_codes", ""), context=context))
    entries = credential.config.get("codes", [])
    return [(code, entry.get("used_at")) for code, entry in zip(codes, entries, strict=False)]


@retrying
def lookup_code_redeem(*, identity_id, code: str) -> Outcome:
    """Use one backup code: right and unused → marked used with the time; each code works once."""
    credential = _locked(identity_id, Credential.Type.LOOKUP_SECRET)
    if credential is None or not credential.config.get("codes"):
        return Outcome.NOT_SET_UP
    code = normalize_lookup_code(code)
    context = lookup_context(identity_id)
    entries = [dict(entry) for entry in credential.config["codes"]]
    matched = [entry for entry in entries if crypto.code_matches(code, entry.get("hash", ""), context=context)]
    if not code or not matched:
        return Outcome.WRONG
    if matched[0].get("used_at"):
        return Outcome.ALREADY_USED
    matched[0]["used_at"] = timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    credential.config = {**credential.config, "codes": entries}
    credential.save(update_fields=["config", "updated_at"])
    return Outcome.ACCEPTED


@retrying
def lookup_codes_remove(*, identity_id) -> bool:
    deleted, _ = Credential.objects.filter(identity_id=identity_id, type=Credential.Type.LOOKUP_SECRET).delete()
    return bool(deleted)


# --- The staff console -------------------------------------------------------------------------


@retrying
def factor_remove_by_staff(*, identity_id, credential_type: str, staff_identity_id) -> bool:
    """Remove one kind of factor from an identity on a staff member's behalf (a lost phone, a lost
    key), recorded in the console's history with who did it and when. Returns whether there was one;
    raises :class:`WouldLockOut` rather than remove the passkeys that are the identity's only way in."""
    identity = Identity.objects.select_for_update().get(pk=identity_id)
    if credential_type == Credential.Type.PASSKEY:
        passkeys = Credential.objects.filter(identity=identity, type=credential_type).first()
        if passkeys and first_factor_count(identity) <= len(passkeys.config.get("keys", [])):
            raise WouldLockOut
    deleted, _ = Credential.objects.filter(identity=identity, type=credential_type).delete()
    if not deleted:
        return False
    label = Credential.Type(credential_type).label
    LogEntry.objects.log_actions(
        user_id=staff_identity_id,
        queryset=Identity.objects.filter(pk=identity.pk),
        action_flag=CHANGE,
        change_message=json.dumps([{"deleted": {"name": "factor", "object": label}}]),
        single_object=True,
    )
    return True
