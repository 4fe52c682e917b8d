"""What the second-factor and passkey methods share: reading their submissions, failing a flow,
naming the account to an authenticator, and keeping secrets in a flow between two steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from identity_app import crypto, throttling
from identity_app.flows.base import FlowFailed, client_ip, flow_save
from identity_app.models import Flow, Identity, Session
from identity_app.schemas import EXTENSION, get_schema, trait_value
from identity_app.services.codes import flow_forget, flow_remember
from identity_app.services.mfa import Outcome

# Throttling scope of one-time-code guesses at the second step (IDENTITY_THROTTLE).
SECOND_FACTOR = "second_factor"


def truthy(value: Any) -> bool:
    """A JSON ``true`` or a form's ``"true"`` (submit buttons such as ``totp_unlink`` send the string)."""
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "on"))


def text_value(payload: dict, name: str) -> str:
    value = payload.get(name)
    return value.strip() if isinstance(value, str) else ""


def throttled_guess(request, session: Session, guess: Callable[[], Outcome]) -> Outcome:
    """Check one code a second-factor login submitted, under throttling: wrong codes count per
    identity and per client IP, over the limit every guess is refused unchecked (429), and a right
    code clears the identity's count. Six digits are a million codes: without a limit, a stolen
    password plus a script would find a TOTP code in hours."""
    identity_key, ip = str(session.identity_id), client_ip(request)
    throttling.check(SECOND_FACTOR, identifier=identity_key, ip=ip)
    outcome = guess()
    if outcome is Outcome.ACCEPTED:
        throttling.record_success(SECOND_FACTOR, identifier=identity_key)
    elif outcome is not Outcome.NOT_SET_UP:
        throttling.record_failure(SECOND_FACTOR, identifier=identity_key, ip=ip)
    return outcome


def fail(flow: Flow) -> FlowFailed:
    """Save the messages put on ``flow.ui`` and return the error that reports them."""
    flow_save(flow)
    return FlowFailed(flow)


def _marked_paths(node: dict, credential_type: str, option: str, path: str = "") -> list[str]:
    if node.get("type") == "object" and isinstance(node.get("properties"), dict):
        found = []
        for name, child in node["properties"].items():
            found += _marked_paths(child, credential_type, option, f"{path}.{name}" if path else name)
        return found
    options = node.get(EXTENSION, {}).get("credentials", {}).get(credential_type, {})
    return [path] if isinstance(options, dict) and options.get(option) else []


def account_name(identity: Identity, credential_type: str, option: str) -> str:
    """How an authenticator should name the account: the trait the identity schema marks (Kratos'
    ``credentials.totp.account_name`` / ``credentials.passkey.display_name``), else the e-mail,
    else the identity id."""
    schema = get_schema(identity.schema_id)
    traits = identity.traits if isinstance(identity.traits, dict) else {}
    for path in _marked_paths(schema.traits_schema, credential_type, option):
        value = trait_value(traits, path)
        if isinstance(value, str) and value.strip():
            return value.strip()
    email = traits.get("email")
    return email if isinstance(email, str) and email else str(identity.pk)


def _context(flow: Flow, key: str) -> str:
    return f"flow:{flow.pk}:{key}"


def pending_put(flow: Flow, key: str, secret: str) -> None:
    """Keep ``secret`` (a TOTP seed, new backup codes) in the flow until the user confirms it; sealed,
    because ``internal_context`` is stored with the flow."""
    context_put(flow, key, crypto.seal(secret, context=_context(flow, key)))


def pending_get(flow: Flow, key: str) -> str:
    sealed = (flow.internal_context or {}).get(key)
    if not isinstance(sealed, str):
        return ""
    try:
        return crypto.unseal(sealed, context=_context(flow, key))
    except crypto.SecretUnreadable:
        return ""


def context_pop(flow: Flow, key: str) -> Any:
    if flow._state.adding:
        context = dict(flow.internal_context or {})
        value = context.pop(key, None)
        flow.internal_context = context
        return value
    return flow_forget(flow=flow, key=key)


def context_put(flow: Flow, key: str, value: Any) -> None:
    """Store ``value`` in the flow's server-side context: on the object while the flow is being
    built (its first save writes it), in the database (a locked merge) once it exists."""
    if flow._state.adding:
        flow.internal_context = {**(flow.internal_context or {}), key: value}
    else:
        flow_remember(flow=flow, **{key: value})
