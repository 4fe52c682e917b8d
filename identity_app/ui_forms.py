"""Turning a flow's UI nodes into HTML forms: one form per method, each with the shared nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

GROUP_TITLES = {
    "password": "Password",
    "profile": "Profile",
    "code": "Email code",
    "totp": "Authenticator app",
    "lookup_secret": "Backup codes",
    "webauthn": "Security keys",
    "passkey": "Passkeys",
    "link": "Email link",
}


SELF_IDENTIFYING_GROUPS = {"passkey", "webauthn"}


@dataclass
class FieldView:
    node: dict
    name: str
    dom_id: str
    label: str
    input_type: str
    messages: list[dict] = field(default_factory=list)


@dataclass
class FormView:
    group: str
    title: str
    action: str
    method: str
    nodes: list[dict]


def action_path(action: str) -> str:
    """The form action without scheme and host: pages post to the site they were served from."""
    parts = urlsplit(action)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def group_forms(ui: dict) -> list[FormView]:
    """One form per method group; nodes of the ``default`` group (CSRF token, identifier,
    traits) go into every form. A UI with only default nodes becomes one form."""
    nodes = ui.get("nodes", [])
    shared = [n for n in nodes if n.get("group") == "default"]
    groups: list[str] = []
    for node in nodes:
        group = node.get("group", "default")
        if group != "default" and group not in groups:
            groups.append(group)
    action = action_path(ui.get("action", ""))
    method = ui.get("method", "POST")
    if not groups:
        return [FormView("default", "", action, method, shared)]
    return [
        FormView(
            group,
            GROUP_TITLES.get(group, group.replace("_", " ").title()),
            action,
            method,
            [*_shared_for(group, shared), _method_field(group), *[n for n in nodes if n.get("group") == group]],
        )
        for group in groups
    ]


def _shared_for(group: str, shared: list[dict]) -> list[dict]:
    """A passkey or security key names the account itself: its form needs no typed identifier."""
    if group in SELF_IDENTIFYING_GROUPS:
        return [n for n in shared if n.get("attributes", {}).get("type") == "hidden"]
    return shared


def _method_field(group: str) -> dict:
    """Kratos names each method's group after the method, so a form says which method it submits even
    when sent by a button that is not ``method`` (``totp_unlink``, ``lookup_secret_reveal``) or by
    script (WebAuthn). A ``method`` button pressed later in the form overrides it."""
    return {"type": "input", "group": group, "attributes": {"name": "method", "type": "hidden", "value": group}}
