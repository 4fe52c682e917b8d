"""JSON Patch (RFC 6902) over JSON Pointers (RFC 6901), for ``PATCH /admin/clients/{id}``."""

from __future__ import annotations

import copy
from typing import Any


class JsonPatchError(ValueError):
    pass


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise JsonPatchError(f"Invalid JSON pointer {pointer!r}.")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _parent(document: Any, tokens: list[str]) -> tuple[Any, str]:
    if not tokens:
        raise JsonPatchError("The document root cannot be patched.")
    node = document
    for token in tokens[:-1]:
        node = _child(node, token)
    return node, tokens[-1]


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise JsonPatchError(f"Path segment {token!r} does not exist.")
        return node[token]
    if isinstance(node, list):
        return node[_index(node, token, allow_end=False)]
    raise JsonPatchError(f"Path segment {token!r} does not exist.")


def _index(node: list, token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(node)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise JsonPatchError(f"Invalid array index {token!r}.")
    index = int(token)
    if index > len(node) or (index == len(node) and not allow_end):
        raise JsonPatchError(f"Array index {index} is out of range.")
    return index


def _get(document: Any, pointer: str) -> Any:
    node = document
    for token in _tokens(pointer):
        node = _child(node, token)
    return node


def _add(document: Any, pointer: str, value: Any) -> None:
    parent, token = _parent(document, _tokens(pointer))
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, allow_end=True), value)
    else:
        raise JsonPatchError(f"Cannot add at {pointer!r}.")


def _remove(document: Any, pointer: str) -> Any:
    parent, token = _parent(document, _tokens(pointer))
    if isinstance(parent, dict):
        if token not in parent:
            raise JsonPatchError(f"Path {pointer!r} does not exist.")
        return parent.pop(token)
    if isinstance(parent, list):
        return parent.pop(_index(parent, token, allow_end=False))
    raise JsonPatchError(f"Cannot remove {pointer!r}.")


def apply_patch(document: dict, operations: Any) -> dict:
    """Apply ``operations`` to a copy of ``document``; raises :class:`JsonPatchError` on any bad operation."""
    if not isinstance(operations, list):
        raise JsonPatchError("A JSON Patch document must be an array of operations.")
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise JsonPatchError("Every operation needs an 'op'.")
        op, path = operation["op"], operation.get("path")
        if not isinstance(path, str):
            raise JsonPatchError("Every operation needs a 'path'.")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise JsonPatchError(f"Operation {op!r} needs a 'value'.")
        if op == "add":
            _add(result, path, copy.deepcopy(operation["value"]))
        elif op == "remove":
            _remove(result, path)
        elif op == "replace":
            _remove(result, path)
            _add(result, path, copy.deepcopy(operation["value"]))
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise JsonPatchError(f"Operation {op!r} needs a 'from'.")
            value = _remove(result, source) if op == "move" else copy.deepcopy(_get(result, source))
            _add(result, path, value)
        elif op == "test":
            if _get(result, path) != operation["value"]:
                raise JsonPatchError(f"Test failed at {path!r}.")
        else:
            raise JsonPatchError(f"Unknown operation {op!r}.")
    return result
