"""The password method: sign up with traits and a password, sign in with identifier and password.

Unknown identifiers and wrong passwords get the same message and the same work (a dummy argon2
verification), so neither the answer nor its timing tells whether an account exists.
"""

from __future__ import annotations

from identity_app import passwords, throttling
from identity_app.flows import messages, ui
from identity_app.flows.base import FlowFailed, client_ip, flatten, flow_save
from identity_app.models import Credential, Flow, Identity
from identity_app.schemas import get_schema, identifier_label
from identity_app.selectors import credential_for_identifier
from identity_app.services.credentials import password_rehash
from identity_app.services.identities import (
    DuplicateIdentity,
    IdentityInput,
    PasswordInput,
    identifiers_for,
    identity_create,
)

GROUP = "password"


def _fail(flow: Flow) -> FlowFailed:
    flow_save(flow)
    return FlowFailed(flow)


def _password_identifier(identity: Identity) -> str:
    credential = identity.credentials.filter(type=Credential.Type.PASSWORD).prefetch_related("identifiers").first()
    if credential is None:
        return ""
    first = credential.identifiers.first()
    return first.identifier if first else ""


class PasswordMethod:
    method = "password"
    factor = "first"

    # --- Login -------------------------------------------------------------------------------

    def available_for(self, identity: Identity) -> bool:
        return identity.credentials.filter(type=Credential.Type.PASSWORD).exists()

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]:
        if identity is not None:
            # Re-authentication: the identifier is fixed to the signed-in identity.
            identifier = ui.input_node("identifier", "hidden", value=_password_identifier(identity), required=True)
        else:
            label = identifier_label(get_schema(), Credential.Type.PASSWORD)
            identifier = ui.input_node("identifier", "text", value="", required=True, label=label)
        return [
            identifier,
            ui.input_node(
                "password",
                "password",
                group=GROUP,
                required=True,
                label=messages.label_password(),
                autocomplete="current-password",
            ),
            ui.submit_node(self.method, group=GROUP, label=messages.label_sign_in_with_password()),
        ]

    def login(self, request, flow: Flow, payload: dict, *, session=None) -> Identity:
        identifier = payload.get("identifier")
        password = payload.get("password")
        ui.clear_messages(flow.ui)
        if isinstance(identifier, str):
            ui.fill_values(flow.ui, {"identifier": identifier})
        missing = False
        for name, value in (("identifier", identifier), ("password", password)):
            if not isinstance(value, str) or not value:
                ui.add_node_message(flow.ui, name, messages.error_required(name))
                missing = True
        if missing:
            raise _fail(flow)

        ip = client_ip(request)
        throttling.check("login", identifier=identifier, ip=ip)
        credential = credential_for_identifier(Credential.Type.PASSWORD, identifier)
        if credential is None:
            passwords.dummy_verify(password)
            valid = False
        else:
            check = passwords.verify_password(password, credential.config.get("hashed_password", ""))
            valid = check.valid
        if not valid:
            throttling.record_failure("login", identifier=identifier, ip=ip)
            ui.add_message(flow.ui, messages.error_invalid_credentials())
            raise _fail(flow)
        throttling.record_success("login", identifier=identifier)
        identity = credential.identity
        if not identity.is_active:
            ui.add_message(flow.ui, messages.error_identity_disabled())
            raise _fail(flow)
        if check.needs_upgrade:
            password_rehash(credential_id=credential.pk, password=password)
        return identity

    # --- Registration ------------------------------------------------------------------------

    def registration_nodes(self, flow: Flow) -> list[dict]:
        schema = get_schema(flow.schema_id or None)
        return [
            *ui.trait_nodes(schema),
            ui.input_node(
                "password",
                "password",
                group=GROUP,
                required=True,
                label=messages.label_password(),
                autocomplete="new-password",
            ),
            ui.submit_node(self.method, group=GROUP, label=messages.label_sign_up()),
        ]

    def register(self, request, flow: Flow, payload: dict) -> Identity:
        traits = payload.get("traits")
        password = payload.get("password")
        ui.clear_messages(flow.ui)
        if not isinstance(traits, dict):
            traits = {}
        ui.fill_values(flow.ui, flatten(traits, "traits"))
        schema = get_schema(flow.schema_id or None)

        failed = False
        for error in schema.validate(traits):
            ui.add_node_message(flow.ui, f"traits.{error.path}" if error.path else "traits", error.message)
            failed = True
        if not isinstance(password, str) or not password:
            ui.add_node_message(flow.ui, "password", messages.error_required("password"))
            failed = True
        else:
            identifiers = identifiers_for(schema, traits, Credential.Type.PASSWORD)
            for message in passwords.check_password_policy(password, identifiers=identifiers):
                ui.add_node_message(flow.ui, "password", message)
                failed = True
        if failed:
            raise _fail(flow)
        try:
            return identity_create(
                data=IdentityInput(schema_id=schema.id, traits=traits, password=PasswordInput(password=password))
            )
        except DuplicateIdentity:
            ui.add_message(flow.ui, messages.error_duplicate_credentials())
            raise _fail(flow) from None


password_method = PasswordMethod()
