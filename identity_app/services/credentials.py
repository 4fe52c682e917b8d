"""Writing credentials: upgrading password hashes, and removing a kind of credential by an admin."""

from __future__ import annotations

from identity_app import passwords
from identity_app.factors import first_factor_count
from identity_app.models import Credential, Identity
from ory_platform.db import retrying
from ory_platform.errors import BadRequest, NotFound

# What DELETE /admin/identities/{id}/credentials/{type} removes, as Kratos: second factors always,
# a password only while another way to sign in remains.
SECOND_FACTORS_REMOVABLE = (Credential.Type.TOTP, Credential.Type.LOOKUP_SECRET, Credential.Type.WEBAUTHN)


@retrying
def password_rehash(*, credential_id, password: str) -> None:
    """Replace an imported or outdated hash with argon2id at the current parameters, after the
    user proved the password (the only moment the cleartext is known)."""
    credential = Credential.objects.select_for_update().get(pk=credential_id, type=Credential.Type.PASSWORD)
    config = dict(credential.config)
    config["hashed_password"] = passwords.hash_password(password)
    credential.config = config
    credential.save(update_fields=["config", "updated_at"])


@retrying
def credentials_delete(*, identity_id, credential_type: str) -> None:
    """Kratos' ``deleteIdentityCredentials``: remove the identity's credentials of one type.

    Raises :class:`NotFound` when the identity or that credential does not exist, and
    :class:`BadRequest` for a type that cannot be removed this way or a password that is the
    identity's last way to sign in (the identity row is locked meanwhile, so two removals cannot
    each leave the other as the last one)."""
    identity = Identity.objects.select_for_update().filter(pk=identity_id).first()
    if identity is None:
        raise NotFound(reason="Unable to locate the resource")
    credential = Credential.objects.filter(identity=identity, type=credential_type).first()
    if credential is None:
        raise NotFound(
            reason=f"You tried to remove a {credential_type} but this user have no {credential_type} set up."
        )
    if credential_type == Credential.Type.PASSWORD:
        if first_factor_count(identity) < 2:
            raise BadRequest(reason="You cannot remove the last first factor credential.")
    elif credential_type not in SECOND_FACTORS_REMOVABLE:
        raise BadRequest(reason=f"Credentials type {credential_type} cannot be deleted.")
    credential.delete()
