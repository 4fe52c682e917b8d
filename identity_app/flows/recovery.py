"""The recovery flow: regain access to an account through its recovery address.

``code`` (default): the address receives a six-digit code; ``link``: a link with a token. Either
signs the user in and continues to a settings flow where they set a new password. Unknown
addresses get the same answer as known ones. See
https://www.ory.sh/docs/kratos/self-service/flows/account-recovery-password-reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from identity_app import courier, throttling
from identity_app.flows import base, messages, ui
from identity_app.flows.base import FlowFailed, SessionAlreadyAvailable
from identity_app.flows.login import client_info
from identity_app.flows.settings import settings_flow_create
from identity_app.identifiers import normalize_identifier
from identity_app.models import Flow, OneTimeCode, RecoveryAddress, Session
from identity_app.services.codes import code_issue, code_redeem, flow_remember
from identity_app.services.identities import address_mark_verified
from identity_app.services.sessions import session_issue
from ory_platform.db import retrying
from ory_platform.errors import BadRequest

GROUP = "code"


@dataclass
class RecoveryResult:
    flow: Flow
    session: Session
    token: str
    settings_flow: Flow
    continue_with: list[dict] = field(default_factory=list)


def _choose_method_nodes(method: str) -> list[dict]:
    group = "link" if method == "link" else GROUP
    return [
        ui.input_node("email", "email", group=group, required=True, label=messages.label_email(), autocomplete="email"),
        ui.submit_node(method, group=group, label=messages.label_continue()),
    ]


def code_entry_nodes(address: str = "") -> list[dict]:
    """The recovery code input; with ``address``, also the button that sends a new code to it."""
    return ui.code_entry_nodes(messages.label_recovery_code(), resend_to=address, group=GROUP)


def recovery_flow_create(
    request: HttpRequest, *, flow_type: str, return_to: str = "", session: Session | None = None
) -> Flow:
    if session is not None:
        raise SessionAlreadyAvailable("A valid session was detected and thus account recovery is not possible.")
    return_to = base.validate_return_to(return_to)
    flow = base.new_flow(
        request,
        kind=Flow.Kind.RECOVERY,
        flow_type=flow_type,
        nodes=_choose_method_nodes(settings.IDENTITY_RECOVERY_METHOD),
        return_to=return_to,
    )
    return base.flow_save(flow)


def _recovery_identity(address: str):
    row = RecoveryAddress.objects.select_related("identity").filter(value=address).first()
    if row is None or not row.identity.is_active:
        return None
    return row.identity


@retrying
def _issue_and_queue(*, flow: Flow, method: str, address: str, identity) -> None:
    """In one transaction: the code (or link token) and the e-mail that carries it."""
    minutes = settings.IDENTITY_CODE_LIFESPAN // 60
    if identity is not None and method == "link":
        issued = code_issue(flow=flow, purpose=OneTimeCode.Purpose.RECOVERY_LINK, address=address, identity=identity)
        link = f"{settings.PUBLIC_URL}{reverse('identity:recovery-submit')}?" + urlencode(
            {"flow": str(flow.pk), "token": issued.secret}
        )
        courier.message_queue(
            template_type="recovery_valid",
            recipient=address,
            context={"recovery_url": link, "to": address, "expires_in_minutes": minutes},
        )
    elif identity is not None:
        issued = code_issue(flow=flow, purpose=OneTimeCode.Purpose.RECOVERY, address=address, identity=identity)
        courier.message_queue(
            template_type="recovery_code_valid",
            recipient=address,
            context={"recovery_code": issued.secret, "to": address, "expires_in_minutes": minutes},
        )
    elif settings.IDENTITY_RECOVERY_NOTIFY_UNKNOWN_RECIPIENTS:
        template = "recovery_invalid" if method == "link" else "recovery_code_invalid"
        courier.message_queue(template_type=template, recipient=address, context={"to": address})
    flow_remember(flow=flow, recovery_address=address)


def _send(request: HttpRequest, flow: Flow, method: str, raw_address: str) -> None:
    """Send a code or link to ``raw_address`` if it recovers an account; answer the same either way."""
    address = normalize_identifier(raw_address, is_email=True)
    throttling.check("code", identifier=address, ip=base.client_ip(request))
    throttling.record_failure("code", identifier=address, ip=base.client_ip(request))
    _issue_and_queue(flow=flow, method=method, address=address, identity=_recovery_identity(address))
    flow.state = "sent_email"
    flow.active = method
    csrf = ui.find_node(flow.ui, "csrf_token")
    if method == "link":
        flow.ui["nodes"] = [csrf, *_choose_method_nodes("link")]
        ui.fill_values(flow.ui, {"email": raw_address})
        ui.add_message(flow.ui, messages.info_recovery_link_sent())
    else:
        flow.ui["nodes"] = [csrf, *code_entry_nodes(raw_address)]
        ui.add_message(flow.ui, messages.info_recovery_code_sent())
    base.flow_save(flow)


def _replace_exhausted(request: HttpRequest, flow: Flow) -> Flow:
    replacement = recovery_flow_create(request, flow_type=flow.type, return_to=flow.return_to)
    ui.add_message(replacement.ui, messages.error_submitted_too_often())
    return base.flow_save(replacement)


class FlowReplaced(FlowFailed):
    """The flow is finished (too many wrong codes); the browser or app continues with ``flow``."""


def _succeed(request: HttpRequest, flow: Flow, row: OneTimeCode, method: str) -> RecoveryResult:
    identity = row.identity
    address_mark_verified(identity_id=identity.pk, address=row.address)
    issued = session_issue(identity=identity, method=method, client=client_info(request))
    settings_flow = settings_flow_create(request, flow_type=flow.type, session=issued.session)
    minutes = settings.IDENTITY_PRIVILEGED_SESSION_MAX_AGE / 60
    ui.add_message(settings_flow.ui, messages.info_recovery_successful(minutes))
    base.flow_save(settings_flow)
    flow.state = "passed_challenge"
    ui.clear_messages(flow.ui)
    base.flow_save(flow)
    throttling.record_success("code", identifier=row.address)
    settings_url = f"{settings.PUBLIC_URL}{base.flow_ui_url(settings_flow)}"
    continue_with = [{"action": "show_settings_ui", "flow": {"id": str(settings_flow.pk), "url": settings_url}}]
    if flow.type == Flow.Type.API:
        continue_with.insert(0, {"action": "set_ory_session_token", "ory_session_token": issued.token})
    return RecoveryResult(
        flow=flow, session=issued.session, token=issued.token, settings_flow=settings_flow, continue_with=continue_with
    )


def _check_code(request: HttpRequest, flow: Flow, code: str, purpose: str) -> RecoveryResult:
    address = (flow.internal_context or {}).get("recovery_address", "")
    throttling.check("code", identifier=address or None, ip=base.client_ip(request))
    redemption = code_redeem(flow=flow, purpose=purpose, secret=code)
    if redemption.row is not None:
        return _succeed(
            request,
            flow,
            redemption.row,
            "link_recovery" if purpose == OneTimeCode.Purpose.RECOVERY_LINK else "code_recovery",
        )
    throttling.record_failure("code", identifier=address or None, ip=base.client_ip(request))
    if redemption.exhausted:
        raise FlowReplaced(_replace_exhausted(request, flow))
    ui.clear_messages(flow.ui)
    invalid = (
        messages.error_recovery_token_invalid()
        if purpose == OneTimeCode.Purpose.RECOVERY_LINK
        else messages.error_recovery_code_invalid()
    )
    ui.add_message(flow.ui, invalid)
    base.flow_save(flow)
    raise FlowFailed(flow)


def recovery_flow_submit(request: HttpRequest, flow: Flow, payload: dict) -> RecoveryResult | None:
    """Send a code/link (returns ``None``: the flow now says so) or redeem one (returns the result)."""
    if base.is_expired(flow):
        replacement = recovery_flow_create(request, flow_type=flow.type, return_to=flow.return_to)
        minutes = (replacement.issued_at - flow.expires_at).total_seconds() / 60
        ui.add_message(replacement.ui, messages.error_recovery_flow_expired(minutes))
        base.flow_save(replacement)
        raise base.FlowExpired(flow, replacement)
    base.verify_csrf(request, flow, payload.get("csrf_token"))
    if flow.state == "passed_challenge":
        raise BadRequest(reason="The request was already completed successfully and can not be retried.")
    method = str(payload.get("method") or "")
    if method not in ("code", "link"):
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_no_recovery_strategy())
        base.flow_save(flow)
        raise FlowFailed(flow)
    ui.clear_messages(flow.ui)
    code, email = payload.get("code"), payload.get("email")
    if method == "code" and isinstance(code, str) and code and flow.state == "sent_email":
        return _check_code(request, flow, code, OneTimeCode.Purpose.RECOVERY)
    if not isinstance(email, str) or not email.strip():
        ui.add_node_message(flow.ui, "email", messages.error_required("email"))
        base.flow_save(flow)
        raise FlowFailed(flow)
    _send(request, flow, method, email.strip())
    return None


def recovery_link_redeem(request: HttpRequest, flow: Flow, token: str) -> RecoveryResult:
    """The link from a recovery e-mail was opened."""
    if base.is_expired(flow):
        replacement = recovery_flow_create(request, flow_type=Flow.Type.BROWSER, return_to=flow.return_to)
        minutes = (replacement.issued_at - flow.expires_at).total_seconds() / 60
        ui.add_message(replacement.ui, messages.error_recovery_flow_expired(minutes))
        base.flow_save(replacement)
        raise base.FlowExpired(flow, replacement)
    return _check_code(request, flow, token, OneTimeCode.Purpose.RECOVERY_LINK)
