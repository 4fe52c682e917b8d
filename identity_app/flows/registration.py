"""The registration flow: sign up with traits and a first credential, then (by default) be signed in.

See https://www.ory.sh/docs/kratos/self-service/flows/user-registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest

from identity_app import throttling
from identity_app.flows import base, messages, strategies, ui
from identity_app.flows.base import FlowFailed, SessionAlreadyAvailable
from identity_app.flows.login import client_info, oauth2_continue_url
from identity_app.flows.verification import verifications_for_new_addresses
from identity_app.models import Flow, Identity, Session
from identity_app.schemas import get_schema
from identity_app.services.sessions import session_issue
from ory_platform.errors import BadRequest


@dataclass(frozen=True)
class RegistrationResult:
    identity: Identity
    session: Session | None
    token: str | None
    continue_with: list[dict] = field(default_factory=list)


def registration_flow_create(
    request: HttpRequest,
    *,
    flow_type: str,
    return_to: str = "",
    login_challenge: str = "",
    schema_id: str = "",
    session: Session | None = None,
) -> Flow:
    """A new registration flow; a signed-in identity cannot start one."""
    if session is not None:
        raise SessionAlreadyAvailable(
            "A valid session was detected and thus registration is not possible.",
        )
    if login_challenge and not return_to:
        return_to = oauth2_continue_url(login_challenge)
    return_to = base.validate_return_to(return_to)
    schema = get_schema(schema_id or None)
    flow = base.new_flow(
        request,
        kind=Flow.Kind.REGISTRATION,
        flow_type=flow_type,
        nodes=[],
        return_to=return_to,
        schema_id=schema.id if schema_id else "",
        oauth2_login_challenge=login_challenge[:2048],
    )
    seen: set[str] = {"csrf_token"}
    for method in strategies.registration_methods():
        for node in method.registration_nodes(flow):
            name = ui.node_name(node)
            if node["attributes"].get("type") == "submit" or name not in seen:
                flow.ui["nodes"].append(node)
                seen.add(name)
    return base.flow_save(flow)


def registration_flow_submit(
    request: HttpRequest, flow: Flow, payload: dict, *, session: Session | None
) -> RegistrationResult:
    """Create the identity the submission describes and, by default, sign it in."""
    if base.is_expired(flow):
        replacement = registration_flow_create(
            request,
            flow_type=flow.type,
            return_to=flow.return_to,
            login_challenge=flow.oauth2_login_challenge,
            schema_id=flow.schema_id,
        )
        minutes = (replacement.issued_at - flow.expires_at).total_seconds() / 60
        ui.add_message(replacement.ui, messages.error_registration_flow_expired(minutes))
        base.flow_save(replacement)
        raise base.FlowExpired(flow, replacement)
    base.verify_csrf(request, flow, payload.get("csrf_token"))
    if session is not None:
        raise SessionAlreadyAvailable("A valid session was detected and thus registration is not possible.")
    if flow.state == "passed_challenge":
        raise BadRequest(reason="This registration flow was completed already; start a new one.")

    # Every sign-up attempt counts against the client's limit, successful or not: the limit is
    # there to slow down mass account creation.
    throttling.check("registration", ip=base.client_ip(request))
    throttling.record_failure("registration", ip=base.client_ip(request))
    method = strategies.registration_method(str(payload.get("method") or ""))
    if method is None:
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_no_registration_strategy())
        base.flow_save(flow)
        raise FlowFailed(flow)

    identity = method.register(request, flow, payload)
    new_session, token = None, None
    continue_with: list[dict] = verifications_for_new_addresses(request, identity, flow_type=flow.type)
    if settings.IDENTITY_REGISTRATION_SIGNS_IN:
        issued = session_issue(identity=identity, method=method.method, client=client_info(request))
        new_session, token = issued.session, issued.token
        if flow.type == Flow.Type.API:
            continue_with.insert(0, {"action": "set_ory_session_token", "ory_session_token": token})
    flow.state = "passed_challenge"
    flow.active = method.method
    ui.clear_messages(flow.ui)
    base.flow_save(flow)
    return RegistrationResult(identity=identity, session=new_session, token=token, continue_with=continue_with)
