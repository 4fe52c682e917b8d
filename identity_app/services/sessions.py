"""Issuing, extending and revoking sessions.

A session token is returned exactly once, when the session is issued; only its hash is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from identity_app import signals
from identity_app.models import AuthenticatorAssuranceLevel, Identity, Session, SessionDevice
from identity_app.tokens import new_token, token_hash
from ory_platform.db import retrying
from ory_platform.errors import NotFound

AAL_ORDER = {"aal0": 0, "aal1": 1, "aal2": 2, "aal3": 3}

# Which assurance level each method provides (first factors aal1, second factors aal2).
METHOD_AAL = {
    "password": "aal1",
    "code": "aal1",
    "oidc": "aal1",
    "passkey": "aal1",
    "link_recovery": "aal1",
    "code_recovery": "aal1",
    "totp": "aal2",
    "lookup_secret": "aal2",
    "webauthn": "aal2",
}


@dataclass(frozen=True)
class IssuedSession:
    session: Session
    token: str  # the bearer secret; shown once, never stored


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None = None
    user_agent: str = ""


def assurance_level(methods: list[dict]) -> str:
    """The AAL that a set of completed methods reaches: aal2 needs a first and a second factor."""
    levels = {AAL_ORDER.get(entry.get("aal", "aal1"), 1) for entry in methods}
    if not levels:
        return AuthenticatorAssuranceLevel.AAL0
    if 1 in levels and 2 in levels:
        return AuthenticatorAssuranceLevel.AAL2
    return AuthenticatorAssuranceLevel.AAL1 if 1 in levels else AuthenticatorAssuranceLevel.AAL0


def method_entry(method: str, *, now=None) -> dict:
    return {
        "method": method,
        "aal": METHOD_AAL.get(method, "aal1"),
        "completed_at": (now or timezone.now()).isoformat().replace("+00:00", "Z"),
    }


def _record_device(session: Session, client: ClientInfo | None, *, new_session: bool = False) -> None:
    if client is None:
        return
    device = SessionDevice.objects.create(
        session=session, ip_address=client.ip_address or None, user_agent=(client.user_agent or "")[:512]
    )
    if new_session:
        # A new session has exactly this device: fill the relation's cache the way Django's
        # prefetch_related does, so the session's JSON lists it without another query.
        devices = SessionDevice.objects.filter(session=session)
        devices._result_cache, devices._prefetch_done = [device], True
        session._prefetched_objects_cache = {"devices": devices}


@retrying
def session_issue(*, identity: Identity, method: str, client: ClientInfo | None = None) -> IssuedSession:
    """Start a session for ``identity`` after it completed ``method`` (a first factor)."""
    now = timezone.now()
    token = new_token()
    methods = [method_entry(method, now=now)]
    session = Session.objects.create(
        identity=identity,
        token_hash=token_hash(token),
        active=True,
        issued_at=now,
        authenticated_at=now,
        expires_at=now + timedelta(seconds=settings.IDENTITY_SESSION_LIFESPAN),
        aal=assurance_level(methods),
        authentication_methods=methods,
    )
    _record_device(session, client, new_session=True)
    return IssuedSession(session=session, token=token)


@retrying
def session_add_method(*, session_id, method: str, refresh: bool = False, client: ClientInfo | None = None) -> Session:
    """Record another completed method on an existing session (a second factor, or a refresh
    re-authentication): raises its assurance level and its ``authenticated_at``."""
    session = Session.objects.select_for_update().select_related("identity").get(pk=session_id)
    now = timezone.now()
    entry = method_entry(method, now=now)
    if refresh:
        kept = [m for m in session.authentication_methods if m.get("method") != method]
        session.authentication_methods = [*kept, entry]
    else:
        session.authentication_methods = [*session.authentication_methods, entry]
    session.aal = assurance_level(session.authentication_methods)
    session.authenticated_at = now
    session.save(update_fields=["authentication_methods", "aal", "authenticated_at", "updated_at"])
    _record_device(session, client)
    return session


def _announce(sessions: list[tuple]) -> None:
    def send() -> None:
        for identity_id, session_id in sessions:
            signals.session_revoked.send(sender=Session, identity_id=identity_id, session_id=session_id)

    if sessions:
        transaction.on_commit(send)


@retrying
def session_revoke(*, session_id, identity_id=None) -> Session:
    """Revoke one session (optionally only if it belongs to ``identity_id``)."""
    query = Session.objects.select_for_update().filter(pk=session_id)
    if identity_id is not None:
        query = query.filter(identity_id=identity_id)
    session = query.first()
    if session is None:
        raise NotFound(reason="No such session.")
    if session.active:
        session.active = False
        session.save(update_fields=["active", "updated_at"])
        _announce([(session.identity_id, session.pk)])
    return session


@retrying
def sessions_revoke_for_identity(*, identity_id, except_session_id=None) -> int:
    """Revoke every active session of an identity (but ``except_session_id``). Returns how many."""
    query = Session.objects.filter(identity_id=identity_id, active=True)
    if except_session_id is not None:
        query = query.exclude(pk=except_session_id)
    revoked = list(query.values_list("identity_id", "pk"))
    query.update(active=False, updated_at=timezone.now())
    _announce(revoked)
    return len(revoked)


@retrying
def sessions_delete_for_identity(*, identity_id) -> int:
    """Delete (not merely revoke) every session of an identity, as Kratos' admin API does."""
    revoked = list(Session.objects.filter(identity_id=identity_id, active=True).values_list("identity_id", "pk"))
    deleted, _ = Session.objects.filter(identity_id=identity_id).delete()
    _announce(revoked)
    return deleted


@retrying
def session_extend(*, session_id) -> Session:
    """Push the session's expiry a full lifespan from now (Kratos' admin ``extend``)."""
    session = Session.objects.select_for_update().select_related("identity").filter(pk=session_id, active=True).first()
    if session is None:
        raise NotFound(reason="No active session with this id.")
    session.expires_at = timezone.now() + timedelta(seconds=settings.IDENTITY_SESSION_LIFESPAN)
    session.save(update_fields=["expires_at", "updated_at"])
    return session


@retrying
def session_logout_token_issue(*, session_id) -> str:
    """A single-purpose token that ends this browser session through ``/self-service/logout``."""
    token = new_token()
    Session.objects.filter(pk=session_id).update(logout_token_hash=token_hash(token), updated_at=timezone.now())
    return token


@retrying
def session_logout_by_token(*, logout_token: str) -> Session:
    session = Session.objects.select_for_update().filter(logout_token_hash=token_hash(logout_token)).first()
    if session is None:
        raise NotFound(reason="The logout token is invalid or was used already.", error_id="not_found")
    session.active = False
    session.logout_token_hash = None
    session.save(update_fields=["active", "logout_token_hash", "updated_at"])
    _announce([(session.identity_id, session.pk)])
    return session


@retrying
def session_logout_by_session_token(*, session_token: str) -> None:
    session = Session.objects.select_for_update().filter(token_hash=token_hash(session_token), active=True).first()
    if session is None:
        raise NotFound(reason="The session token is invalid or the session ended already.")
    session.active = False
    session.save(update_fields=["active", "updated_at"])
    _announce([(session.identity_id, session.pk)])
