"""Identity data: who a user is, how they prove it, and the flows and sessions in between."""

from identity_app.models.codes import OneTimeCode, SelfServiceError
from identity_app.models.courier import CourierDispatch, CourierMessage
from identity_app.models.credentials import Credential, CredentialIdentifier
from identity_app.models.flows import Flow
from identity_app.models.identity import Identity, IdentityManager, RecoveryAddress, VerifiableAddress
from identity_app.models.sessions import AuthenticatorAssuranceLevel, Session, SessionDevice

__all__ = [
    "AuthenticatorAssuranceLevel",
    "CourierDispatch",
    "CourierMessage",
    "Credential",
    "CredentialIdentifier",
    "Flow",
    "Identity",
    "IdentityManager",
    "OneTimeCode",
    "RecoveryAddress",
    "SelfServiceError",
    "Session",
    "SessionDevice",
    "VerifiableAddress",
]
