"""Django REST framework glue shared by the three apps: the exception handler that speaks Ory's
error envelope, JSON parsing that reports malformed bodies clearly, and the base class of every
Ory admin API view."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, permissions, views
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from ory_platform.authentication import CHALLENGE, MISSING_KEY, ApiKeyAuthentication
from ory_platform.errors import OryError, envelope


def _validation_details(detail) -> dict:
    if isinstance(detail, dict):
        return {str(key): _validation_details(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_validation_details(item) for item in detail]
    return str(detail)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every API error leaves in the Ory envelope.

    Returns ``None`` for unexpected exceptions, which then reach
    :class:`ory_platform.middleware.ApiErrorMiddleware` and become a logged 500.
    """
    headers: dict[str, str] = {}
    if isinstance(exc, OryError):
        return Response(exc.as_envelope(), status=exc.status_code, headers=exc.headers or None)
    if isinstance(exc, RequestDataTooBig):
        return Response(envelope(413, reason="The request body is too large."), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    status_code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = envelope(
            400,
            message="The request was malformed or contained invalid parameters",
            reason=_first_message(exc.detail),
            details={"fields": _validation_details(exc.detail)},
        )
    elif isinstance(exc, exceptions.ParseError):
        body = envelope(400, reason=f"The request body could not be parsed: {exc.detail}")
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        status_code = 401
        body = envelope(401, reason=str(exc.detail))
    elif isinstance(exc, exceptions.Throttled):
        body = envelope(429, reason=str(exc.detail))
    else:
        body = envelope(status_code, reason=str(exc.detail))

    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    if status_code == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return Response(body, status=status_code, headers=headers)


class HasApiKey(permissions.BasePermission):
    """Admin endpoints answer only requests authenticated with a valid, unrevoked API key."""

    def has_permission(self, request, view) -> bool:
        from ory_platform.models import ApiKey

        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated(MISSING_KEY)
        return True


class AdminAPIView(views.APIView):
    """Base of every Ory admin API view (``/admin/...``): API-key authentication, no sessions."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]

    def get_authenticate_header(self, request) -> str:
        return CHALLENGE


class FirstRendererNegotiation(BaseContentNegotiation):
    """Answer with the view's first renderer whatever ``Accept`` says. Self-service endpoints are
    hit by browsers (``Accept: text/html``) and decide for themselves between JSON and a redirect."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
