"""Reading identities and sessions. Other apps (oauth2_app) may call these."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from identity_app.identifiers import normalize_identifier
from identity_app.models import (
    Credential,
    CredentialIdentifier,
    Identity,
    RecoveryAddress,
    Session,
    VerifiableAddress,
)
from identity_app.tokens import token_hash
from ory_platform.queries import db_value, fetch_one, prefill, raw_all, raw_one


def identity_get(identity_id) -> Identity | None:
    try:
        return Identity.objects.get(pk=identity_id)
    except (Identity.DoesNotExist, ValueError, TypeError):
        return None


def identities_with_details() -> QuerySet[Identity]:
    """Identities with everything their JSON shows, in four queries for any page size."""
    return Identity.objects.prefetch_related(
        "verifiable_addresses",
        "recovery_addresses",
        Prefetch("credentials", queryset=Credential.objects.prefetch_related("identifiers")),
    )


def credential_for_identifier(credential_type: str, identifier: str) -> Credential | None:
    """The credential of this type that ``identifier`` selects, with its identity, or ``None``."""
    # Every sign-in asks this: two plain reads instead of one compiled three-table join.
    credential = raw_one(
        Credential,
        f"id = (SELECT credential_id FROM {CredentialIdentifier._meta.db_table} WHERE type = %s AND identifier = %s)",  # noqa: S608
        [credential_type, normalize_identifier(identifier)],
    )
    if credential is None:
        return None
    credential.identity = raw_one(Identity, "id = %s", [db_value(Identity, "id", credential.identity_id)])
    return credential


def session_for_token(token: str) -> Session | None:
    """The valid session that ``token`` proves, or ``None``. One indexed query."""
    if not token or len(token) > 256:
        return None
    # Every authenticated request asks this: plain reads instead of a compiled join.
    session = raw_one(Session, "token_hash = %s AND active = %s", [token_hash(token), True])
    if session is None:
        return None
    session.identity = raw_one(Identity, "id = %s", [db_value(Identity, "id", session.identity_id)])
    if session.identity is None or not session.is_valid(timezone.now()):
        return None
    return session


def identity_with_details(identity: Identity) -> Identity:
    """Load what an identity's JSON and its assurance level need (credentials, verifiable and
    recovery addresses) in three plain reads, into the identity's prefetch cache."""
    identity_id = db_value(Identity, "id", identity.pk)
    prefill(identity, "credentials", raw_all(Credential, "identity_id = %s", [identity_id]))
    prefill(identity, "verifiable_addresses", raw_all(VerifiableAddress, "identity_id = %s", [identity_id]))
    prefill(identity, "recovery_addresses", raw_all(RecoveryAddress, "identity_id = %s", [identity_id]))
    return identity


def identity_email_verified(identity: Identity, email: str) -> bool:
    """Whether ``email`` is one of the identity's verified addresses."""
    table = VerifiableAddress._meta.db_table
    return (
        fetch_one(
            f"SELECT 1 FROM {table} WHERE identity_id = %s AND value = %s AND verified = %s",  # noqa: S608
            [db_value(Identity, "id", identity.pk), normalize_identifier(email, is_email=True), True],
        )
        is not None
    )


def identity_oidc_claims(identity: Identity) -> dict:
    """Standard OpenID Connect claims (email, email_verified, name, given_name, family_name) from
    the identity's traits, for the OAuth2 app's ID tokens and userinfo."""
    traits = identity.traits if isinstance(identity.traits, dict) else {}
    claims: dict = {}
    email = traits.get("email")
    if isinstance(email, str) and email:
        claims["email"] = email
        claims["email_verified"] = identity_email_verified(identity, email)
    name = traits.get("name")
    if isinstance(name, dict):
        first, last = name.get("first") or "", name.get("last") or ""
        if first:
            claims["given_name"] = first
        if last:
            claims["family_name"] = last
        if first or last:
            claims["name"] = " ".join(part for part in (first, last) if part)
    elif isinstance(name, str) and name:
        claims["name"] = name
    return claims


def session_step_up_url(session: Session, *, return_to: str) -> str | None:
    """Where a browser must go before ``session`` may be trusted by another app (the OAuth2
    login, the console), or ``None`` when it may: the session must reach
    ``IDENTITY_MFA_WHOAMI_REQUIRED_AAL``, Kratos' ``highest_available`` by default, so an
    identity with a second factor must have used it. The step-up login returns to ``return_to``."""
    from identity_app.flows import aal  # the flows read through these selectors

    if aal.satisfies(session, settings.IDENTITY_MFA_WHOAMI_REQUIRED_AAL):
        return None
    return aal.step_up_url(return_to=return_to)
