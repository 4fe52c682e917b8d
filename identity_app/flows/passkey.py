"""The ``passkey`` method: sign in without a password, with a discoverable WebAuthn credential.

Login (first factor): the flow carries request options without allowed credentials in
``passkey_challenge``; the authenticator offers the account's passkey and answers in
``passkey_login`` with the user handle that names the account. For ``refresh=true`` the options
list the signed-in identity's passkeys. Settings: ``passkey_create_data`` holds creation options
(resident key required), the answer comes back in ``passkey_settings_register``; ``passkey_remove``
removes one, but never the identity's last way to sign in.
See https://www.ory.sh/docs/kratos/passwordless/passkeys.
"""

from __future__ import annotations

import json
import secrets

from identity_app import relying_party
from identity_app.factors import first_factor_count, identity_id_for_passkey, keys_of, user_handle_of
from identity_app.flows import aal, messages, strategies, ui
from identity_app.flows.mfa_common import account_name, context_pop, context_put, fail, text_value
from identity_app.flows.settings import require_privileged
from identity_app.flows.webauthn import ALREADY_REGISTERED, added_at, refuse, script_node, trigger_node
from identity_app.models import Credential, Flow, Identity
from identity_app.relying_party import CeremonyFailed
from identity_app.services.sessions import session_add_method
from identity_app.services.webauthn_keys import (
    KeyAlreadyRegistered,
    KeyNotFound,
    WouldLockOut,
    webauthn_key_add,
    webauthn_key_remove,
    webauthn_key_use,
)
from ory_platform.errors import BadRequest

GROUP = "passkey"
LOGIN_CHALLENGE = "passkey_challenge"
REGISTRATION = "passkey_registration"  # {"challenge", "user_handle"} of the offered creation options
LOCK_OUT = "unable to remove this security key because it would lock you out of your account"


def _options_json(options: dict) -> str:
    return json.dumps(options, separators=(",", ":"))


class PasskeyMethod:
    method = "passkey"
    factor = "first"

    # --- Login -------------------------------------------------------------------------------

    def available_for(self, identity: Identity) -> bool:
        return bool(keys_of(identity, Credential.Type.PASSKEY))

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]:
        allowed = keys_of(identity, Credential.Type.PASSKEY) if identity is not None else None
        options, challenge = relying_party.authentication_options(allowed_keys=allowed, passkey=True)
        context_put(flow, LOGIN_CHALLENGE, challenge)
        nodes = [ui.input_node("passkey_challenge", "hidden", group=GROUP, value=_options_json(options))]
        if flow.type == Flow.Type.BROWSER:
            nodes.append(script_node(GROUP))
        nodes += [
            ui.input_node("passkey_login", "hidden", group=GROUP, value=""),
            trigger_node("passkey_login_trigger", "oryPasskeyLogin", group=GROUP, label=messages.info_login_passkey()),
        ]
        return nodes

    def login(self, request, flow: Flow, payload: dict, *, session) -> Identity:
        ui.clear_messages(flow.ui)
        response = payload.get("passkey_login")
        if not isinstance(response, str) or not response:
            ui.add_node_message(flow.ui, "passkey_login", messages.error_required("passkey_login"))
            raise fail(flow)
        try:
            assertion = relying_party.parse_assertion(response)
        except CeremonyFailed:
            ui.add_message(flow.ui, messages.error_webauthn_verifier_wrong())
            raise fail(flow) from None
        identity_id = flow.identity_id or identity_id_for_passkey(assertion.user_handle)
        if identity_id is None:
            ui.add_message(flow.ui, messages.error_no_such_webauthn_user())
            raise fail(flow)
        try:
            webauthn_key_use(
                identity_id=identity_id,
                credential_type=Credential.Type.PASSKEY,
                response_json=response,
                challenge=(flow.internal_context or {}).get(LOGIN_CHALLENGE, ""),
            )
        except CeremonyFailed:
            ui.add_message(flow.ui, messages.error_webauthn_verifier_wrong())
            raise fail(flow) from None
        identity = Identity.objects.get(pk=identity_id)
        if not identity.is_active:
            ui.add_message(flow.ui, messages.error_identity_disabled())
            raise fail(flow)
        context_pop(flow, LOGIN_CHALLENGE)
        return identity

    # --- Settings ----------------------------------------------------------------------------

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        keys = keys_of(identity, Credential.Type.PASSKEY)
        last_way_in = first_factor_count(identity) < 2
        nodes = []
        for key in keys:
            node = ui.submit_node(
                relying_party.key_hex(key),
                group=GROUP,
                name="passkey_remove",
                label=messages.info_settings_remove_passkey(key.get("display_name") or "unnamed", added_at(key)),
            )
            node["attributes"]["disabled"] = last_way_in
            nodes.append(node)
        name = account_name(identity, "passkey", "display_name")
        # One user handle per identity: authenticators file passkeys under it.
        offered = (flow.internal_context or {}).get(REGISTRATION) or {}
        handle = user_handle_of(identity, Credential.Type.PASSKEY) or offered.get("user_handle")
        handle = handle or relying_party.encode(secrets.token_bytes(32))
        options, challenge = relying_party.registration_options(
            user_handle=relying_party.decode(handle), user_name=name, existing_keys=keys, passkey=True
        )
        context_put(flow, REGISTRATION, {"challenge": challenge, "user_handle": handle})
        if flow.type == Flow.Type.BROWSER and strategies.settings_method("webauthn") is None:
            nodes.append(script_node(GROUP))  # otherwise the security-key section loads it already
        nodes += [
            trigger_node(
                "passkey_register_trigger",
                "oryPasskeySettingsRegistration",
                group=GROUP,
                label=messages.info_settings_register_passkey(),
            ),
            ui.input_node("passkey_settings_register", "hidden", group=GROUP, value=""),
            ui.input_node("passkey_create_data", "hidden", group=GROUP, value=_options_json(options)),
        ]
        return nodes

    def update(self, request, flow: Flow, payload: dict, *, session) -> None:
        remove = text_value(payload, "passkey_remove")
        register = payload.get("passkey_settings_register")
        if not remove and not register:
            raise BadRequest(reason="Send passkey_settings_register or passkey_remove.")
        aal.require_for_settings(flow, session)
        require_privileged(flow, session)
        identity = Identity.objects.get(pk=flow.identity_id)
        if remove:
            try:
                webauthn_key_remove(identity_id=identity.pk, credential_type=Credential.Type.PASSKEY, key_hex=remove)
            except KeyNotFound:
                raise BadRequest(reason="You tried to remove a passkey which does not exist.") from None
            except WouldLockOut:
                raise refuse(flow, "passkey_remove", LOCK_OUT) from None
            return
        offered = (flow.internal_context or {}).get(REGISTRATION) or {}
        try:
            key = relying_party.verify_registration(register, challenge=offered.get("challenge", ""))
        except CeremonyFailed as error:
            raise refuse(flow, "passkey_settings_register", f"Unable to register the passkey: {error}") from None
        key["display_name"] = account_name(identity, "passkey", "display_name")[:100]
        try:
            webauthn_key_add(
                identity_id=identity.pk,
                credential_type=Credential.Type.PASSKEY,
                key=key,
                user_handle=offered["user_handle"],
                identifiers=[],
            )
        except KeyAlreadyRegistered:
            raise refuse(flow, "passkey_settings_register", ALREADY_REGISTERED) from None
        context_pop(flow, REGISTRATION)
        session_add_method(session_id=session.pk, method=self.method)


passkey_method = PasskeyMethod()
