"""The built-in login, consent and logout apps (the defaults of ``OAUTH2_LOGIN_URL`` and friends).

They speak the same protocol an external app would (the challenge services behind the admin
API), with the platform's own identity session as the login:

* login: an authenticated, active identity (``request.user``) is accepted at once with
  ``subject = str(identity.pk)``; otherwise the browser goes to ``OAUTH2_IDENTITY_LOGIN_URL``
  with ``return_to`` pointing back here, and a session that has not used the identity's second
  factor goes to the aal2 step-up login first;
* consent: shows the client and the requested scopes in plain words; ``skip_consent`` clients and
  remembered consents are accepted without a page;
* logout: asks before signing out unless the client has ``skip_logout_consent``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from oauth2_provider.settings import oauth2_settings

from identity_app.authentication import clear_session_cookie
from identity_app.selectors import session_step_up_url
from identity_app.services.sessions import session_revoke
from oauth2_app import selectors
from oauth2_app.errors import FlowAlreadyHandled
from oauth2_app.models import AuthorizationFlow
from oauth2_app.server import add_query
from oauth2_app.services import challenges
from oauth2_app.views.browser import BrowserRedirect, csp_allowing_image, error_page
from ory_platform.errors import OryError

# Kratos method names → RFC 8176 authentication method references.
_AMR = {"password": "pwd", "totp": "otp", "lookup_secret": "otp", "code": "otp", "webauthn": "hwk", "passkey": "hwk"}


def identity_amr(request: HttpRequest) -> list[str]:
    """``amr`` from ``request.identity_session.authentication_methods`` when identity_app provides it."""
    identity_session = getattr(request, "identity_session", None)
    methods = getattr(identity_session, "authentication_methods", None)
    if not methods:
        return ["pwd"]
    names = []
    for method in methods:
        name = method.get("method") if isinstance(method, dict) else getattr(method, "method", method)
        if isinstance(name, str) and name:
            names.append(_AMR.get(name, name))
    return list(dict.fromkeys(names)) or ["pwd"]


def _authenticated_at(request: HttpRequest):
    identity_session = getattr(request, "identity_session", None)
    return getattr(identity_session, "authenticated_at", None) or getattr(request.user, "last_login", None)


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response.browser_page = True
    return response


def _failure(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, FlowAlreadyHandled):
        return BrowserRedirect(error.redirect_to)
    message = error.message if isinstance(error, OryError) else str(error)
    return error_page(request, getattr(error, "error_id", "invalid_request"), message, status=400)


@method_decorator(never_cache, name="dispatch")
class LoginFallbackView(View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        challenge = request.GET.get("login_challenge", "")
        try:
            login_request = selectors.login_request_get(challenge=challenge)
        except (OryError, FlowAlreadyHandled) as error:
            return _failure(request, error)
        identity = request.user if request.user.is_authenticated else None
        if not isinstance(identity, get_user_model()) or not identity.is_active:
            return self._to_identity_login(request, refresh=False)
        flow = AuthorizationFlow.objects.get(login_challenge=challenge)
        authenticated_at = _authenticated_at(request)
        fresh_login_needed = "login" in flow.prompt.split() and (
            authenticated_at is None or authenticated_at < flow.requested_at
        )
        if flow.max_age is not None and authenticated_at is not None:
            fresh_login_needed |= (flow.requested_at - authenticated_at).total_seconds() > flow.max_age
        if fresh_login_needed:
            return self._to_identity_login(request, refresh=True)
        identity_session = request.identity_session
        # An identity with a second factor signs in to apps with it, as /sessions/whoami demands.
        step_up = session_step_up_url(identity_session, return_to=self._here(request))
        if step_up is not None:
            return BrowserRedirect(step_up)
        try:
            redirect_to = challenges.login_request_accept(
                challenge=challenge,
                subject=login_request["subject"] if login_request["skip"] else str(identity.pk),
                remember=settings.OAUTH2_BUILTIN_LOGIN_REMEMBER,
                remember_for=settings.OAUTH2_BUILTIN_LOGIN_REMEMBER_FOR,
                amr=identity_amr(request),
                identity_provider_session_id=str(getattr(identity_session, "id", "") or ""),
            )
        except OryError as error:
            return _failure(request, error)
        if login_request["skip"] and login_request["subject"] != str(identity.pk):
            # The remembered login is someone else's: start over with a fresh login as this identity.
            redirect_to = add_query(login_request["request_url"], prompt="login")
        return BrowserRedirect(redirect_to)

    @staticmethod
    def _here(request: HttpRequest) -> str:
        # This page at its public address (the identity login returns only to its own hosts).
        return f"{settings.PUBLIC_URL}{request.get_full_path()}"

    def _to_identity_login(self, request: HttpRequest, *, refresh: bool) -> HttpResponse:
        params = {"return_to": self._here(request)}
        if refresh:
            params["refresh"] = "true"
        return BrowserRedirect(add_query(settings.OAUTH2_IDENTITY_LOGIN_URL, **params))


def scope_descriptions(scopes: list[str]) -> list[dict]:
    known = oauth2_settings.SCOPES
    return [{"name": scope, "description": known.get(scope, f"Use the “{scope}” permission")} for scope in scopes]


@method_decorator([never_cache, csrf_protect], name="dispatch")
class ConsentFallbackView(View):
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        challenge = request.GET.get("consent_challenge", "")
        try:
            consent_request = selectors.consent_request_get(challenge=challenge)
        except (OryError, FlowAlreadyHandled) as error:
            return _failure(request, error)
        if consent_request["skip"] or consent_request["client"]["skip_consent"]:
            return self._accept(request, challenge, consent_request, remember=False)
        return self._render(request, challenge, consent_request)

    def post(self, request: HttpRequest) -> HttpResponse:
        challenge = request.POST.get("consent_challenge", "")
        try:
            consent_request = selectors.consent_request_get(challenge=challenge)
            if request.POST.get("action") == "allow":
                return self._accept(request, challenge, consent_request, remember=request.POST.get("remember") == "on")
            redirect_to = challenges.consent_request_reject(
                challenge=challenge,
                payload={"error": "access_denied", "error_description": "The user denied the request."},
            )
        except (OryError, FlowAlreadyHandled) as error:
            return _failure(request, error)
        return BrowserRedirect(redirect_to)

    def _accept(self, request, challenge: str, consent_request: dict, *, remember: bool) -> HttpResponse:
        try:
            redirect_to = challenges.consent_request_accept(
                challenge=challenge,
                grant_scope=consent_request["requested_scope"],
                grant_access_token_audience=consent_request["requested_access_token_audience"],
                remember=remember,
                remember_for=settings.OAUTH2_BUILTIN_CONSENT_REMEMBER_FOR,
            )
        except OryError as error:
            return _failure(request, error)
        return BrowserRedirect(redirect_to)

    def _render(self, request, challenge: str, consent_request: dict) -> HttpResponse:
        client = consent_request["client"]
        response = _page(
            request,
            "oauth2/consent.html",
            {
                "title": f"Allow {client['client_name'] or client['client_id']}?",
                "challenge": challenge,
                "client": client,
                "scopes": scope_descriptions(consent_request["requested_scope"]),
                "user": request.user,
            },
        )
        if client["logo_uri"]:
            response["Content-Security-Policy"] = csp_allowing_image(client["logo_uri"])
        return response


@method_decorator([never_cache, csrf_protect], name="dispatch")
class LogoutFallbackView(View):
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        challenge = request.GET.get("logout_challenge", "")
        try:
            logout_request = selectors.logout_request_get(challenge=challenge)
        except (OryError, FlowAlreadyHandled) as error:
            return _failure(request, error)
        client = logout_request["client"]
        if logout_request["rp_initiated"] and client and client.get("skip_logout_consent"):
            return self._accept(request, challenge)
        return _page(request, "oauth2/logout.html", {"title": "Sign out?", "challenge": challenge, "client": client})

    def post(self, request: HttpRequest) -> HttpResponse:
        challenge = request.POST.get("logout_challenge", "")
        if request.POST.get("action") == "logout":
            return self._accept(request, challenge)
        try:
            challenges.logout_request_reject(challenge=challenge)
        except OryError as error:
            return _failure(request, error)
        return BrowserRedirect(settings.OAUTH2_POST_LOGOUT_REDIRECT_URL)

    def _accept(self, request: HttpRequest, challenge: str) -> HttpResponse:
        try:
            redirect_to = challenges.logout_request_accept(challenge=challenge)
        except OryError as error:
            return _failure(request, error)
        response = BrowserRedirect(redirect_to)
        identity_session = getattr(request, "identity_session", None)
        if identity_session is not None:
            # The built-in UI signs the person out of the platform too.
            session_revoke(session_id=identity_session.pk)
            clear_session_cookie(response)
        return response
