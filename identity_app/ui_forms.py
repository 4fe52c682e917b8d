"""Turning a flow's UI nodes into HTML forms: one form per method, each with the shared nodes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# Sections keyed by the method their submit button sends, where one group holds several.
METHOD_TITLES = {"delete_account": "Delete your account"}
DANGEROUS_METHODS = {"delete_account"}

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
class NodeView:
    node: dict
    #: a submit button after the form's first: an alternative method, styled as secondary and
    #: exempt from the browser's required-field checks (its method may not need those fields)
    alternative: bool = False


@dataclass
class FormView:
    group: str
    title: str
    action: str
    method: str
    nodes: list[NodeView]

    @property
    def danger(self) -> bool:
        """Forms whose action cannot be undone get a warning-coloured button."""
        return any(
            item.node["attributes"].get("type") == "submit"
            and item.node["attributes"].get("value") in DANGEROUS_METHODS
            for item in self.nodes
        )


def _views(nodes: list[dict]) -> list[NodeView]:
    views, seen_submit = [], False
    for node in nodes:
        is_submit = node.get("type") == "input" and node["attributes"].get("type") == "submit"
        views.append(NodeView(node, alternative=is_submit and seen_submit))
        seen_submit = seen_submit or is_submit
    return views


def action_path(action: str) -> str:
    """The form action without scheme and host: pages post to the site they were served from."""
    parts = urlsplit(action)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _visible_input(node: dict) -> bool:
    return node.get("type") == "input" and node["attributes"].get("type") not in ("hidden", "submit", "button")


def group_forms(ui: dict) -> list[FormView]:
    """How a flow's nodes become HTML forms.

    When the shared ``default`` group holds fields the user fills in (an identifier, traits),
    the methods are alternatives for the same fields: one form, one submit button per method.
    Otherwise (settings: profile, password, second factors) each method group is its own form,
    with the shared hidden nodes (the CSRF token) in each."""
    nodes = ui.get("nodes", [])
    shared = [n for n in nodes if n.get("group") == "default"]
    groups: list[str] = []
    for node in nodes:
        group = node.get("group", "default")
        if group != "default" and group not in groups:
            groups.append(group)
    action = action_path(ui.get("action", ""))
    method = ui.get("method", "POST")
    if any(_visible_input(n) for n in shared):
        # Alternatives over the same typed fields share one form; a passkey or security key,
        # which identifies the account itself, keeps a form of its own.
        combined = [n for n in nodes if n.get("group") not in SELF_IDENTIFYING_GROUPS]
        forms = [FormView("", "", action, method, _views(combined))]
        for group in groups:
            if group in SELF_IDENTIFYING_GROUPS:
                fields = [
                    *_shared_for(group, shared),
                    _method_field(group),
                    *[n for n in nodes if n.get("group") == group],
                ]
                forms.append(FormView(group, GROUP_TITLES.get(group, group.title()), action, method, _views(fields)))
        return forms
    if not groups:
        return [FormView("default", "", action, method, _views(shared))]
    forms: list[tuple[int, FormView]] = []
    position = {id(node): index for index, node in enumerate(nodes)}
    for group in groups:
        for index, section in enumerate(_sections([n for n in nodes if n.get("group") == group])):
            submit = next((n for n in reversed(section) if n["attributes"].get("type") == "submit"), None)
            method_value = submit["attributes"].get("value") if submit else ""
            title = METHOD_TITLES.get(method_value) or (
                GROUP_TITLES.get(group, group.replace("_", " ").title()) if index == 0 else ""
            )
            key = method_value if method_value in METHOD_TITLES else group
            fields = [*_shared_for(group, shared), _method_field(group), *section]
            forms.append((position[id(section[0])], FormView(key, title, action, method, _views(fields))))
    return [form for _, form in sorted(forms, key=lambda pair: pair[0])]


def _sections(nodes: list[dict]) -> list[list[dict]]:
    """Split a group's nodes after each submit button: one group may hold several actions."""
    sections: list[list[dict]] = [[]]
    for node in nodes:
        sections[-1].append(node)
        if node.get("type") == "input" and node["attributes"].get("type") == "submit":
            sections.append([])
    if not sections[-1]:
        sections.pop()
    elif len(sections) > 1:
        sections[-2].extend(sections.pop())  # trailing nodes belong to the last action
    return sections


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
