"""Identity data: who a user is, how they prove it, and the flows and sessions in between."""

from identity_app.models.credentials import Credential, CredentialIdentifier
from identity_app.models.flows import Flow
from identity_app.models.identity import Identity, IdentityManager, RecoveryAddress, VerifiableAddress
from identity_app.models.sessions import AuthenticatorAssuranceLevel, Session, SessionDevice

__all__ = [
    "AuthenticatorAssuranceLevel",
    "Credential",
    "CredentialIdentifier",
    "Flow",
    "Identity",
    "IdentityManager",
    "RecoveryAddress",
    "Session",
    "SessionDevice",
    "VerifiableAddress",
]
