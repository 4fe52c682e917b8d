"""Kratos' UI container and nodes, as plain dicts ready to be stored on a flow and sent as JSON.

The same nodes drive the HTML templates (which loop over them) and the JSON API, so browsers
and native apps see one description of every form. See
https://www.ory.sh/docs/kratos/concepts/ui-user-interface.
"""

from __future__ import annotations

from typing import Any

from identity_app.flows import messages

# The autocomplete hints Kratos' API (and so its SDKs) allow.
AUTOCOMPLETE_VALUES = {"email", "tel", "url", "current-password", "new-password", "one-time-code", "username webauthn"}

# Inputs whose values are never echoed back to the client after a submission.
SECRET_INPUTS = {"password", "totp_code", "lookup_secret", "code", "csrf_token"}


def input_node(
    name: str,
    input_type: str,
    *,
    group: str = "default",
    value: Any = None,
    required: bool = False,
    label: dict | None = None,
    autocomplete: str | None = None,
    disabled: bool = False,
    maxlength: int | None = None,
    pattern: str | None = None,
    onclick_trigger: str | None = None,
) -> dict:
    attributes: dict[str, Any] = {"name": name, "type": input_type, "disabled": disabled, "node_type": "input"}
    if value is not None:
        attributes["value"] = value
    if required:
        attributes["required"] = True
    if autocomplete:
        if autocomplete not in AUTOCOMPLETE_VALUES:
            raise ValueError(f"autocomplete {autocomplete!r} is not one Kratos' API allows")
        attributes["autocomplete"] = autocomplete
    if maxlength:
        attributes["maxlength"] = maxlength
    if pattern:
        attributes["pattern"] = pattern
    if onclick_trigger:
        attributes["onclickTrigger"] = onclick_trigger
    return {
        "type": "input",
        "group": group,
        "attributes": attributes,
        "messages": [],
        "meta": {"label": label} if label else {},
    }


def text_node(node_id: str, message: dict, *, group: str) -> dict:
    return {
        "type": "text",
        "group": group,
        "attributes": {"id": node_id, "text": message, "node_type": "text"},
        "messages": [],
        "meta": {"label": message},
    }


def image_node(node_id: str, src: str, *, group: str, label: dict, width: int = 256, height: int = 256) -> dict:
    return {
        "type": "img",
        "group": group,
        "attributes": {"id": node_id, "src": src, "width": width, "height": height, "node_type": "img"},
        "messages": [],
        "meta": {"label": label},
    }


def script_node(node_id: str, src: str, *, group: str, integrity: str = "", nonce: str = "") -> dict:
    return {
        "type": "script",
        "group": group,
        "attributes": {
            "id": node_id,
            "src": src,
            "async": True,
            "referrerpolicy": "no-referrer",
            "crossorigin": "anonymous",
            "integrity": integrity,
            "type": "text/javascript",
            "nonce": nonce,
            "node_type": "script",
        },
        "messages": [],
        "meta": {},
    }


def csrf_node(token: str) -> dict:
    return input_node("csrf_token", "hidden", value=token, required=True)


def submit_node(method: str, *, group: str, label: dict, name: str = "method") -> dict:
    return input_node(name, "submit", group=group, value=method, label=label)


def container(action: str, nodes: list[dict], *, method: str = "POST") -> dict:
    return {"action": action, "method": method, "nodes": nodes, "messages": []}


def node_name(node: dict) -> str:
    attributes = node.get("attributes", {})
    return attributes.get("name") or attributes.get("id") or ""


def find_node(ui: dict, name: str) -> dict | None:
    for node in ui.get("nodes", []):
        if node_name(node) == name:
            return node
    return None


def clear_messages(ui: dict) -> None:
    ui["messages"] = []
    for node in ui.get("nodes", []):
        node["messages"] = []


def add_message(ui: dict, message: dict) -> None:
    ui.setdefault("messages", []).append(message)


def add_node_message(ui: dict, name: str, message: dict) -> None:
    """Attach ``message`` to the node called ``name``; to the flow if there is no such node."""
    node = find_node(ui, name)
    if node is None:
        add_message(ui, message)
    else:
        node["messages"].append(message)


def has_errors(ui: dict) -> bool:
    if any(m.get("type") == "error" for m in ui.get("messages", [])):
        return True
    return any(m.get("type") == "error" for node in ui.get("nodes", []) for m in node.get("messages", []))


def fill_values(ui: dict, values: dict[str, Any]) -> None:
    """Echo what the user typed back into the nodes, except secrets."""
    for node in ui.get("nodes", []):
        attributes = node.get("attributes", {})
        name = attributes.get("name")
        if node.get("type") != "input" or name in SECRET_INPUTS or name not in values:
            continue
        if attributes.get("type") in ("submit", "button"):
            continue
        attributes["value"] = values[name]


def trait_nodes(schema, *, group: str = "default", values: dict | None = None) -> list[dict]:
    """One input per trait the identity schema declares, labelled with the schema's titles."""
    nodes = []
    for trait in schema.fields:
        name = f"traits.{trait.path}"
        nodes.append(
            input_node(
                name,
                trait.input_type,
                group=group,
                value=(values or {}).get(name),
                required=trait.required,
                label=messages.label_generated(trait.title, name),
                autocomplete=trait.autocomplete or None,
                maxlength=trait.max_length,
            )
        )
    return nodes


def code_entry_nodes(label: dict, *, resend_to: str = "", group: str = "code") -> list[dict]:
    """Kratos' step two of every code method: the one-time code input and the submit button
    (with ``resend_to``, also a button that sends a new code to that address)."""
    nodes = [
        input_node(
            "code",
            "text",
            group=group,
            required=True,
            label=label,
            autocomplete="one-time-code",
            pattern="[0-9]+",
            maxlength=6,
        ),
        input_node("method", "hidden", group=group, value="code"),
        submit_node("code", group=group, label=messages.label_continue()),
    ]
    if resend_to:
        nodes.append(input_node("email", "submit", group=group, value=resend_to, label=messages.label_resend_code()))
    return nodes


def anchor_node(node_id: str, href: str, title: dict, *, group: str) -> dict:
    return {
        "type": "a",
        "group": group,
        "attributes": {"id": node_id, "href": href, "title": title, "node_type": "a"},
        "messages": [],
        "meta": {"label": title},
    }
