"""Project-wide middleware: request ids and access logs, security headers, the API error envelope."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from ory_platform import request_context
from ory_platform.errors import OryError, error_response, ory_error_response

access_log = logging.getLogger("ory_platform.access")
error_log = logging.getLogger("ory_platform.errors")

_JSON_TYPES = ("application/json", "application/problem+json", "application/jwk-set+json")


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to a JSON API (errors there use the Ory envelope, never HTML)."""
    return any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in settings.ORY_API_PATH_PREFIXES)


class RequestContextMiddleware:
    """Gives every request an id (``X-Request-Id``) and writes one access-log line per request.

    The access log names method, path (never the query string: it can carry tokens), status and
    duration.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.begin_request(request.headers.get("X-Request-Id"))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-Id"] = request_context.current_request_id()
            access_log.info(
                "request",
                extra={
                    "http_method": request.method,
                    "http_path": request.path,
                    "http_status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "remote_addr": request.META.get("REMOTE_ADDR", ""),
                },
            )
            return response
        finally:
            request_context.end_request(token)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: a Content-Security-Policy on HTML pages,
    a Permissions-Policy, and no caching of API answers (they carry personal data and tokens)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if is_api_path(request.path) and not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Cache-Control", "private, no-cache, no-store, must-revalidate")
        return response


class ApiErrorMiddleware:
    """Keeps every error on an API path in the Ory envelope.

    * refuses bodies larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` up front (413), since DRF's parsers
      read the stream without Django's size check;
    * turns exceptions that escape a view into the envelope (a 500 is logged, its detail never shown);
    * rewrites any other non-JSON error response (Django's 404/405, CSRF failures) into the envelope.

    A view that deliberately renders an HTML error page under an API prefix (the OAuth2 browser
    endpoints do) marks the response with ``browser_page = True``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path):
            return self.get_response(request)
        too_large = self._body_too_large(request)
        if too_large:
            return too_large
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            # No identifier, challenge or filter holds U+0000, and PostgreSQL cannot store it.
            return error_response(400, reason="The request path or query contains a NUL character.")
        response = self.get_response(request)
        return self._as_envelope(response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None
        return exception_to_envelope(request, exception)

    @staticmethod
    def _body_too_large(request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, reason="The Content-Length header is not a number.")
        if limit is not None and length > limit:
            return error_response(413, reason=f"The request body exceeds {limit} bytes.")
        return None

    @staticmethod
    def _as_envelope(response: HttpResponse) -> HttpResponse:
        if response.status_code < 400 or getattr(response, "browser_page", False):
            return response
        if response.get("Content-Type", "").startswith(_JSON_TYPES):
            return response
        replacement = error_response(response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement


def exception_to_envelope(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The Ory envelope for an exception raised while serving an API request."""
    if isinstance(exception, OryError):
        return ory_error_response(exception)
    if isinstance(exception, RequestDataTooBig):
        return error_response(413, reason="The request body is too large.")
    if isinstance(exception, SuspiciousOperation):
        return error_response(400, reason="The request was refused as suspicious.")
    if isinstance(exception, MultiPartParserError):
        # A view that reads request.POST itself (DRF's parsers report this as a ParseError);
        # Django answers it with 400 on its own pages too.
        return error_response(400, reason="The multipart request body could not be parsed.")
    if isinstance(exception, PermissionDenied):
        return error_response(403)
    if isinstance(exception, Http404):
        return error_response(404)
    error_log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)
