"""Django's error handlers: the Ory envelope on API paths, a plain HTML page everywhere else."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ory_platform.errors import error_response, status_phrase
from ory_platform.middleware import is_api_path

_PAGE_TEXT = {
    400: "The request could not be understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address.",
    413: "What you sent is too large.",
    500: "Something went wrong on our side. Please try again in a moment.",
}


def _respond(request: HttpRequest, status: int, *, error_id: str | None = None, reason: str = "") -> HttpResponse:
    if is_api_path(request.path):
        return error_response(status, error_id=error_id, reason=reason)
    context = {"status": status, "title": status_phrase(status), "text": _PAGE_TEXT.get(status, "")}
    return render(request, "error_page.html", context, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return _respond(request, 413, reason="The request body is too large.")
    return _respond(request, 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _respond(request, 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _respond(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: Kratos' id for a CSRF violation on API paths, an HTML page otherwise."""
    if is_api_path(request.path):
        return error_response(
            403,
            error_id="security_csrf_violation",
            message="A security violation was detected, please fill out all forms using the provided UI.",
            reason="The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF).",
        )
    context = {
        "status": 403,
        "title": "Form expired",
        "text": "This form could not be accepted because it was out of date or not sent from this site. "
        "Go back, reload the page and try again.",
    }
    return render(request, "error_page.html", context, status=403)
