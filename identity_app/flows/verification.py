"""The verification flow: prove an address belongs to you by entering the code sent to it.

Registration (and a changed address in settings) starts one per new address and tells the
client with ``continue_with: show_verification_ui``. See
https://www.ory.sh/docs/kratos/self-service/flows/verify-email-account-activation.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from identity_app import courier, throttling
from identity_app.flows import base, messages, ui
from identity_app.flows.base import FlowFailed
from identity_app.identifiers import normalize_identifier
from identity_app.models import Flow, Identity, OneTimeCode, VerifiableAddress
from identity_app.services.codes import code_issue, code_redeem, flow_remember
from identity_app.services.identities import address_mark_verified
from ory_platform.db import retrying
from ory_platform.errors import BadRequest

GROUP = "code"


def _choose_nodes() -> list[dict]:
    return [
        ui.input_node("email", "email", group=GROUP, required=True, label=messages.label_email(), autocomplete="email"),
        ui.submit_node("code", group=GROUP, label=messages.label_continue()),
    ]


def verification_flow_create(request: HttpRequest, *, flow_type: str, return_to: str = "") -> Flow:
    flow = base.new_flow(
        request,
        kind=Flow.Kind.VERIFICATION,
        flow_type=flow_type,
        nodes=_choose_nodes(),
        return_to=base.validate_return_to(return_to),
    )
    return base.flow_save(flow)


@retrying
def _issue_and_queue(*, flow: Flow, address: str, identity: Identity | None) -> None:
    if identity is not None:
        issued = code_issue(flow=flow, purpose=OneTimeCode.Purpose.VERIFICATION, address=address, identity=identity)
        link = f"{settings.PUBLIC_URL}{reverse('identity:verification-submit')}?" + urlencode(
            {"flow": str(flow.pk), "code": issued.secret}
        )
        courier.message_queue(
            template_type="verification_code_valid",
            recipient=address,
            context={"verification_code": issued.secret, "verification_url": link, "to": address},
        )
        VerifiableAddress.objects.filter(identity=identity, value=address, verified=False).update(
            status=VerifiableAddress.Status.SENT
        )
    elif settings.IDENTITY_VERIFICATION_NOTIFY_UNKNOWN_RECIPIENTS:
        courier.message_queue(template_type="verification_code_invalid", recipient=address, context={"to": address})
    flow_remember(flow=flow, verification_address=address)


def _mark_sent(flow: Flow, address: str) -> None:
    csrf = ui.find_node(flow.ui, "csrf_token")
    flow.state = "sent_email"
    flow.active = "code"
    flow.ui["nodes"] = [csrf, *ui.code_entry_nodes(messages.label_verification_code(), resend_to=address, group=GROUP)]
    ui.clear_messages(flow.ui)
    ui.add_message(flow.ui, messages.info_verification_code_sent())
    base.flow_save(flow)


def send_verification(request: HttpRequest, flow: Flow, raw_address: str) -> None:
    address = normalize_identifier(raw_address, is_email=True)
    throttling.check("code", identifier=address, ip=base.client_ip(request))
    throttling.record_failure("code", identifier=address, ip=base.client_ip(request))
    row = VerifiableAddress.objects.select_related("identity").filter(value=address).first()
    _issue_and_queue(flow=flow, address=address, identity=row.identity if row else None)
    _mark_sent(flow, address)


def verifications_for_new_addresses(request: HttpRequest, identity: Identity, *, flow_type: str) -> list[dict]:
    """Start a verification flow and send a code for every unverified address of ``identity``
    that has none pending; returns Kratos' ``continue_with`` entries for them."""
    continue_with = []
    for address in identity.verifiable_addresses.filter(verified=False, status=VerifiableAddress.Status.PENDING):
        flow = verification_flow_create(request, flow_type=flow_type)
        _issue_and_queue(flow=flow, address=address.value, identity=identity)
        _mark_sent(flow, address.value)
        url = f"{settings.PUBLIC_URL}{base.flow_ui_url(flow)}"
        continue_with.append(
            {
                "action": "show_verification_ui",
                "flow": {"id": str(flow.pk), "verifiable_address": address.value, "url": url},
            }
        )
    return continue_with


def _replace_exhausted(request: HttpRequest, flow: Flow) -> Flow:
    replacement = verification_flow_create(request, flow_type=flow.type, return_to=flow.return_to)
    ui.add_message(replacement.ui, messages.error_submitted_too_often())
    return base.flow_save(replacement)


class FlowReplaced(FlowFailed):
    pass


def check_code(request: HttpRequest, flow: Flow, code: str) -> Flow:
    address = (flow.internal_context or {}).get("verification_address", "")
    throttling.check("code", identifier=address or None, ip=base.client_ip(request))
    redemption = code_redeem(flow=flow, purpose=OneTimeCode.Purpose.VERIFICATION, secret=code)
    csrf = ui.find_node(flow.ui, "csrf_token")
    if redemption.row is None:
        throttling.record_failure("code", identifier=address or None, ip=base.client_ip(request))
        if redemption.exhausted:
            raise FlowReplaced(_replace_exhausted(request, flow))
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_verification_code_invalid())
        base.flow_save(flow)
        raise FlowFailed(flow)
    address_mark_verified(identity_id=redemption.row.identity_id, address=redemption.row.address)
    throttling.record_success("code", identifier=redemption.row.address)
    flow.state = "passed_challenge"
    target = flow.return_to or base.default_return_url()
    flow.ui["nodes"] = [csrf, ui.anchor_node("continue", target, messages.label_continue(), group=GROUP)]
    ui.clear_messages(flow.ui)
    ui.add_message(flow.ui, messages.info_verification_successful())
    return base.flow_save(flow)


def verification_flow_submit(request: HttpRequest, flow: Flow, payload: dict, *, from_link: bool = False) -> Flow:
    if base.is_expired(flow):
        replacement = verification_flow_create(request, flow_type=flow.type, return_to=flow.return_to)
        minutes = (replacement.issued_at - flow.expires_at).total_seconds() / 60
        ui.add_message(replacement.ui, messages.error_verification_flow_expired(minutes))
        base.flow_save(replacement)
        raise base.FlowExpired(flow, replacement)
    if not from_link:
        base.verify_csrf(request, flow, payload.get("csrf_token"))
    if flow.state == "passed_challenge":
        raise BadRequest(reason="The request was already completed successfully and can not be retried.")
    if str(payload.get("method") or "code") != "code":
        ui.clear_messages(flow.ui)
        ui.add_message(flow.ui, messages.error_no_verification_strategy())
        base.flow_save(flow)
        raise FlowFailed(flow)
    code, email = payload.get("code"), payload.get("email")
    if isinstance(code, str) and code and flow.state == "sent_email":
        return check_code(request, flow, code)
    if not isinstance(email, str) or not email.strip():
        ui.clear_messages(flow.ui)
        ui.add_node_message(flow.ui, "email", messages.error_required("email"))
        base.flow_save(flow)
        raise FlowFailed(flow)
    send_verification(request, flow, email.strip())
    return flow
