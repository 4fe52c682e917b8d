"""The ``totp`` method: an authenticator app as a second factor.

Settings: while no app is linked, the flow shows a QR code (``totp_qr``), the seed to type in by hand
(``totp_secret_key``) and a ``totp_code`` field; a right code links the app (and counts as a completed
second factor for the session). ``totp_unlink`` removes it. Login: ``totp_code`` in an ``aal=aal2``
flow. See https://www.ory.sh/docs/kratos/mfa/totp.
"""

from __future__ import annotations

from identity_app import otp
from identity_app.flows import aal, messages, ui
from identity_app.flows.mfa_common import (
    account_name,
    context_pop,
    fail,
    pending_get,
    pending_put,
    throttled_guess,
    truthy,
)
from identity_app.flows.settings import require_privileged
from identity_app.models import Credential, Flow, Identity
from identity_app.services.mfa import Outcome, totp_enrol, totp_unlink, totp_verify
from identity_app.services.sessions import session_add_method

GROUP = "totp"
PENDING_SEED = "totp_seed"


def _linked(identity: Identity) -> bool:
    return Credential.objects.filter(identity=identity, type=Credential.Type.TOTP).exists()


class TotpMethod:
    method = "totp"
    factor = "second"

    # --- Login -------------------------------------------------------------------------------

    def available_for(self, identity: Identity) -> bool:
        return _linked(identity)

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]:
        return [
            ui.input_node(
                "totp_code",
                "text",
                group=GROUP,
                value="",
                required=True,
                label=messages.info_login_totp_label(),
                autocomplete="one-time-code",
            ),
            ui.submit_node(self.method, group=GROUP, label=messages.info_login_totp()),
        ]

    def login(self, request, flow: Flow, payload: dict, *, session) -> Identity:
        ui.clear_messages(flow.ui)
        code = payload.get("totp_code")
        if not isinstance(code, str) or not code.strip():
            ui.add_node_message(flow.ui, "totp_code", messages.error_required("totp_code"))
            raise fail(flow)
        outcome = throttled_guess(request, session, lambda: totp_verify(identity_id=session.identity_id, code=code))
        if outcome is Outcome.NOT_SET_UP:
            ui.add_message(flow.ui, messages.error_no_totp_device())
            raise fail(flow)
        if outcome is not Outcome.ACCEPTED:
            ui.add_message(flow.ui, messages.error_totp_verifier_wrong())
            raise fail(flow)
        return session.identity

    # --- Settings ----------------------------------------------------------------------------

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        if _linked(identity):
            node = ui.submit_node("true", group=GROUP, label=messages.info_settings_unlink_totp(), name="totp_unlink")
            node["attributes"]["required"] = True
            return [node]
        seed = pending_get(flow, PENDING_SEED)
        if not seed:
            seed = otp.new_seed()
            pending_put(flow, PENDING_SEED, seed)
        uri = otp.provisioning_uri(seed, account_name=account_name(identity, "totp", "account_name"))
        secret = ui.text_node("totp_secret_key", messages.info_settings_totp_secret(seed), group=GROUP)
        secret["meta"] = {"label": messages.info_settings_totp_secret_label()}
        return [
            ui.image_node("totp_qr", otp.qr_data_uri(uri), group=GROUP, label=messages.info_settings_totp_qr()),
            secret,
            ui.input_node(
                "totp_code",
                "text",
                group=GROUP,
                required=True,
                label=messages.label_verify_otp(),
                autocomplete="one-time-code",
            ),
            ui.submit_node(self.method, group=GROUP, label=messages.label_save()),
        ]

    def update(self, request, flow: Flow, payload: dict, *, session) -> None:
        aal.require_for_settings(flow, session)
        require_privileged(flow, session)
        identity = Identity.objects.get(pk=flow.identity_id)
        if _linked(identity):
            # Kratos: with an app linked, only unlinking does something.
            if truthy(payload.get("totp_unlink")):
                totp_unlink(identity_id=identity.pk)
            return
        seed = pending_get(flow, PENDING_SEED)
        code = payload.get("totp_code")
        if not isinstance(code, str) or not code.strip():
            ui.add_node_message(flow.ui, "totp_code", messages.error_required("totp_code"))
            raise fail(flow)
        step = otp.matching_step(seed, code) if seed else None
        if step is None:
            ui.add_node_message(flow.ui, "totp_code", messages.error_totp_verifier_wrong())
            raise fail(flow)
        totp_enrol(identity_id=identity.pk, seed=seed, step=step)
        context_pop(flow, PENDING_SEED)
        # Typing the right code proved the second factor, as a login with it would (Kratos does the same).
        session_add_method(session_id=session.pk, method=self.method)


totp_method = TotpMethod()
