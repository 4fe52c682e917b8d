"""Ory's generic error envelope and the domain errors that produce it.

Every JSON error the platform returns has Ory's shape (herodot's ``DefaultError``)::

    {"error": {"id": "not_found", "code": 404, "status": "Not Found",
               "reason": "...", "message": "...", "request": "<request id>"}}

Services raise :class:`OryError` subclasses with a stable ``error_id``; the DRF exception
handler, the API middleware and the Django error handlers below turn them (and everything
else that can go wrong on an API path) into that envelope.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse

from ory_platform.request_context import current_request_id


class OryError(Exception):
    """A failure with an HTTP status and a stable, machine-readable id."""

    status_code: int = HTTPStatus.INTERNAL_SERVER_ERROR
    error_id: str = "internal_server_error"
    default_message: str = "An internal server error occurred, please contact the system administrator"

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str = "",
        error_id: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ):
        self.message = message or self.default_message
        self.reason = reason
        if error_id:
            self.error_id = error_id
        if status_code:
            self.status_code = status_code
        self.details = details or {}
        self.headers = headers or {}
        # Top-level members beside "error", as some Ory errors carry (e.g. Kratos' "use_flow_id").
        self.extra = extra or {}
        super().__init__(self.message)

    def as_envelope(self) -> dict[str, Any]:
        body = envelope(
            self.status_code, error_id=self.error_id, message=self.message, reason=self.reason, details=self.details
        )
        body.update(self.extra)
        return body


class BadRequest(OryError):
    status_code = HTTPStatus.BAD_REQUEST
    error_id = "bad_request"
    default_message = "The request was malformed or contained invalid parameters"


class Unauthorized(OryError):
    status_code = HTTPStatus.UNAUTHORIZED
    error_id = "unauthorized"
    default_message = "The request could not be authorized"


class Forbidden(OryError):
    status_code = HTTPStatus.FORBIDDEN
    error_id = "forbidden"
    default_message = "The requested action was forbidden"


class NotFound(OryError):
    status_code = HTTPStatus.NOT_FOUND
    error_id = "not_found"
    default_message = "The requested resource could not be found"


class Conflict(OryError):
    status_code = HTTPStatus.CONFLICT
    error_id = "conflict"
    default_message = "The resource could not be created due to a conflict"


class Gone(OryError):
    status_code = HTTPStatus.GONE
    error_id = "gone"
    default_message = "The requested resource is no longer available"


class PayloadTooLarge(OryError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    error_id = "payload_too_large"
    default_message = "The request body is too large"


class UnsupportedMediaType(OryError):
    status_code = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    error_id = "unsupported_media_type"
    default_message = "The request's content type is not supported"


class TooManyRequests(OryError):
    status_code = HTTPStatus.TOO_MANY_REQUESTS
    error_id = "too_many_requests"
    default_message = "Too many requests, please try again later"


class ServiceUnavailable(OryError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    error_id = "service_unavailable"
    default_message = "The service is temporarily unavailable, please try again later"


# Generic ids for statuses raised by Django or DRF rather than by our services.
_GENERIC_IDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}

_GENERIC_MESSAGES = {
    400: BadRequest.default_message,
    401: Unauthorized.default_message,
    403: Forbidden.default_message,
    404: NotFound.default_message,
    405: "The requested method is not allowed on this resource",
    406: "The requested response format is not available",
    409: Conflict.default_message,
    410: Gone.default_message,
    413: PayloadTooLarge.default_message,
    415: UnsupportedMediaType.default_message,
    429: TooManyRequests.default_message,
    500: OryError.default_message,
    503: ServiceUnavailable.default_message,
}


def status_phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def envelope(
    status_code: int,
    *,
    error_id: str | None = None,
    message: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The body of an Ory error response."""
    body: dict[str, Any] = {
        "id": error_id or _GENERIC_IDS.get(status_code, "error"),
        "code": int(status_code),
        "status": status_phrase(status_code),
        "message": message or _GENERIC_MESSAGES.get(status_code, status_phrase(status_code)),
        "reason": reason,
    }
    if details:
        body["details"] = details
    request_id = current_request_id()
    if request_id:
        body["request"] = request_id
    return {"error": body}


def error_response(
    status_code: int,
    *,
    error_id: str | None = None,
    message: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    response = JsonResponse(
        envelope(status_code, error_id=error_id, message=message, reason=reason, details=details),
        status=status_code,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def ory_error_response(error: OryError) -> JsonResponse:
    response = JsonResponse(error.as_envelope(), status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response
