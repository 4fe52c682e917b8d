"""The ``webauthn`` method: security keys (and platform authenticators) as a second factor.

Settings: ``webauthn_register_trigger`` carries the creation options, the browser's answer comes
back in ``webauthn_register`` (with an optional ``webauthn_register_displayname``), and each key
has a ``webauthn_remove`` button. Login: an ``aal=aal2`` flow offers ``webauthn_login_trigger``
with the request options; the answer comes back in ``webauthn_login``. Browser flows also get
the ``webauthn_script`` node that loads ``/.well-known/ory/webauthn.js``.
See https://www.ory.sh/docs/kratos/passwordless/passkeys-mfa.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from identity_app import relying_party
from identity_app.factors import keys_of
from identity_app.flows import aal, messages, ui
from identity_app.flows.base import FlowFailed
from identity_app.flows.mfa_common import account_name, context_pop, context_put, fail, text_value
from identity_app.flows.settings import require_privileged
from identity_app.models import Credential, Flow, Identity
from identity_app.relying_party import CeremonyFailed
from identity_app.schemas import get_schema
from identity_app.services.identities import identifiers_for
from identity_app.services.sessions import session_add_method
from identity_app.services.webauthn_keys import (
    KeyAlreadyRegistered,
    KeyNotFound,
    webauthn_key_add,
    webauthn_key_remove,
    webauthn_key_use,
)
from ory_platform.errors import BadRequest

GROUP = "webauthn"
CHALLENGE = "webauthn_challenge"
ALREADY_REGISTERED = "this security key or passkey is already registered with your account"


def script_node(group: str) -> dict:
    """Loads ``webauthn.js`` (same origin, with subresource integrity); browsers only."""
    src = f"{settings.PUBLIC_URL}{reverse('identity:webauthn-js')}"
    return ui.script_node("webauthn_script", src, group=group, integrity=relying_party.script_integrity())


def trigger_node(name: str, trigger: str, *, group: str, label: dict, options: dict | None = None) -> dict:
    """A button the script binds to (``onclickTrigger``); never inline JavaScript."""
    return ui.input_node(
        name,
        "button",
        group=group,
        value=json.dumps(options, separators=(",", ":")) if options is not None else None,
        label=label,
        onclick_trigger=trigger,
    )


def added_at(key: dict) -> datetime:
    return datetime.fromisoformat(key["added_at"])


def refuse(flow: Flow, node_name: str, reason: str) -> FlowFailed:
    """A registration or removal that cannot be done: a message on the node, the flow saved."""
    ui.add_node_message(flow.ui, node_name, messages.error_generic(reason))
    return fail(flow)


class WebAuthnMethod:
    method = "webauthn"
    factor = "second"

    # --- Login -------------------------------------------------------------------------------

    def available_for(self, identity: Identity) -> bool:
        return bool(keys_of(identity, Credential.Type.WEBAUTHN))

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]:
        keys = keys_of(identity, Credential.Type.WEBAUTHN) if identity is not None else []
        if not keys:
            return []
        options, challenge = relying_party.authentication_options(allowed_keys=keys, passkey=False)
        context_put(flow, CHALLENGE, challenge)
        nodes = [ui.input_node("webauthn_login", "hidden", group=GROUP, value="")]
        if flow.type == Flow.Type.BROWSER:
            nodes.append(script_node(GROUP))
        nodes.append(
            trigger_node(
                "webauthn_login_trigger",
                "oryWebAuthnLogin",
                group=GROUP,
                label=messages.info_login_webauthn(),
                options=options,
            )
        )
        return nodes

    def login(self, request, flow: Flow, payload: dict, *, session) -> Identity:
        ui.clear_messages(flow.ui)
        response = payload.get("webauthn_login")
        if not isinstance(response, str) or not response:
            ui.add_node_message(flow.ui, "webauthn_login", messages.error_required("webauthn_login"))
            raise fail(flow)
        if not keys_of(session.identity, Credential.Type.WEBAUTHN):
            ui.add_message(flow.ui, messages.error_no_webauthn_device())
            raise fail(flow)
        try:
            webauthn_key_use(
                identity_id=session.identity_id,
                credential_type=Credential.Type.WEBAUTHN,
                response_json=response,
                challenge=(flow.internal_context or {}).get(CHALLENGE, ""),
            )
        except CeremonyFailed:
            ui.add_message(flow.ui, messages.error_webauthn_verifier_wrong())
            raise fail(flow) from None
        context_pop(flow, CHALLENGE)
        return session.identity

    # --- Settings ----------------------------------------------------------------------------

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        keys = keys_of(identity, Credential.Type.WEBAUTHN)
        nodes = [
            ui.submit_node(
                relying_party.key_hex(key),
                group=GROUP,
                name="webauthn_remove",
                label=messages.info_settings_remove_webauthn(key.get("display_name") or "unnamed", added_at(key)),
            )
            for key in keys
        ]
        options, challenge = relying_party.registration_options(
            user_handle=identity.pk.bytes,
            user_name=account_name(identity, "webauthn", "identifier"),
            existing_keys=keys,
            passkey=False,
        )
        context_put(flow, CHALLENGE, challenge)
        if flow.type == Flow.Type.BROWSER:
            nodes.append(script_node(GROUP))
        nodes += [
            ui.input_node(
                "webauthn_register_displayname",
                "text",
                group=GROUP,
                label=messages.info_settings_webauthn_display_name(),
            ),
            trigger_node(
                "webauthn_register_trigger",
                "oryWebAuthnRegistration",
                group=GROUP,
                label=messages.info_settings_register_webauthn(),
                options=options,
            ),
            ui.input_node("webauthn_register", "hidden", group=GROUP, value=""),
        ]
        return nodes

    def update(self, request, flow: Flow, payload: dict, *, session) -> None:
        remove = text_value(payload, "webauthn_remove")
        register = payload.get("webauthn_register")
        if not remove and not register:
            raise BadRequest(reason="Send webauthn_register or webauthn_remove.")
        aal.require_for_settings(flow, session)
        require_privileged(flow, session)
        identity = Identity.objects.get(pk=flow.identity_id)
        if remove:
            try:
                webauthn_key_remove(identity_id=identity.pk, credential_type=Credential.Type.WEBAUTHN, key_hex=remove)
            except KeyNotFound:
                raise BadRequest(reason="You tried to remove a WebAuthn credential which does not exist.") from None
            return
        try:
            key = relying_party.verify_registration(
                register,
                challenge=(flow.internal_context or {}).get(CHALLENGE, ""),
                display_name=text_value(payload, "webauthn_register_displayname"),
            )
        except CeremonyFailed as error:
            raise refuse(flow, "webauthn_register", f"Unable to register the security key: {error}") from None
        schema = get_schema(identity.schema_id)
        try:
            webauthn_key_add(
                identity_id=identity.pk,
                credential_type=Credential.Type.WEBAUTHN,
                key=key,
                user_handle=relying_party.encode(identity.pk.bytes),
                identifiers=identifiers_for(schema, identity.traits, Credential.Type.WEBAUTHN),
            )
        except KeyAlreadyRegistered:
            raise refuse(flow, "webauthn_register", ALREADY_REGISTERED) from None
        context_pop(flow, CHALLENGE)
        # Registering the key used it, so it counts as a completed second factor (as in Kratos).
        session_add_method(session_id=session.pk, method=self.method)


webauthn_method = WebAuthnMethod()
