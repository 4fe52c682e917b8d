"""``/oauth2/auth``: the authorization endpoint (RFC 6749 §3.1) driving the login/consent protocol."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError

from oauth2_app.errors import AuthorizationError
from oauth2_app.models import Client
from oauth2_app.server import issuer, oauthlib_core
from oauth2_app.services.authorization import (
    authorization_code_issue,
    authorization_flow_start,
    id_token_hint_claims,
    login_verifier_redeem,
)
from oauth2_app.views.browser import BrowserRedirect, browser_id, error_response, finish, session_id

_PROMPTS = {"none", "login", "consent", "select_account"}


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class AuthorizeView(View):
    """Validate the request with oauthlib, then walk the browser through login and consent:
    a new request goes to the login app, a login verifier to the consent app, a consent
    verifier back to the client with a code. Invalid ``client_id``/``redirect_uri`` show an
    error page; every other error goes to the registered redirect URI with ``state`` and ``iss``."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._handle(request, request.GET)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._handle(request, request.POST)

    def _handle(self, request: HttpRequest, params) -> HttpResponse:
        try:
            if params.get("login_verifier"):
                outcome = login_verifier_redeem(
                    verifier=params["login_verifier"], browser_id=browser_id(request), client_id=params.get("client_id")
                )
            elif params.get("consent_verifier"):
                outcome = authorization_code_issue(
                    verifier=params["consent_verifier"],
                    browser_id=browser_id(request),
                    client_id=params.get("client_id"),
                )
            else:
                outcome = self._start(request, params)
        except AuthorizationError as error:
            return finish(request, error_response(request, error))
        if outcome.error is not None:
            return finish(request, error_response(request, outcome.error), outcome)
        return finish(request, BrowserRedirect(outcome.redirect_to), outcome)

    def _start(self, request: HttpRequest, params):
        try:
            scopes, credentials = oauthlib_core().validate_authorization_request(request)
        except FatalClientError as fatal:
            error = fatal.oauthlib_error
            raise AuthorizationError(error.error, error.description) from fatal
        except OAuthToolkitError as failure:
            error = failure.oauthlib_error
            raise AuthorizationError(
                error.error, error.description, redirect_uri=error.redirect_uri, state=getattr(error, "state", None)
            ) from failure
        redirect_uri, state = credentials["redirect_uri"], credentials.get("state") or ""

        def fail(code: str, description: str) -> AuthorizationError:
            return AuthorizationError(code, description, redirect_uri=redirect_uri, state=state)

        prompt = params.get("prompt", "").split()
        if set(prompt) - _PROMPTS or ("none" in prompt and len(prompt) > 1):
            raise fail("invalid_request", "The prompt parameter is invalid (OpenID Connect Core §3.1.2.1).")
        max_age = params.get("max_age")
        if max_age is not None and not max_age.isdigit():
            raise fail("invalid_request", "max_age must be a non-negative integer.")
        hint_claims = None
        if params.get("id_token_hint"):
            try:
                hint_claims = id_token_hint_claims(params["id_token_hint"])
            except AuthorizationError as error:
                raise fail(error.error, error.description) from error
        oauthlib_request = credentials.get("request")
        query = {key: value for key, value in params.items() if key not in ("login_verifier", "consent_verifier")}
        return authorization_flow_start(
            client=Client.objects.get(client_id=credentials["client_id"]),
            request_url=f"{issuer()}{request.path}?{urlencode(query)}",
            redirect_uri=redirect_uri,
            client_state=state,
            scopes=list(scopes),
            audience=list(getattr(oauthlib_request, "granted_audience", None) or []),
            prompt=" ".join(prompt),
            max_age=int(max_age) if max_age is not None else None,
            oidc_context={
                "acr_values": params.get("acr_values", "").split(),
                "display": params.get("display", ""),
                "login_hint": params.get("login_hint", ""),
                "ui_locales": params.get("ui_locales", "").split(),
                "id_token_hint_claims": hint_claims,
            },
            id_token_hint_subject=(hint_claims or {}).get("sub"),
            browser_id=browser_id(request),
            session_id=session_id(request),
        )
