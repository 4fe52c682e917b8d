"""The login flow: create it, then complete it with one of the identity's methods.

A first-factor login issues a new session (aal1). ``refresh=true`` re-authenticates the
signed-in identity (a fresh ``authenticated_at``), ``aal=aal2`` steps its session up with a
second factor. See https://www.ory.sh/docs/kratos/self-service/flows/user-login.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from identity_app.flows import base, messages, strategies, ui
from identity_app.flows.base import FlowFailed, SessionAlreadyAvailable
from identity_app.models import Flow, Identity, Session
from identity_app.services.sessions import AAL_ORDER, ClientInfo, IssuedSession, session_add_method, session_issue
from ory_platform.db import retrying
from ory_platform.errors import BadRequest, OryError

AAL_VALUES = ("aal1", "aal2")


class SessionAal1Required(OryError):
    status_code = 401
    error_id = "session_aal1_required"
    default_message = "You can not requested a higher AAL (AAL2/AAL3) without an active session."


class SessionAalAlreadyFulfilled(BadRequest):
    error_id = "session_aal_already_fulfilled"
    default_message = "Session already has the requested authenticator assurance level."


class IdentityMismatch(BadRequest):
    error_id = "security_identity_mismatch"
    default_message = "The flow was interrupted because the identity that signed in is not the one that started it."


@dataclass(frozen=True)
class LoginResult:
    session: Session
    token: str | None  # set when a new session was issued
    identity: Identity


def oauth2_continue_url(login_challenge: str) -> str:
    """Where a sign-in started for an OAuth2 login challenge continues: the OAuth2 provider's
    login endpoint (named by ``IDENTITY_OAUTH2_LOGIN_URL``), which accepts the challenge for the
    now signed-in identity. identity_app only knows the URL's name, not the app behind it."""
    return f"{reverse(settings.IDENTITY_OAUTH2_LOGIN_URL)}?{urlencode({'login_challenge': login_challenge[:2048]})}"


def client_info(request: HttpRequest) -> ClientInfo:
    return ClientInfo(ip_address=base.client_ip(request), user_agent=request.headers.get("User-Agent", "")[:512])


def login_flow_create(
    request: HttpRequest,
    *,
    flow_type: str,
    refresh: bool = False,
    aal: str = "",
    return_to: str = "",
    login_challenge: str = "",
    session: Session | None = None,
) -> Flow:
    """A new login flow. A signed-in identity gets one only to refresh or to raise its AAL."""
    aal = aal or "aal1"
    if aal not in AAL_VALUES:
        raise BadRequest(reason=f"Unable to parse AuthenticationMethod Assurance Level (AAL): {aal!r}")
    if login_challenge and not return_to:
        return_to = oauth2_continue_url(login_challenge)
    return_to = base.validate_return_to(return_to)
    identity = session.identity if session else None
    if aal == "aal2":
        if session is None:
            raise SessionAal1Required(reason="A session is required to request a higher assurance level.")
        if AAL_ORDER[session.aal] >= AAL_ORDER["aal2"] and not refresh:
            raise SessionAalAlreadyFulfilled()
        factor = "second"
    elif session is not None and not refresh:
        raise SessionAlreadyAvailable()
    else:
        factor = "first"

    flow = base.new_flow(
        request,
        kind=Flow.Kind.LOGIN,
        flow_type=flow_type,
        nodes=[],
        return_to=return_to,
        refresh=refresh,
        requested_aal=aal,
        identity=identity,
        session=session,
        oauth2_login_challenge=login_challenge[:2048],
    )
    seen = {"csrf_token"}
    for method in strategies.login_methods(factor):
        if identity is None or method.available_for(identity):
            for node in method.login_nodes(flow, identity=identity):
                name = ui.node_name(node)
                if node["attributes"].get("type") == "submit" or name not in seen:
                    flow.ui["nodes"].append(node)
                    seen.add(name)
    if refresh and identity is not None:
        ui.add_message(flow.ui, messages.info_login_reauth())
    elif factor == "second":
        ui.add_message(flow.ui, messages.info_login_mfa())
    return base.flow_save(flow)


def login_flow_submit(request: HttpRequest, flow: Flow, payload: dict, *, session: Session | None) -> LoginResult:
    """Complete ``flow`` with the submitted method. Raises :class:`FlowFailed` (messages on the
    flow), :class:`base.FlowExpired`, or an Ory error."""
    if base.is_expired(flow):
        replacement = login_flow_create(
            request,
            flow_type=flow.type,
            refresh=flow.refresh,
            aal=flow.requested_aal,
            return_to=flow.return_to,
            login_challenge=flow.oauth2_login_challenge,
            session=session if (flow.refresh or flow.requested_aal == "aal2") else None,
        )
        minutes = (replacement.issued_at - flow.expires_at).total_seconds() / 60
        ui.add_message(replacement.ui, messages.error_login_flow_expired(minutes))
        base.flow_save(replacement)
        raise base.FlowExpired(flow, replacement)
    base.verify_csrf(request, flow, payload.get("csrf_token"))
    if flow.state == "passed_challenge":
        raise BadRequest(reason="This login flow was completed already; start a new one.")

    second_factor = flow.requested_aal == "aal2"
    if (flow.refresh or second_factor) and (session is None or session.identity_id != flow.identity_id):
        # The session that asked for a refresh / step-up must be the one finishing it.
        raise IdentityMismatch()
    if not (flow.refresh or second_factor) and session is not None:
        raise SessionAlreadyAvailable()

    method = strategies.login_method(str(payload.get("method") or ""))
    if method is None or method.factor != ("second" if second_factor else "first"):
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_no_login_strategy())
        base.flow_save(flow)
        raise FlowFailed(flow)

    identity = method.login(request, flow, payload, session=session)
    if flow.identity_id is not None and identity.pk != flow.identity_id:
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_invalid_credentials())
        base.flow_save(flow)
        raise FlowFailed(flow)

    return _complete_login(flow, identity=identity, method=method.method, session=session, client=client_info(request))


@retrying
def _complete_login(flow: Flow, *, identity: Identity, method: str, session: Session | None, client) -> LoginResult:
    """In one transaction (no savepoints): the session (new, or stepped up / refreshed) and the
    finished flow."""
    if session is not None:
        updated = session_add_method.in_current_transaction(
            session_id=session.pk, method=method, refresh=flow.refresh, client=client
        )
        result = LoginResult(session=updated, token=None, identity=identity)
    else:
        issued: IssuedSession = session_issue.in_current_transaction(identity=identity, method=method, client=client)
        result = LoginResult(session=issued.session, token=issued.token, identity=identity)
    flow.state = "passed_challenge"
    flow.active = method
    ui.clear_messages(flow.ui)
    base.flow_save.in_current_transaction(flow)
    return result
