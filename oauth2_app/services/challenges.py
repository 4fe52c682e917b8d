"""The login/consent/logout apps' side of the protocol (Hydra's ``/admin/oauth2/auth/requests/*``
and ``/admin/oauth2/auth/sessions/*``): accepting or rejecting challenges and revoking sessions.

Accepting may be repeated until the browser has used the verifier (Hydra's rule); each accept
issues a fresh verifier and invalidates the previous one.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from oauth2_app import backchannel, revocation
from oauth2_app.errors import FlowAlreadyUsed, FlowNotFound
from oauth2_app.flows import get_flow, new_secret, secret_digest
from oauth2_app.models import AuthorizationFlow, FlowState, LoginSession, LogoutRequest
from oauth2_app.server import add_query, issuer_url
from ory_platform.db import retrying
from ory_platform.queries import unique_row

_LOGIN_OPEN = (FlowState.LOGIN_INITIALIZED, FlowState.LOGIN_UNUSED, FlowState.LOGIN_ERROR)
_CONSENT_OPEN = (FlowState.CONSENT_INITIALIZED, FlowState.CONSENT_UNUSED, FlowState.CONSENT_ERROR)


def _open_flow(*, states: tuple, **lookup) -> AuthorizationFlow:
    flow = get_flow(**lookup)
    if flow.state not in states:
        raise FlowAlreadyUsed()
    return flow


def _denial(payload: dict[str, Any]) -> dict[str, Any]:
    """Hydra's RequestDeniedError with its defaults."""
    return {
        "error": payload.get("error") or "access_denied",
        "error_description": payload.get("error_description") or "The resource owner denied the request",
        "error_hint": payload.get("error_hint") or "",
        "error_debug": payload.get("error_debug") or "",
        "status_code": payload.get("status_code") or 403,
    }


@retrying
def login_request_accept(
    *,
    challenge: str,
    subject: str,
    remember: bool = False,
    remember_for: int = 0,
    acr: str = "",
    amr: list[str] | None = None,
    context: dict | None = None,
    extend_session_lifespan: bool = False,
    identity_provider_session_id: str = "",
) -> str:
    """Accept a login request for ``subject``; returns where to send the browser (with the login verifier).

    When the login was skipped (a remembered session) the subject must be the session's: a
    different one sends the browser back with ``prompt=login`` (Hydra's behaviour).
    """
    flow = _open_flow(states=_LOGIN_OPEN, login_challenge=challenge)
    if flow.login_skip and flow.subject and subject != flow.subject:
        return add_query(flow.request_url, prompt="login")
    verifier = new_secret()
    AuthorizationFlow.objects.filter(pk=flow.pk).update(
        state=FlowState.LOGIN_UNUSED,
        login_verifier_hash=secret_digest(verifier),
        subject=subject,
        login_remember=True if flow.login_skip else remember,
        login_remember_for=remember_for,
        login_extend_session_lifespan=extend_session_lifespan,
        acr=acr,
        amr=list(amr or []),
        context=context if context is not None else flow.context,
        identity_provider_session_id=identity_provider_session_id,
        authenticated_at=flow.authenticated_at if flow.login_skip else timezone.now().replace(microsecond=0),
        login_error=None,
    )
    return add_query(flow.request_url, login_verifier=verifier)


@retrying
def login_request_reject(*, challenge: str, payload: dict[str, Any]) -> str:
    flow = _open_flow(states=_LOGIN_OPEN, login_challenge=challenge)
    verifier = new_secret()
    AuthorizationFlow.objects.filter(pk=flow.pk).update(
        state=FlowState.LOGIN_ERROR,
        login_verifier_hash=secret_digest(verifier),
        login_error=_denial(payload),
        subject="",
        login_remember=False,
        acr="",
        amr=[],
    )
    return add_query(flow.request_url, login_verifier=verifier)


@retrying
def consent_request_accept(
    *,
    challenge: str,
    grant_scope: list[str],
    grant_access_token_audience: list[str],
    remember: bool = False,
    remember_for: int = 0,
    session_access_token: dict | None = None,
    session_id_token: dict | None = None,
    context: dict | None = None,
) -> str:
    """Accept a consent request granting (a subset of) the requested scopes and audiences."""
    flow = _open_flow(states=_CONSENT_OPEN, consent_challenge=challenge)
    from oauth2_app.errors import InvalidClientMetadata  # a 400 in the envelope

    extra_scopes = set(grant_scope) - set(flow.requested_scope)
    if extra_scopes:
        raise InvalidClientMetadata(
            "grant_scope may only contain requested scopes.",
            error_id="invalid_request",
            reason=f"Not requested: {' '.join(sorted(extra_scopes))}",
        )
    extra_audience = set(grant_access_token_audience) - set(flow.requested_audience)
    if extra_audience:
        raise InvalidClientMetadata(
            "grant_access_token_audience may only contain requested audiences.",
            error_id="invalid_request",
            reason=f"Not requested: {' '.join(sorted(extra_audience))}",
        )
    verifier = new_secret()
    AuthorizationFlow.objects.filter(pk=flow.pk).update(
        state=FlowState.CONSENT_UNUSED,
        consent_verifier_hash=secret_digest(verifier),
        granted_scope=list(grant_scope),
        granted_audience=list(grant_access_token_audience),
        consent_remember=remember,
        consent_remember_for=remember_for,
        consent_handled_at=timezone.now(),
        consent_error=None,
        session_access_token=session_access_token or {},
        session_id_token=session_id_token or {},
        context=context if context is not None else flow.context,
    )
    return add_query(flow.request_url, consent_verifier=verifier)


@retrying
def consent_request_reject(*, challenge: str, payload: dict[str, Any]) -> str:
    flow = _open_flow(states=_CONSENT_OPEN, consent_challenge=challenge)
    verifier = new_secret()
    AuthorizationFlow.objects.filter(pk=flow.pk).update(
        state=FlowState.CONSENT_ERROR,
        consent_verifier_hash=secret_digest(verifier),
        consent_error=_denial(payload),
        consent_handled_at=timezone.now(),
        granted_scope=[],
        granted_audience=[],
        consent_remember=False,
        consent_remember_for=None,
    )
    return add_query(flow.request_url, consent_verifier=verifier)


@retrying
def consent_sessions_revoke(
    *, subject: str | None = None, client=None, consent_request_id: uuid.UUID | None = None, all_clients: bool = False
) -> int:
    """Forget granted consents and revoke the tokens issued under them (Hydra's revokeOAuth2ConsentSessions)."""
    flows = AuthorizationFlow.objects.filter(consent_revoked_at__isnull=True, state=FlowState.CONSENT_USED)
    if consent_request_id is not None:
        flows = flows.filter(pk=consent_request_id)
    else:
        flows = flows.filter(subject=subject)
        if not all_clients:
            flows = flows.filter(client=client)
    affected = list(flows.values_list("subject", "client_id").distinct())
    count = flows.update(consent_revoked_at=timezone.now())
    for flow_subject, client_pk in affected:
        revocation.revoke_tokens(subject=flow_subject, client=_client(client_pk))
    return count


def _client(client_pk):
    from oauth2_app.models import Client

    return Client.objects.get(pk=client_pk)


@retrying
def login_sessions_revoke(*, subject: str | None = None, session_id: uuid.UUID | None = None) -> int:
    """End login sessions of a subject, or one session by ``sid``; later requests must log in again.

    As in Hydra, revoking one session by ``sid`` is a logout of it and tells its clients through
    back-channel logout; revoking every session of a subject does not."""
    if session_id is None:
        deleted, _ = LoginSession.objects.filter(subject=subject).delete()
        return deleted
    return _end_with_backchannel_logout(LoginSession.objects.filter(pk=session_id))


@retrying
def subject_revoke_everything(*, subject: str) -> None:
    """An identity was deactivated or deleted: its tokens, consents and login sessions end now."""
    revocation.revoke_tokens(subject=subject)
    AuthorizationFlow.objects.filter(subject=subject, consent_revoked_at__isnull=True).update(
        consent_revoked_at=timezone.now()
    )
    LoginSession.objects.filter(subject=subject).delete()
    from oauth2_app.models import DeviceGrant

    DeviceGrant.objects.filter(subject=subject).exclude(status=DeviceGrant.DENIED).update(status=DeviceGrant.DENIED)


# -- logout (OpenID Connect RP-Initiated Logout 1.0) ---------------------------------------------


def _open_logout(challenge: str) -> LogoutRequest:
    logout = unique_row(LogoutRequest.objects.select_related("client").filter(challenge=challenge))
    if logout is None:
        raise FlowNotFound()
    if logout.expires_at <= timezone.now():
        from oauth2_app.errors import FlowExpired

        raise FlowExpired()
    if logout.state not in (LogoutRequest.State.PENDING, LogoutRequest.State.ACCEPTED):
        raise FlowAlreadyUsed()
    return logout


@retrying
def logout_request_accept(*, challenge: str) -> str:
    from django.urls import reverse

    logout = _open_logout(challenge)
    verifier = new_secret()
    LogoutRequest.objects.filter(pk=logout.pk).update(
        state=LogoutRequest.State.ACCEPTED, verifier_hash=secret_digest(verifier)
    )
    return add_query(issuer_url(reverse("oauth2:logout")), logout_verifier=verifier)


@retrying
def logout_request_reject(*, challenge: str) -> None:
    logout = _open_logout(challenge)
    LogoutRequest.objects.filter(pk=logout.pk).update(state=LogoutRequest.State.REJECTED, verifier_hash=None)


@retrying
def login_sessions_for_identity_session_revoke(*, identity_session_id: str) -> int:
    """End the OAuth2 login sessions that were opened from one identity session (the user signed
    out of the platform), telling their clients through back-channel logout."""
    return _end_with_backchannel_logout(LoginSession.objects.filter(identity_provider_session_id=identity_session_id))


def _end_with_backchannel_logout(sessions) -> int:
    ended = list(sessions.values_list("pk", "subject"))
    LoginSession.objects.filter(pk__in=[pk for pk, _ in ended]).delete()
    for session_id, subject in ended:
        backchannel.announce_after_commit(login_session_id=session_id, subject=subject)
    return len(ended)
