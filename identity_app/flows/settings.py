"""The settings flow: a signed-in identity changes its profile and its credentials.

Changes to credentials and to the traits that identify the account need a privileged session
(signed in within ``IDENTITY_PRIVILEGED_SESSION_MAX_AGE``); otherwise the caller is sent to
re-authenticate (``session_refresh_required``) and comes back to the same flow.
See https://www.ory.sh/docs/kratos/self-service/flows/user-settings.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from identity_app.flows import base, messages, strategies, ui
from identity_app.flows.base import FlowFailed
from identity_app.flows.login import IdentityMismatch
from identity_app.models import Flow, Identity, Session
from ory_platform.errors import OryError

# What a settings method's ``update`` returns when it shows the user something to confirm instead of saving.
SHOW_FORM = "show_form"


class NeedsPrivilegedSession(OryError):
    """Kratos' ``session_refresh_required``: sign in again, then retry the same flow."""

    status_code = 403
    error_id = "session_refresh_required"
    default_message = "The requested action was forbidden"

    def __init__(self, redirect_browser_to: str):
        super().__init__(
            reason="The login session is too old and thus not allowed to update these fields. Please re-authenticate.",
            extra={"redirect_browser_to": redirect_browser_to},
        )
        self.redirect_browser_to = redirect_browser_to


def is_privileged(session: Session) -> bool:
    age = timedelta(seconds=settings.IDENTITY_PRIVILEGED_SESSION_MAX_AGE)
    return session.authenticated_at >= timezone.now() - age


def require_privileged(flow: Flow, session: Session) -> None:
    """Raise :class:`NeedsPrivilegedSession` unless ``session`` signed in recently."""
    if is_privileged(session):
        return
    back = f"{settings.PUBLIC_URL}{base.flow_ui_url(flow)}"
    login = reverse(f"identity:login-{flow.type}-init")
    raise NeedsPrivilegedSession(f"{settings.PUBLIC_URL}{login}?{urlencode({'refresh': 'true', 'return_to': back})}")


def _nodes(flow: Flow, identity: Identity) -> list[dict]:
    nodes: list[dict] = []
    for method in strategies.settings_methods():
        nodes.extend(method.settings_nodes(flow, identity))
    return nodes


def refresh_ui(flow: Flow, identity: Identity) -> None:
    """Rebuild the nodes from the identity as it is now (after a change), keeping the CSRF node."""
    csrf = ui.find_node(flow.ui, "csrf_token")
    flow.ui["nodes"] = [csrf, *_nodes(flow, identity)] if csrf else _nodes(flow, identity)


def settings_flow_create(request: HttpRequest, *, flow_type: str, session: Session, return_to: str = "") -> Flow:
    return_to = base.validate_return_to(return_to)
    flow = base.new_flow(
        request,
        kind=Flow.Kind.SETTINGS,
        flow_type=flow_type,
        nodes=[],
        return_to=return_to,
        identity=session.identity,
        session=session,
    )
    flow.state = "show_form"
    flow.ui["nodes"].extend(_nodes(flow, session.identity))
    return base.flow_save(flow)


def ensure_owner(flow: Flow, session: Session) -> None:
    if flow.identity_id != session.identity_id:
        raise IdentityMismatch(
            "The settings flow belongs to another identity.",
            reason="The flow was initiated by another identity; start a new settings flow.",
        )


def settings_flow_submit(request: HttpRequest, flow: Flow, payload: dict, *, session: Session) -> Flow:
    """Apply one method's change. Returns the flow in state ``success`` with a fresh UI."""
    ensure_owner(flow, session)
    if base.is_expired(flow):
        replacement = settings_flow_create(request, flow_type=flow.type, session=session, return_to=flow.return_to)
        minutes = (replacement.issued_at - flow.expires_at).total_seconds() / 60
        ui.add_message(replacement.ui, messages.error_settings_flow_expired(minutes))
        base.flow_save(replacement)
        raise base.FlowExpired(flow, replacement)
    base.verify_csrf(request, flow, payload.get("csrf_token"))

    method = strategies.settings_method(str(payload.get("method") or ""))
    if method is None:
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_no_settings_strategy())
        base.flow_save(flow)
        raise FlowFailed(flow)
    ui.clear_messages(flow.ui)
    shown = method.update(request, flow, payload, session=session)
    identity = Identity.objects.get(pk=flow.identity_id)
    refresh_ui(flow, identity)
    flow.active = method.method
    if shown == SHOW_FORM:
        flow.state = "show_form"  # e.g. new backup codes to read before confirming: nothing saved yet
    else:
        flow.state = "success"
        if not ui.has_errors(flow.ui):
            ui.add_message(flow.ui, messages.info_settings_saved())
    return base.flow_save(flow)


def settings_flow_for(flow_id, *, session: Session) -> Flow:
    flow = base.flow_get(flow_id, kind=Flow.Kind.SETTINGS)
    ensure_owner(flow, session)
    return flow


def require_session(session: Session | None) -> Session:
    if session is None:
        raise base.NoActiveSession()
    return session
