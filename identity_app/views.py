"""The HTML pages people see: they render a flow's nodes; the self-service endpoints do the work."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from identity_app.api import responses
from identity_app.flows import aal, base
from identity_app.models import Flow, SelfServiceError
from identity_app.services.sessions import session_revoke
from identity_app.ui_forms import group_forms
from ory_platform.errors import OryError

PASSTHROUGH = ("return_to", "refresh", "aal", "login_challenge", "identity_schema")

PAGES = {
    Flow.Kind.LOGIN: ("identity_app/login.html", "Sign in", ""),
    Flow.Kind.REGISTRATION: ("identity_app/registration.html", "Create your account", ""),
    Flow.Kind.SETTINGS: ("identity_app/settings.html", "Account settings", ""),
    Flow.Kind.RECOVERY: ("identity_app/recovery.html", "Recover your account", ""),
    Flow.Kind.VERIFICATION: ("identity_app/verification.html", "Verify your email address", ""),
}


def _init_redirect(request: HttpRequest, kind: str) -> HttpResponse:
    params = {key: request.GET[key] for key in PASSTHROUGH if request.GET.get(key)}
    url = reverse(f"identity:{kind}-browser-init")
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def _title(flow: Flow, default: str) -> tuple[str, str]:
    if flow.kind == Flow.Kind.LOGIN and flow.requested_aal == "aal2":
        return "Two-factor authentication", "Confirm it is you with your second factor."
    if flow.kind == Flow.Kind.LOGIN and flow.refresh:
        return "Confirm it is you", "Please sign in again to continue."
    return default, ""


def flow_page(request: HttpRequest, kind: str) -> HttpResponse:
    """Show the browser flow named by ``?flow=``; without one (or with a stale one) start anew."""
    if not request.GET.get("flow"):
        return _init_redirect(request, kind)
    try:
        flow = base.flow_get(request.GET["flow"], kind=kind)
    except OryError:
        return _init_redirect(request, kind)
    session = getattr(request, "identity_session", None)
    if flow.identity_id and (session is None or session.identity_id != flow.identity_id):
        return _init_redirect(request, kind)
    done = flow.state == "passed_challenge" and flow.kind != Flow.Kind.VERIFICATION
    if flow.type != Flow.Type.BROWSER or base.is_expired(flow) or done:
        params = {"return_to": flow.return_to} if flow.return_to else {}
        url = reverse(f"identity:{kind}-browser-init")
        return redirect(f"{url}?{urlencode(params)}" if params else url)
    template, default_title, _ = PAGES[kind]
    title, lead = _title(flow, default_title)
    first_field = next(
        (
            n["attributes"]["name"]
            for n in flow.ui.get("nodes", [])
            if n.get("type") == "input" and n["attributes"].get("type") not in ("hidden", "submit")
        ),
        "",
    )
    context = {
        "flow": flow,
        "forms": group_forms(flow.ui),
        "title": title,
        "lead": lead,
        # Settings are independent sections, not alternative ways through one step.
        "sections": kind == Flow.Kind.SETTINGS,
        "autofocus_name": "" if kind == Flow.Kind.SETTINGS else first_field,
    }
    return render(request, template, context)


@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    return flow_page(request, Flow.Kind.LOGIN)


@never_cache
def registration_page(request: HttpRequest) -> HttpResponse:
    return flow_page(request, Flow.Kind.REGISTRATION)


@never_cache
def settings_page(request: HttpRequest) -> HttpResponse:
    return flow_page(request, Flow.Kind.SETTINGS)


@never_cache
def recovery_page(request: HttpRequest) -> HttpResponse:
    return flow_page(request, Flow.Kind.RECOVERY)


@never_cache
def verification_page(request: HttpRequest) -> HttpResponse:
    return flow_page(request, Flow.Kind.VERIFICATION)


@never_cache
def error_page(request: HttpRequest) -> HttpResponse:
    """Explain an error a self-service request ran into, with a way back."""
    record = None
    try:
        record = SelfServiceError.objects.filter(pk=uuid.UUID(request.GET.get("id", ""))).first()
    except ValueError:
        pass
    error = record.error if record else {}
    context = {
        "title": error.get("status") or "Something went wrong",
        "message": error.get("message") or "We could not find the error you were sent here for.",
        "reason": error.get("reason", ""),
        "error_id": error.get("id", ""),
        "request_id": error.get("request", ""),
    }
    return render(request, "identity_app/error.html", context, status=200 if record else 404)


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    session = getattr(request, "identity_session", None)
    if session is not None and not aal.satisfies(session, settings.IDENTITY_MFA_WHOAMI_REQUIRED_AAL):
        return redirect(aal.step_up_url())  # the account page is what whoami guards for an app
    context = {
        "session": session,
        "logout_url": reverse("identity:logout-page"),
        "settings_url": _optional_url("identity:settings-page"),
    }
    return render(request, "identity_app/home.html", context)


def _optional_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def logout_page(request: HttpRequest) -> HttpResponse:
    """Sign out of this browser: a confirmation page whose form (CSRF-protected) ends the session."""
    session = getattr(request, "identity_session", None)
    if request.method == "POST":
        if session is not None:
            session_revoke(session_id=session.pk)
        response = responses.SeeOther(settings.IDENTITY_LOGOUT_RETURN_URL or reverse("identity:login-page"))
        responses.clear_session_cookie(response)
        return response
    if session is None:
        return redirect("identity:login-page")
    return render(request, "identity_app/logout.html", {"title": "Sign out"})
