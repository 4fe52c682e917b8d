"""Settings methods for the profile (traits) and the password."""

from __future__ import annotations

from django.conf import settings

from identity_app import passwords
from identity_app.flows import aal, messages, ui
from identity_app.flows.base import FlowFailed, flatten, flow_save
from identity_app.flows.settings import require_privileged
from identity_app.flows.verification import verifications_for_new_addresses
from identity_app.models import Credential, Flow, Identity
from identity_app.schemas import get_schema, trait_value
from identity_app.services.identities import (
    DuplicateIdentity,
    identifiers_for,
    identity_delete,
    identity_set_password,
    identity_update,
)
from identity_app.services.sessions import sessions_revoke_for_identity


def _sensitive_values(identity: Identity, traits: dict) -> set:
    """Everything that identifies the account or receives its recovery and verification mail."""
    schema = get_schema(identity.schema_id)
    values = {(kind, v) for kind in schema.identifier_paths for v in identifiers_for(schema, traits, kind)}
    for path in [*schema.verification_paths, *schema.recovery_paths]:
        values.add(("address", str(trait_value(traits, path))))
    return values


class ProfileSettings:
    method = "profile"

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        schema = get_schema(identity.schema_id)
        return [
            *ui.trait_nodes(schema, group="profile", values=flatten(identity.traits, "traits")),
            ui.submit_node(self.method, group="profile", label=messages.label_save()),
        ]

    def update(self, request, flow: Flow, payload: dict, *, session) -> None:
        identity = Identity.objects.get(pk=flow.identity_id)
        traits = payload.get("traits")
        if not isinstance(traits, dict):
            traits = {}
        schema = get_schema(identity.schema_id)
        ui.fill_values(flow.ui, flatten(traits, "traits"))
        errors = schema.validate(traits)
        for error in errors:
            ui.add_node_message(flow.ui, f"traits.{error.path}" if error.path else "traits", error.message)
        if errors:
            flow_save(flow)
            raise FlowFailed(flow)
        if _sensitive_values(identity, traits) != _sensitive_values(identity, identity.traits):
            require_privileged(flow, session)
        try:
            identity_update(
                identity_id=identity.pk,
                schema_id=identity.schema_id,
                traits=traits,
                metadata_public=identity.metadata_public,
                metadata_admin=identity.metadata_admin,
                external_id=identity.external_id,
            )
        except DuplicateIdentity:
            ui.add_message(flow.ui, messages.error_duplicate_credentials())
            flow_save(flow)
            raise FlowFailed(flow) from None
        flow.continue_with = verifications_for_new_addresses(request, identity, flow_type=flow.type)


class PasswordSettings:
    method = "password"

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        return [
            ui.input_node(
                "password",
                "password",
                group="password",
                required=True,
                label=messages.label_password(),
                autocomplete="new-password",
            ),
            ui.submit_node(self.method, group="password", label=messages.label_save()),
        ]

    def update(self, request, flow: Flow, payload: dict, *, session) -> None:
        aal.require_for_settings(flow, session)
        require_privileged(flow, session)
        identity = Identity.objects.get(pk=flow.identity_id)
        password = payload.get("password")
        if not isinstance(password, str) or not password:
            ui.add_node_message(flow.ui, "password", messages.error_required("password"))
            flow_save(flow)
            raise FlowFailed(flow)
        schema = get_schema(identity.schema_id)
        problems = passwords.check_password_policy(
            password, identifiers=identifiers_for(schema, identity.traits, Credential.Type.PASSWORD)
        )
        for problem in problems:
            ui.add_node_message(flow.ui, "password", problem)
        if problems:
            flow_save(flow)
            raise FlowFailed(flow)
        identity_set_password(identity_id=identity.pk, password=password)
        if settings.IDENTITY_REVOKE_SESSIONS_ON_PASSWORD_CHANGE:
            sessions_revoke_for_identity(identity_id=identity.pk, except_session_id=session.pk)


profile_settings = ProfileSettings()
password_settings = PasswordSettings()


# Kratos' API allows only its own node groups; deletion changes the profile, so it lives there
# (the HTML page still shows it as a section of its own, keyed by its submit button).
GROUP_DELETE = "profile"


class AccountDeleted(Exception):
    """The identity deleted itself; its flow and sessions are gone with it."""

    def __init__(self, identity_id):
        super().__init__(identity_id)
        self.identity_id = identity_id


class AccountDeletion:
    """Delete your own account (Kratos has no such method: ory/kratos#596). Needs a recent
    sign-in and an explicit confirmation; everything the identity owns goes in one transaction
    and other apps hear of it through ``identity_app.signals.identity_deleted``."""

    method = "delete_account"

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        return [
            ui.input_node(
                "delete_confirm",
                "checkbox",
                group=GROUP_DELETE,
                required=True,
                label=messages.label_delete_confirm(),
            ),
            ui.submit_node(self.method, group=GROUP_DELETE, label=messages.label_delete_account()),
        ]

    def update(self, request, flow: Flow, payload: dict, *, session) -> None:
        require_privileged(flow, session)
        confirmed = payload.get("delete_confirm")
        if confirmed not in (True, "true", "on", "1"):
            ui.add_node_message(flow.ui, "delete_confirm", messages.error_required("delete_confirm"))
            flow_save(flow)
            raise FlowFailed(flow)
        identity_delete(identity_id=flow.identity_id)
        raise AccountDeleted(flow.identity_id)


account_deletion = AccountDeletion()
