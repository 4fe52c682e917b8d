"""What the browser endpoints share: the browser-binding cookie, the login-session cookie,
error pages and error redirects (RFC 6749 §4.1.2.1, RFC 9207 ``iss``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from oauth2_app.errors import AuthorizationError
from oauth2_app.flows import BROWSER_COOKIE, SESSION_COOKIE, BrowserOutcome, new_secret, unsign_session_id
from oauth2_app.server import add_query, issuer


class BrowserRedirect(HttpResponseRedirect):
    """Redirects to registered client URIs (http or https, checked at registration)."""

    allowed_schemes = ["http", "https"]


def browser_id(request: HttpRequest) -> str:
    """The browser's binding id (set on the response by :func:`finish`), created on first sight."""
    if not hasattr(request, "_oauth2_browser_id"):
        request._oauth2_browser_id = request.COOKIES.get(BROWSER_COOKIE) or new_secret()
    return request._oauth2_browser_id


def session_id(request: HttpRequest):
    return unsign_session_id(request.COOKIES.get(SESSION_COOKIE))


def _cookie_options() -> dict:
    return {"httponly": True, "samesite": "Lax", "secure": settings.OAUTH2_COOKIE_SECURE, "path": "/"}


def finish(request: HttpRequest, response: HttpResponse, outcome: BrowserOutcome | None = None) -> HttpResponse:
    """Set the binding cookie (if new) and apply the outcome's login-session cookie changes."""
    if hasattr(request, "_oauth2_browser_id") and request.COOKIES.get(BROWSER_COOKIE) != request._oauth2_browser_id:
        response.set_cookie(
            BROWSER_COOKIE,
            request._oauth2_browser_id,
            max_age=settings.OAUTH2_LOGIN_SESSION_LIFESPAN,
            **_cookie_options(),
        )
    if outcome is not None:
        if outcome.session_cookie:
            response.set_cookie(
                SESSION_COOKIE, outcome.session_cookie, max_age=outcome.session_cookie_max_age, **_cookie_options()
            )
        elif outcome.clear_session_cookie:
            response.delete_cookie(SESSION_COOKIE, path="/", samesite="Lax")
    return response


def error_response(request: HttpRequest, error: AuthorizationError) -> HttpResponse:
    """Send the error to the client's registered redirect URI, or show it when there is none."""
    if error.redirect_uri:
        params = {"error": error.error, "error_description": error.description or None, "state": error.state or None}
        return BrowserRedirect(add_query(error.redirect_uri, **params, iss=issuer()))
    return error_page(request, error.error, error.description, status=error.status)


def error_page(request: HttpRequest, error: str, description: str, *, status: int = 400) -> HttpResponse:
    response = render(
        request,
        "oauth2/error.html",
        {"title": "This request could not be completed", "error": error, "description": description},
        status=status,
    )
    response.browser_page = True
    return response


def csp_allowing_image(url: str) -> str:
    """The site's CSP with the origin of a client's logo added to ``img-src``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return settings.CONTENT_SECURITY_POLICY
    origin = f"{parts.scheme}://{parts.netloc}"
    return settings.CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")


def csp_allowing_frames(urls: list[str]) -> str:
    """The site's CSP letting the page frame these URLs' origins (front-channel logout)."""
    origins = sorted({f"{parts.scheme}://{parts.netloc}" for parts in map(urlsplit, urls) if parts.netloc})
    sources = " ".join(origins) or "'none'"
    return f"{settings.CONTENT_SECURITY_POLICY}; frame-src {sources}"
