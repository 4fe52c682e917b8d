"""Signals other apps listen to (identity_app imports no other app; they connect to these).

Each is sent after the transaction that caused it has committed (``transaction.on_commit``),
never as part of the work itself.
"""

from django.dispatch import Signal

# The identity can no longer sign in (state set to inactive). Args: identity_id (UUID).
identity_deactivated = Signal()

# The identity and everything it owned in identity_app are gone. Args: identity_id (UUID).
identity_deleted = Signal()

# A session ended (logout, revocation, expiry sweep). Args: identity_id (UUID), session_id (UUID).
session_revoked = Signal()
