"""The current request's id, visible to logging and error envelopes without passing it around."""

from __future__ import annotations

import contextvars
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# A client-supplied X-Request-Id is echoed only when it is short and harmless; otherwise a
# fresh one is made, so a header cannot inject text into logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current_request_id() -> str:
    return _request_id.get()


def begin_request(header_value: str | None) -> contextvars.Token:
    request_id = header_value if header_value and _SAFE_REQUEST_ID.match(header_value) else uuid.uuid4().hex
    return _request_id.set(request_id)


def end_request(token: contextvars.Token) -> None:
    _request_id.reset(token)
