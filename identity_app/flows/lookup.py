"""The ``lookup_secret`` method: twelve single-use backup codes as a second factor.

Settings: ``lookup_secret_regenerate`` shows twelve new codes (text node ``lookup_secret_codes``, the
codes also in its context) that ``lookup_secret_confirm`` saves; ``lookup_secret_reveal`` shows the
saved ones (used ones as "used at ..."); ``lookup_secret_disable`` removes them. Login:
``lookup_secret`` in an ``aal=aal2`` flow; each code works once. See
https://www.ory.sh/docs/kratos/mfa/lookup-secrets.
"""

from __future__ import annotations

import json
from datetime import datetime

from identity_app.flows import aal, messages, ui
from identity_app.flows.mfa_common import (
    context_pop,
    context_put,
    fail,
    pending_get,
    pending_put,
    throttled_guess,
    truthy,
)
from identity_app.flows.settings import SHOW_FORM, require_privileged
from identity_app.models import Credential, Flow, Identity
from identity_app.services.mfa import (
    LOOKUP_CODE_COUNT,
    Outcome,
    lookup_code_redeem,
    lookup_codes_generate,
    lookup_codes_remove,
    lookup_codes_reveal,
    lookup_codes_set,
)
from identity_app.services.sessions import session_add_method
from ory_platform.errors import BadRequest

GROUP = "lookup_secret"
PENDING_CODES = "lookup_secret_codes"  # regenerated, not yet confirmed (sealed)
REVEAL = "lookup_secret_reveal"  # show the saved codes in the next UI built (once)


def _credential(identity: Identity) -> Credential | None:
    credential = Credential.objects.filter(identity=identity, type=Credential.Type.LOOKUP_SECRET).first()
    return credential if credential and credential.config.get("codes") else None


def _button(name: str, label: dict) -> dict:
    return ui.submit_node("true", group=GROUP, label=label, name=name)


def _codes_node(codes: list[tuple[str, str | None]]) -> dict:
    """Kratos' ``lookup_secret_codes`` text: one message per code, used ones say when."""
    shown, secrets = [], []
    for code, used_at in codes:
        if used_at:
            secrets.append(messages.info_settings_lookup_secret_used(datetime.fromisoformat(used_at)))
            shown.append("used")
        else:
            secrets.append(messages.info_settings_lookup_secret(code))
            shown.append(code)
    node = ui.text_node("lookup_secret_codes", messages.info_settings_lookup_secret_list(shown, secrets), group=GROUP)
    node["meta"] = {"label": messages.info_settings_lookup_secrets_label()}
    return node


class LookupSecretMethod:
    method = "lookup_secret"
    factor = "second"

    # --- Login -------------------------------------------------------------------------------

    def available_for(self, identity: Identity) -> bool:
        return _credential(identity) is not None

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]:
        return [
            ui.input_node(
                "lookup_secret", "text", group=GROUP, value="", required=True, label=messages.info_login_lookup_label()
            ),
            ui.submit_node(self.method, group=GROUP, label=messages.info_login_lookup()),
        ]

    def login(self, request, flow: Flow, payload: dict, *, session) -> Identity:
        ui.clear_messages(flow.ui)
        code = payload.get("lookup_secret")
        if not isinstance(code, str) or not code.strip():
            ui.add_node_message(flow.ui, "lookup_secret", messages.error_required("lookup_secret"))
            raise fail(flow)
        outcome = throttled_guess(
            request, session, lambda: lookup_code_redeem(identity_id=session.identity_id, code=code)
        )
        failure = {
            Outcome.NOT_SET_UP: messages.error_no_lookup,
            Outcome.ALREADY_USED: messages.error_lookup_already_used,
            Outcome.WRONG: messages.error_lookup_invalid,
        }.get(outcome)
        if failure is not None:
            ui.add_message(flow.ui, failure())
            raise fail(flow)
        return session.identity

    # --- Settings ----------------------------------------------------------------------------

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]:
        pending = pending_get(flow, PENDING_CODES)
        if pending:
            return [
                _codes_node([(code, None) for code in json.loads(pending)]),
                _button("lookup_secret_confirm", messages.info_settings_lookup_confirm()),
            ]
        credential = _credential(identity)
        if credential is None:
            return [_button("lookup_secret_regenerate", messages.info_settings_regenerate_lookup())]
        if context_pop(flow, REVEAL):
            return [
                _codes_node(lookup_codes_reveal(credential)),
                _button("lookup_secret_disable", messages.info_settings_disable_lookup()),
                _button("lookup_secret_regenerate", messages.info_settings_regenerate_lookup()),
            ]
        return [
            _button("lookup_secret_reveal", messages.info_settings_reveal_lookup()),
            _button("lookup_secret_disable", messages.info_settings_disable_lookup()),
        ]

    def update(self, request, flow: Flow, payload: dict, *, session) -> str | None:
        chosen = ("confirm", "reveal", "disable", "regenerate")
        actions = [name for name in chosen if truthy(payload.get(f"{GROUP}_{name}"))]
        if not actions:
            raise BadRequest(reason="Choose lookup_secret_regenerate, _confirm, _reveal or _disable.")
        aal.require_for_settings(flow, session)
        require_privileged(flow, session)
        identity = Identity.objects.get(pk=flow.identity_id)
        action = actions[0]
        if action == "confirm":
            pending = pending_get(flow, PENDING_CODES)
            codes = json.loads(pending) if pending else []
            if len(codes) != LOOKUP_CODE_COUNT:
                raise BadRequest(reason="You must (re-)generate recovery backup codes before you can save them.")
            lookup_codes_set(identity_id=identity.pk, codes=codes)
            context_pop(flow, PENDING_CODES)
            # Holding the codes proves the factor, as Kratos counts it.
            session_add_method(session_id=session.pk, method=self.method)
            return None
        if action == "disable":
            context_pop(flow, PENDING_CODES)
            lookup_codes_remove(identity_id=identity.pk)
            return None
        if action == "reveal":
            if _credential(identity) is None:
                raise BadRequest(reason="Can not reveal lookup codes because you have none.")
            context_put(flow, REVEAL, True)
            return SHOW_FORM
        pending_put(flow, PENDING_CODES, json.dumps(lookup_codes_generate()))
        return SHOW_FORM


lookup_secret_method = LookupSecretMethod()
