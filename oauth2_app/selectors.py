"""Reads of the OAuth2 provider, shaped as Hydra's admin API answers."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from oauth2_app.client_metadata import client_json
from oauth2_app.errors import FlowAlreadyHandled, FlowNotFound, InvalidClientMetadata
from oauth2_app.flows import get_flow
from oauth2_app.models import AccessToken, AuthorizationFlow, Client, FlowState, LogoutRequest, RefreshToken
from oauth2_app.server import issuer
from oauth2_app.validator import secret_hash
from ory_platform.queries import as_json, aware, fetch_one, unique_row


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _public_client(client: Client) -> dict:
    return client_json(client)


def login_request_get(*, challenge: str) -> dict[str, Any]:
    """Hydra's ``OAuth2LoginRequest``; a used challenge is 410 with where the browser should go."""
    flow = get_flow(login_challenge=challenge)
    if flow.state not in (FlowState.LOGIN_INITIALIZED, FlowState.LOGIN_UNUSED, FlowState.LOGIN_ERROR):
        raise FlowAlreadyHandled(redirect_to=flow.request_url)
    return {
        "challenge": challenge,
        "client": _public_client(flow.client),
        "request_url": flow.request_url,
        "requested_scope": list(flow.requested_scope),
        "requested_access_token_audience": list(flow.requested_audience),
        "session_id": str(flow.login_session_id),
        "skip": flow.login_skip,
        "subject": flow.subject,
        "oidc_context": flow.oidc_context or {},
    }


def _consent_request(flow: AuthorizationFlow, challenge: str) -> dict[str, Any]:
    return {
        "challenge": challenge,
        "consent_request_id": str(flow.pk),
        "client": _public_client(flow.client),
        "request_url": flow.request_url,
        "requested_scope": list(flow.requested_scope),
        "requested_access_token_audience": list(flow.requested_audience),
        "skip": flow.consent_skip,
        "subject": flow.subject,
        "login_challenge": flow.login_challenge,
        "login_session_id": str(flow.login_session_id),
        "acr": flow.acr,
        "amr": list(flow.amr or []),
        "context": flow.context or {},
        "oidc_context": flow.oidc_context or {},
    }


def consent_request_get(*, challenge: str) -> dict[str, Any]:
    flow = get_flow(consent_challenge=challenge)
    if flow.state not in (FlowState.CONSENT_INITIALIZED, FlowState.CONSENT_UNUSED, FlowState.CONSENT_ERROR):
        raise FlowAlreadyHandled(redirect_to=flow.request_url)
    return _consent_request(flow, challenge)


def consent_sessions(*, subject: str, login_session_id: str | None = None) -> QuerySet[AuthorizationFlow]:
    """Granted, unrevoked consents of a subject (Hydra's FindSubjectsGrantedConsentRequests)."""
    flows = AuthorizationFlow.objects.select_related("client").filter(
        subject=subject,
        state=FlowState.CONSENT_USED,
        consent_error__isnull=True,
        consent_revoked_at__isnull=True,
        consent_skip=False,
    )
    if login_session_id:
        flows = flows.filter(login_session_id=login_session_id)
    return flows.order_by("-consent_handled_at", "id")


def consent_session_json(flow: AuthorizationFlow) -> dict[str, Any]:
    """Hydra's ``OAuth2ConsentSession``."""
    return {
        "consent_request_id": str(flow.pk),
        "consent_request": _consent_request(flow, ""),
        "grant_scope": list(flow.granted_scope),
        "grant_access_token_audience": list(flow.granted_audience),
        "remember": flow.consent_remember,
        "remember_for": flow.consent_remember_for or 0,
        "handled_at": _iso(flow.consent_handled_at),
        "context": flow.context or {},
        "session": {"access_token": flow.session_access_token or {}, "id_token": flow.session_id_token or {}},
    }


def logout_request_get(*, challenge: str) -> dict[str, Any]:
    logout = unique_row(LogoutRequest.objects.select_related("client").filter(challenge=challenge))
    if logout is None:
        raise FlowNotFound()
    if logout.state == LogoutRequest.State.USED:
        raise FlowAlreadyHandled(redirect_to=logout.post_logout_redirect_uri)
    return {
        "challenge": challenge,
        "subject": logout.subject,
        "sid": str(logout.login_session_id),
        "request_url": logout.request_url,
        "rp_initiated": logout.rp_initiated,
        "client": _public_client(logout.client) if logout.client else None,
        "requested_at": _iso(logout.requested_at),
        "expires_at": _iso(logout.expires_at),
    }


def token_introspect(*, token: str, scopes: list[str] | None = None) -> dict[str, Any]:
    """Hydra's introspection answer (RFC 7662 §2.2 plus ``token_use`` and ``ext``).

    An unknown, expired, revoked or insufficiently scoped token is ``{"active": false}``.
    Access tokens, by far the most introspected, are read with one indexed query of the few
    columns the answer needs (resource servers call this on every request).
    """
    checksum = secret_hash(token)
    now = timezone.now()
    access = _access_token_row(checksum)
    if access is not None:
        if access["expires"] <= now or not set(scopes or []) <= set(access["scope"].split()):
            return {"active": False}
        issued = int(access["created"].timestamp())
        return {
            "active": True,
            "sub": access["subject"] or access["client_id"] or "",
            "client_id": access["client_id"] or "",
            "scope": access["scope"],
            "exp": int(access["expires"].timestamp()),
            "iat": issued,
            "nbf": issued,
            "iss": issuer(),
            "aud": access["audience"],
            "token_type": "Bearer",
            "token_use": "access_token",
            "ext": access["extra"],
        }
    refresh = unique_row(
        RefreshToken.objects.select_related("application", "access_token").filter(
            token_checksum=checksum, revoked__isnull=True
        )
    )
    if refresh is None or (refresh.expires and refresh.expires <= now) or refresh.access_token is None:
        return {"active": False}
    if not set(scopes or []) <= set(refresh.access_token.scope.split()):
        return {"active": False}
    body = _introspection(refresh, refresh.application, "refresh_token", refresh.expires)
    body["scope"] = refresh.access_token.scope
    return body


_ACCESS_TOKEN_SQL = None


def _access_token_row(checksum: str) -> dict[str, Any] | None:
    """One access token's introspection columns by checksum (portable SQL on the unique index)."""
    global _ACCESS_TOKEN_SQL
    if _ACCESS_TOKEN_SQL is None:
        # Table names come from the models, the checksum is a bound parameter.
        _ACCESS_TOKEN_SQL = (
            f"SELECT t.scope, t.expires, t.created, t.subject, t.audience, t.extra, c.client_id "  # noqa: S608
            f"FROM {AccessToken._meta.db_table} t LEFT JOIN {Client._meta.db_table} c ON c.id = t.application_id "
            f"WHERE t.token_checksum = %s"
        )
    row = fetch_one(_ACCESS_TOKEN_SQL, [checksum])
    if row is None:
        return None
    scope, expires, created, subject, audience, extra, client_id = row
    return {
        "scope": scope,
        "expires": aware(expires),
        "created": aware(created),
        "subject": subject,
        "audience": as_json(audience, []),
        "extra": as_json(extra, {}),
        "client_id": client_id,
    }


def _introspection(token, client: Client | None, use: str, expires: datetime | None) -> dict[str, Any]:
    issued = int(token.created.timestamp())
    return {
        "active": True,
        "sub": token.subject or (client.client_id if client else ""),
        "client_id": client.client_id if client else "",
        "scope": getattr(token, "scope", ""),
        "exp": int(expires.timestamp()) if expires else None,
        "iat": issued,
        "nbf": issued,
        "iss": issuer(),
        "aud": list(token.audience or []),
        "token_type": "Bearer",
        "token_use": use,
        "ext": dict(token.extra or {}),
    }


# -- clients ---------------------------------------------------------------------------------------


def _decode_page_token(page_token: str) -> tuple[datetime, str]:
    try:
        created, client_pk = base64.urlsafe_b64decode(page_token.encode() + b"==").decode().split("|", 1)
        return datetime.fromisoformat(created), client_pk
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidClientMetadata("The page_token is invalid.", error_id="bad_request") from error


def encode_page_token(client: Client) -> str:
    return base64.urlsafe_b64encode(f"{client.created.isoformat()}|{client.pk}".encode()).decode().rstrip("=")


def clients_page(
    *, page_size: int, page_token: str | None, client_name: str | None, owner: str | None
) -> tuple[list[Client], str | None]:
    """One page of clients in creation order (keyset pagination) and the next page's token."""
    clients = Client.objects.all().order_by("created", "id")
    if client_name:
        clients = clients.filter(name=client_name)
    if owner:
        clients = clients.filter(owner=owner)
    if page_token:
        created, client_pk = _decode_page_token(page_token)
        clients = clients.filter(Q(created__gt=created) | Q(created=created, id__gt=client_pk))
    page = list(clients[: page_size + 1])
    next_token = encode_page_token(page[page_size - 1]) if len(page) > page_size else None
    return page[:page_size], next_token


def clients_granted_in_login_session(login_session_id) -> list[Client]:
    """The clients granted consent during one login session (those a logout of it concerns)."""
    granted = AuthorizationFlow.objects.filter(
        login_session_id=login_session_id,
        state__in=[FlowState.CONSENT_UNUSED, FlowState.CONSENT_USED],
        consent_error__isnull=True,
    ).values("client_id")
    return list(Client.objects.filter(pk__in=granted).order_by("client_id"))
