"""``/oauth2/sessions/logout`` and ``/oauth2/device/verify``: the browser sides of logout and device approval."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from oauth2_app.errors import AuthorizationError
from oauth2_app.server import issuer_url
from oauth2_app.services.authorization import device_flow_complete, login_verifier_redeem
from oauth2_app.services.device import (
    device_flow_start,
    device_verification_start,
    device_verifier_redeem,
    normalize_user_code,
    pending_grant,
)
from oauth2_app.services.logout import logout_complete, logout_start
from oauth2_app.views.browser import (
    BrowserRedirect,
    browser_id,
    csp_allowing_frames,
    error_page,
    error_response,
    finish,
    session_id,
)

FRONTCHANNEL_REFRESH_SECONDS = 3


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class LogoutView(View):
    """OpenID Connect RP-Initiated Logout 1.0 §2 (``end_session_endpoint``)."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        params = request.GET if request.method == "GET" else request.POST
        try:
            if params.get("logout_verifier"):
                outcome = logout_complete(verifier=params["logout_verifier"], session_id=session_id(request))
            else:
                outcome = logout_start(
                    id_token_hint=params.get("id_token_hint", ""),
                    post_logout_redirect_uri=params.get("post_logout_redirect_uri", ""),
                    state=params.get("state", ""),
                    session_id=session_id(request),
                    request_url=issuer_url(request.get_full_path()),
                )
        except AuthorizationError as error:
            return error_response(request, error)
        if outcome.frontchannel_logout_urls:
            return finish(request, self._frontchannel_page(request, outcome), outcome)
        return finish(request, BrowserRedirect(outcome.redirect_to), outcome)

    post = get

    @staticmethod
    def _frontchannel_page(request: HttpRequest, outcome) -> HttpResponse:
        """OpenID Connect Front-Channel Logout 1.0 §3: the clients' logout pages in iframes, then on
        to ``redirect_to`` (a refresh after a few seconds, or the button; no script needed)."""
        response = render(
            request,
            "oauth2/logout_frontchannel.html",
            {
                "frontchannel_logout_urls": outcome.frontchannel_logout_urls,
                "redirect_to": outcome.redirect_to,
                "refresh_seconds": FRONTCHANNEL_REFRESH_SECONDS,
            },
        )
        response["Content-Security-Policy"] = csp_allowing_frames(outcome.frontchannel_logout_urls)
        response.browser_page = True
        return response


class UserCodeForm(forms.Form):
    user_code = forms.CharField(
        label="Code shown on your device",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_user_code(self) -> str:
        return normalize_user_code(self.cleaned_data["user_code"])


@method_decorator([never_cache, csrf_protect], name="dispatch")
class DeviceVerifyView(View):
    """RFC 8628 §3.3: the user enters the code from their device, then signs in and consents
    through the same login/consent challenges as the authorization code flow."""

    http_method_names = ["get", "post"]
    template_name = "oauth2/device_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("login_verifier"):
            return self._after_login(request)
        if request.GET.get("consent_verifier"):
            return self._after_consent(request)
        if request.GET.get("device_verifier"):
            return self._after_device_ui(request)
        if settings.OAUTH2_DEVICE_VERIFICATION_URL:
            # Hydra's protocol: an external device UI asks for the code and accepts it by challenge.
            redirect_to = device_verification_start(
                browser_id=browser_id(request), user_code=request.GET.get("user_code", "")
            )
            return finish(request, BrowserRedirect(redirect_to))
        form = UserCodeForm(initial={"user_code": request.GET.get("user_code", "")})
        return self._page(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        # RFC 8628 §5.1: user codes are short, so guesses are rate limited per client address.
        attempts_key = f"oauth2:device-verify:{request.META.get('REMOTE_ADDR', '')}"
        if cache.get(attempts_key, 0) >= settings.OAUTH2_DEVICE_VERIFY_ATTEMPTS:
            form = UserCodeForm(request.POST)
            form.full_clean()
            form.add_error(None, "Too many attempts. Wait a few minutes, then try again.")
            return self._page(request, form, status=429)
        form = UserCodeForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        grant = pending_grant(form.cleaned_data["user_code"])
        if grant is None:
            cache.set(attempts_key, cache.get(attempts_key, 0) + 1, timeout=settings.OAUTH2_DEVICE_VERIFY_WINDOW)
            form.add_error("user_code", "This code is not valid or has expired. Check your device and try again.")
            return self._page(request, form, status=400)
        try:
            outcome = device_flow_start(
                grant=grant,
                browser_id=browser_id(request),
                session_id=session_id(request),
                request_url=issuer_url(request.path),
            )
        except AuthorizationError as error:
            return finish(request, error_page(request, error.error, error.description))
        return finish(request, BrowserRedirect(outcome.redirect_to), outcome)

    def _after_device_ui(self, request: HttpRequest) -> HttpResponse:
        try:
            outcome = device_verifier_redeem(
                verifier=request.GET["device_verifier"],
                browser_id=browser_id(request),
                session_id=session_id(request),
                request_url=issuer_url(request.path),
            )
        except AuthorizationError as error:
            return finish(request, error_page(request, error.error, error.description, status=error.status))
        if outcome.error is not None:
            return finish(request, error_page(request, outcome.error.error, outcome.error.description, status=403))
        return finish(request, BrowserRedirect(outcome.redirect_to), outcome)

    def _after_login(self, request: HttpRequest) -> HttpResponse:
        try:
            outcome = login_verifier_redeem(
                verifier=request.GET["login_verifier"], browser_id=browser_id(request), client_id=None
            )
        except AuthorizationError as error:
            return error_response(request, error)
        if outcome.error is not None:
            return finish(request, self._result(request, approved=False), outcome)
        return finish(request, BrowserRedirect(outcome.redirect_to), outcome)

    def _after_consent(self, request: HttpRequest) -> HttpResponse:
        try:
            flow, approved = device_flow_complete(
                verifier=request.GET["consent_verifier"], browser_id=browser_id(request)
            )
        except AuthorizationError as error:
            return error_response(request, error)
        return self._result(request, approved=approved, client=flow.client)

    def _result(self, request, *, approved: bool, client=None) -> HttpResponse:
        response = render(
            request,
            "oauth2/device_done.html",
            {"approved": approved, "client": client},
            status=200 if approved else 403,
        )
        response.browser_page = True
        return response

    def _page(self, request, form, status: int = 200) -> HttpResponse:
        response = render(request, self.template_name, {"form": form}, status=status)
        response.browser_page = True
        return finish(request, response)
