"""The ``code`` method: sign in, or sign up, with a one-time code sent by e-mail (no password).

Step one sends the code (the flow answers with ``state: sent_email`` and a ``code`` input);
step two checks it. Unknown addresses get the same answer as known ones at sign-in.
See https://www.ory.sh/docs/kratos/passwordless/one-time-code.
"""

from __future__ import annotations

from identity_app import courier, throttling
from identity_app.flows import base, messages, ui
from identity_app.flows.base import FlowFailed, flatten
from identity_app.identifiers import normalize_identifier
from identity_app.models import Credential, Flow, Identity, OneTimeCode
from identity_app.schemas import get_schema, identifier_label
from identity_app.selectors import credential_for_identifier
from identity_app.services.codes import code_issue, code_redeem, flow_remember
from identity_app.services.identities import (
    DuplicateIdentity,
    IdentityInput,
    address_mark_verified,
    identifiers_for,
    identity_create,
)
from ory_platform.db import retrying

GROUP = "code"


class CodeSent(FlowFailed):
    """Not a failure: the code is on its way and the flow now asks for it (Kratos answers this
    step with the flow, HTTP 400 for apps, a redirect back to the page for browsers)."""


def _code_step_nodes(flow: Flow, label: dict, keep: list[str]) -> None:
    """Replace the UI with the code input, keeping the named nodes (as hidden values)."""
    kept = []
    for node in flow.ui["nodes"]:
        name = ui.node_name(node)
        if name == "csrf_token":
            kept.append(node)
        elif name in keep and node["type"] == "input" and node["attributes"].get("type") != "submit":
            hidden = ui.input_node(name, "hidden", group=node["group"], value=node["attributes"].get("value"))
            kept.append(hidden)
    flow.ui["nodes"] = [*kept, *ui.code_entry_nodes(label, group=GROUP)]


@retrying
def _send_code(
    *, flow: Flow, purpose: str, address: str, identity: Identity | None, template: str, key: str, remember: dict
) -> None:
    """In one transaction: remember what the flow needs for step two, and unless the address is
    unknown (``template`` empty) issue the code and queue the e-mail that carries it."""
    if template:
        issued = code_issue(flow=flow, purpose=purpose, address=address, identity=identity)
        courier.message_queue(template_type=template, recipient=address, context={key: issued.secret, "to": address})
    flow_remember(flow=flow, **remember)


def _exhausted(flow: Flow) -> FlowFailed:
    ui.clear_messages(flow.ui)
    ui.add_message(flow.ui, messages.error_submitted_too_often())
    flow.state = "choose_method"
    base.flow_save(flow)
    return FlowFailed(flow)


class CodeMethod:
    method = "code"
    factor = "first"

    # --- Login -------------------------------------------------------------------------------

    def available_for(self, identity: Identity) -> bool:
        return identity.credentials.filter(type=Credential.Type.CODE).exists()

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]:
        nodes = [ui.submit_node(self.method, group=GROUP, label=messages.label_send_login_code())]
        if identity is None:
            label = identifier_label(get_schema(), Credential.Type.CODE)
            nodes.insert(0, ui.input_node("identifier", "text", value="", required=True, label=label))
        return nodes

    def login(self, request, flow: Flow, payload: dict, *, session=None) -> Identity:
        ip = base.client_ip(request)
        code = payload.get("code")
        ui.clear_messages(flow.ui)
        if flow.state == "sent_email" and isinstance(code, str) and code:
            address = (flow.internal_context or {}).get("code_address", "")
            throttling.check("code", identifier=address or None, ip=ip)
            redemption = code_redeem(flow=flow, purpose=OneTimeCode.Purpose.LOGIN, secret=code)
            if redemption.row is None or redemption.row.identity is None:
                throttling.record_failure("code", identifier=address or None, ip=ip)
                if redemption.exhausted:
                    raise _exhausted(flow)
                ui.add_message(flow.ui, messages.error_login_code_invalid())
                base.flow_save(flow)
                raise FlowFailed(flow)
            identity = redemption.row.identity
            if not identity.is_active:
                ui.add_message(flow.ui, messages.error_identity_disabled())
                base.flow_save(flow)
                raise FlowFailed(flow)
            address_mark_verified(identity_id=identity.pk, address=redemption.row.address)
            throttling.record_success("code", identifier=address)
            return identity

        identifier = payload.get("identifier")
        if flow.identity_id and not identifier:
            # Re-authentication: the code goes to the signed-in identity's own address.
            own = Credential.objects.filter(identity_id=flow.identity_id, type=Credential.Type.CODE).first()
            first = own.identifiers.first() if own else None
            identifier = first.identifier if first else None
        if not isinstance(identifier, str) or not identifier.strip():
            ui.add_node_message(flow.ui, "identifier", messages.error_required("identifier"))
            base.flow_save(flow)
            raise FlowFailed(flow)
        address = normalize_identifier(identifier, is_email=True)
        throttling.check("code", identifier=address, ip=ip)
        throttling.record_failure("code", identifier=address, ip=ip)
        credential = credential_for_identifier(Credential.Type.CODE, address)
        identity = credential.identity if credential else None
        _send_code(
            flow=flow,
            purpose=OneTimeCode.Purpose.LOGIN,
            address=address,
            identity=identity,
            template="login_code_valid" if identity is not None else "",
            key="login_code",
            remember={"code_address": address},
        )
        ui.fill_values(flow.ui, {"identifier": identifier})
        _code_step_nodes(flow, messages.label_login_code(), keep=["identifier"])
        flow.state = "sent_email"
        flow.active = self.method
        ui.add_message(flow.ui, messages.info_login_code_sent())
        base.flow_save(flow)
        raise CodeSent(flow)

    # --- Registration ------------------------------------------------------------------------

    def registration_nodes(self, flow: Flow) -> list[dict]:
        schema = get_schema(flow.schema_id or None)
        return [
            *ui.trait_nodes(schema),
            ui.submit_node(self.method, group=GROUP, label=messages.label_send_registration_code()),
        ]

    def register(self, request, flow: Flow, payload: dict) -> Identity:
        ip = base.client_ip(request)
        schema = get_schema(flow.schema_id or None)
        code = payload.get("code")
        ui.clear_messages(flow.ui)
        context = flow.internal_context or {}
        if flow.state == "sent_email" and isinstance(code, str) and code and "registration_traits" in context:
            redemption = code_redeem(flow=flow, purpose=OneTimeCode.Purpose.REGISTRATION, secret=code)
            if redemption.row is None:
                throttling.record_failure("code", identifier=context.get("code_address"), ip=ip)
                if redemption.exhausted:
                    raise _exhausted(flow)
                ui.add_message(flow.ui, messages.error_registration_code_invalid())
                base.flow_save(flow)
                raise FlowFailed(flow)
            try:
                identity = identity_create(
                    data=IdentityInput(schema_id=schema.id, traits=flow.internal_context["registration_traits"])
                )
            except DuplicateIdentity:
                ui.add_message(flow.ui, messages.error_duplicate_credentials())
                base.flow_save(flow)
                raise FlowFailed(flow) from None
            address_mark_verified(identity_id=identity.pk, address=redemption.row.address)
            return identity

        traits = payload.get("traits") if isinstance(payload.get("traits"), dict) else {}
        ui.fill_values(flow.ui, flatten(traits, "traits"))
        errors = schema.validate(traits)
        for error in errors:
            ui.add_node_message(flow.ui, f"traits.{error.path}" if error.path else "traits", error.message)
        addresses = identifiers_for(schema, traits, Credential.Type.CODE)
        if not errors and not addresses:
            ui.add_message(flow.ui, messages.error_generic("The identity schema names no address to send a code to."))
        if errors or not addresses:
            base.flow_save(flow)
            raise FlowFailed(flow)
        if credential_for_identifier(Credential.Type.CODE, addresses[0]) or credential_for_identifier(
            Credential.Type.PASSWORD, addresses[0]
        ):
            ui.add_message(flow.ui, messages.error_duplicate_credentials())
            base.flow_save(flow)
            raise FlowFailed(flow)
        _send_code(
            flow=flow,
            purpose=OneTimeCode.Purpose.REGISTRATION,
            address=addresses[0],
            identity=None,
            template="registration_code_valid",
            key="registration_code",
            remember={"registration_traits": traits, "code_address": addresses[0]},
        )
        _code_step_nodes(flow, messages.label_registration_code(), keep=[f"traits.{f.path}" for f in schema.fields])
        flow.state = "sent_email"
        flow.active = self.method
        ui.add_message(flow.ui, messages.info_registration_code_sent())
        base.flow_save(flow)
        raise CodeSent(flow)


code_method = CodeMethod()
