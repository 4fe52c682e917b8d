"""Template helpers for rendering Kratos UI nodes."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def node_label(node: dict) -> str:
    label = (node.get("meta") or {}).get("label") or {}
    return label.get("text", "")


@register.filter
def node_dom_id(node: dict) -> str:
    attributes = node.get("attributes", {})
    name = attributes.get("name") or attributes.get("id") or "node"
    value = attributes.get("value")
    suffix = f"-{value}" if attributes.get("type") == "submit" and value else ""
    return "f-" + "".join(ch if ch.isalnum() else "-" for ch in f"{name}{suffix}")


@register.filter
def attr(node: dict, key: str):
    return (node.get("attributes") or {}).get(key)


@register.filter
def has_errors(node: dict) -> bool:
    return any(m.get("type") == "error" for m in node.get("messages", []))


@register.filter
def secret_lines(text: dict) -> str:
    """The unused codes of a ``lookup_secret_codes`` text, one per line (for a download link)."""
    secrets = ((text or {}).get("context") or {}).get("secrets") or []
    codes = [(s.get("context") or {}).get("secret") for s in secrets]
    return "\n".join(code for code in codes if code) + "\n"
