"""How self-service views answer: JSON for apps and SPAs, redirects and cookies for browsers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

from identity_app.authentication import clear_session_cookie  # noqa: F401  (re-exported for the views)
from identity_app.flows import base, messages, ui
from identity_app.flows.base import FlowFailed
from identity_app.models import Flow, Session
from identity_app.throttling import Throttled
from ory_platform.errors import ory_error_response


class SeeOther(HttpResponseRedirect):
    status_code = 303


def flow_response(request: HttpRequest, flow: Flow, *, status: int = 200) -> HttpResponse:
    response = JsonResponse(base.public_flow(flow), status=status)
    base.set_csrf_cookie(request, response)
    return response


def browser_flow_created(request: HttpRequest, flow: Flow) -> HttpResponse:
    """A new browser flow: JSON for an SPA, else a redirect to the page that shows it."""
    if base.wants_json(request):
        return flow_response(request, flow)
    response = SeeOther(base.flow_ui_url(flow))
    base.set_csrf_cookie(request, response)
    return response


def flow_failed(request: HttpRequest, flow: Flow) -> HttpResponse:
    """A refused submission: the flow with its messages (400), or back to the page for browsers."""
    if flow.type == Flow.Type.API or base.wants_json(request):
        return flow_response(request, flow, status=400)
    return SeeOther(base.flow_ui_url(flow))


def flow_expired(request: HttpRequest, error: base.FlowExpired) -> HttpResponse:
    if error.flow.type == Flow.Type.API or base.wants_json(request):
        return ory_error_response(error)
    response = SeeOther(base.flow_ui_url(error.replacement))
    base.set_csrf_cookie(request, response)
    return response


def run_step(request: HttpRequest, flow: Flow, step: Callable[[], HttpResponse]) -> HttpResponse:
    """Run one submission of ``flow``; the refusals any step can end in become their answers:
    the flow with its messages, a replacement for an expired flow, or the throttling notice."""
    try:
        return step()
    except FlowFailed as failure:
        return flow_failed(request, failure.flow)
    except base.FlowExpired as expired:
        return flow_expired(request, expired)
    except Throttled as error:
        return throttled(request, flow, error)


def throttled(request: HttpRequest, flow: Flow, error) -> HttpResponse:
    """Over the attempt limit: a 429 in the Ory envelope for apps, a message on the page for browsers."""
    if flow.type == Flow.Type.API or base.wants_json(request):
        return ory_error_response(error)
    ui.clear_messages(flow.ui)
    ui.add_message(flow.ui, messages.error_too_many_attempts(error.retry_after))
    base.flow_save(flow)
    return SeeOther(base.flow_ui_url(flow))


def already_signed_in(request: HttpRequest, error, return_to: str) -> HttpResponse:
    """Kratos sends a signed-in browser on to where it was going instead of showing an error."""
    if base.wants_json(request):
        return ory_error_response(error)
    return SeeOther(return_to or base.default_return_url())


def set_session_cookie(response: HttpResponse, token: str, session: Session) -> None:
    response.set_cookie(
        settings.IDENTITY_SESSION_COOKIE_NAME,
        token,
        expires=session.expires_at,
        httponly=True,
        secure=settings.IDENTITY_COOKIE_SECURE,
        samesite="Lax",
        path="/",
    )
