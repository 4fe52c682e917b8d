"""Parsing of the admin API's JSON bodies and query parameters (shape only; rules live in the services)."""

from __future__ import annotations

import uuid
from typing import Any

from ory_platform.db import contains_nul
from ory_platform.errors import BadRequest


class InvalidRequest(BadRequest):
    error_id = "invalid_request"


def require_query(request, *names: str) -> str:
    """The first of ``names`` present in the query string (Hydra accepts ``challenge`` too)."""
    for name in names:
        value = request.query_params.get(name, "").strip()
        if value:
            return value
    raise InvalidRequest(reason=f"Query parameter '{names[0]}' is not defined but should have been.")


def body_object(request) -> dict[str, Any]:
    data = request.data
    if data in (None, "") or (hasattr(data, "dict") and not data):
        return {}
    if not isinstance(data, dict):
        raise InvalidRequest(reason="The request body must be a JSON object.")
    if contains_nul(data):
        raise InvalidRequest(reason="The request body must not contain NUL characters.")
    return dict(data)


def _optional(body: dict, name: str, kind: type | tuple, default: Any) -> Any:
    value = body.get(name)
    if value is None:
        return default
    if kind is int and isinstance(value, bool):
        raise InvalidRequest(reason=f"Field '{name}' must be an integer.")
    if not isinstance(value, kind):
        label = {str: "a string", bool: "a boolean", int: "an integer", dict: "an object", list: "an array"}
        raise InvalidRequest(reason=f"Field '{name}' must be {label.get(kind, 'valid')}.")
    return value


def _string_list(body: dict, name: str) -> list[str]:
    value = _optional(body, name, list, [])
    if not all(isinstance(item, str) for item in value):
        raise InvalidRequest(reason=f"Field '{name}' must be an array of strings.")
    return value


def _seconds(body: dict, name: str) -> int:
    value = _optional(body, name, int, 0)
    if value < 0:
        raise InvalidRequest(reason=f"Field '{name}' must not be negative.")
    return value


def device_user_code(body: dict) -> str:
    """Hydra's ``AcceptDeviceUserCodeRequest``."""
    user_code = _optional(body, "user_code", str, "")
    if not user_code.strip():
        raise InvalidRequest(reason="Field 'user_code' must not be empty.")
    if len(user_code) > 64:
        raise InvalidRequest(reason="Field 'user_code' must be at most 64 characters.")
    return user_code


def login_acceptance(body: dict) -> dict[str, Any]:
    """Hydra's ``AcceptOAuth2LoginRequest``."""
    subject = _optional(body, "subject", str, "")
    if not subject.strip():
        raise InvalidRequest(reason="Field 'subject' must not be empty.")
    if len(subject) > 255:
        raise InvalidRequest(reason="Field 'subject' must be at most 255 characters.")
    return {
        "subject": subject,
        "remember": _optional(body, "remember", bool, False),
        "remember_for": _seconds(body, "remember_for"),
        "acr": _optional(body, "acr", str, ""),
        "amr": _string_list(body, "amr"),
        "context": _optional(body, "context", dict, None),
        "extend_session_lifespan": _optional(body, "extend_session_lifespan", bool, False),
        "identity_provider_session_id": _optional(body, "identity_provider_session_id", str, ""),
    }


def consent_acceptance(body: dict) -> dict[str, Any]:
    """Hydra's ``AcceptOAuth2ConsentRequest``."""
    session = _optional(body, "session", dict, {})
    for part in ("access_token", "id_token"):
        if session.get(part) is not None and not isinstance(session[part], dict):
            raise InvalidRequest(reason=f"Field 'session.{part}' must be an object.")
    return {
        "grant_scope": _string_list(body, "grant_scope"),
        "grant_access_token_audience": _string_list(body, "grant_access_token_audience"),
        "remember": _optional(body, "remember", bool, False),
        "remember_for": _seconds(body, "remember_for"),
        "session_access_token": session.get("access_token") or {},
        "session_id_token": session.get("id_token") or {},
        "context": _optional(body, "context", dict, None),
    }


def rejection(body: dict) -> dict[str, Any]:
    """Hydra's ``RejectOAuth2Request``."""
    for name in ("error", "error_description", "error_hint", "error_debug"):
        _optional(body, name, str, "")
    status_code = _optional(body, "status_code", int, 0)
    if status_code and not 400 <= status_code <= 599:
        raise InvalidRequest(reason="Field 'status_code' must be an HTTP error status.")
    return body


def optional_uuid(value: str | None, name: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidRequest(reason=f"Query parameter '{name}' must be a UUID.") from None
