"""One way to know who is asking, for every app: the identity session from a cookie or a token.

:class:`IdentitySessionMiddleware` replaces Django's authentication middleware: it sets
``request.identity_session`` (the :class:`~identity_app.models.Session` or ``None``) and
``request.user`` (its identity, or ``AnonymousUser``). Browsers send the session cookie, apps
``X-Session-Token`` or, on Kratos' public paths, ``Authorization: Bearer``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework import authentication

from identity_app.selectors import session_for_token


def session_token_from_request(request: HttpRequest) -> tuple[str, str]:
    """``(token, source)`` where source is ``"cookie"`` or ``"header"``; ``("", "")`` if none."""
    token = request.headers.get("X-Session-Token", "").strip()
    if token:
        return token, "header"
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer " and any(
        request.path.startswith(prefix) for prefix in settings.IDENTITY_BEARER_SESSION_PATHS
    ):
        return authorization[7:].strip(), "header"
    cookie = request.COOKIES.get(settings.IDENTITY_SESSION_COOKIE_NAME, "")
    if cookie:
        return cookie, "cookie"
    return "", ""


class IdentitySessionMiddleware(AuthenticationMiddleware):
    """Resolves the identity session once per request (one indexed query, none without a token)."""

    def process_request(self, request: HttpRequest) -> None:
        token, source = session_token_from_request(request)
        session = session_for_token(token) if token else None
        request.identity_session = session
        request.identity_session_source = source if session else ""
        request.user = session.identity if session else AnonymousUser()


class SessionAuthentication(authentication.BaseAuthentication):
    """DRF view of the middleware's result: ``request.user`` is the identity, ``request.auth`` the session."""

    def authenticate(self, request):
        session = getattr(request._request, "identity_session", None)
        if session is None:
            return None
        return session.identity, session

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="session"'


class IdentityPermissionBackend(ModelBackend):
    """Django permissions (``is_superuser``, groups) for the console. It never checks passwords:
    signing in goes through the login flow, which reads ``identity_credentials``."""

    def authenticate(self, request, **credentials):
        return None


def clear_session_cookie(response) -> None:
    """Make the browser forget its session cookie (after the session was revoked)."""
    response.delete_cookie(settings.IDENTITY_SESSION_COOKIE_NAME, path="/", samesite="Lax")
