"""Writing credentials: setting and upgrading password hashes."""

from __future__ import annotations

from identity_app import passwords
from identity_app.models import Credential
from ory_platform.db import retrying


@retrying
def password_rehash(*, credential_id, password: str) -> None:
    """Replace an imported or outdated hash with argon2id at the current parameters, after the
    user proved the password (the only moment the cleartext is known)."""
    credential = Credential.objects.select_for_update().get(pk=credential_id, type=Credential.Type.PASSWORD)
    config = dict(credential.config)
    config["hashed_password"] = passwords.hash_password(password)
    credential.config = config
    credential.save(update_fields=["config", "updated_at"])
