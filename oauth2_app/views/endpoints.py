"""Hydra's machine-facing public endpoints: token, revocation, userinfo, device authorization,
discovery and JWKS. Errors here are RFC 6749 / RFC 8628 JSON, not Ory's envelope."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.settings import oauth2_settings

from oauth2_app import keys
from oauth2_app.claims import SCOPE_CLAIMS
from oauth2_app.models.clients import SUPPORTED_GRANT_TYPES
from oauth2_app.server import issuer_url, oauthlib_core
from oauth2_app.services.tokens import device_authorization_create, token_exchange, token_revoke
from ory_platform.db import TransactionConflict


def _oauth_response(headers: dict, body, status: int) -> HttpResponse:
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    response = HttpResponse(content or "", status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


class MachineEndpoint(View):
    """An endpoint for clients, not browsers: no CSRF check (clients authenticate themselves, and
    no cookie is read), and the form fields named in ``sensitive_post_parameters`` hidden from
    error reports. Both are applied once, to the view ``as_view`` builds, instead of to
    ``dispatch`` through ``method_decorator`` (which re-applies them on every request)."""

    sensitive_post_parameters: tuple[str, ...] = ()

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        if cls.sensitive_post_parameters:
            view = sensitive_post_parameters(*cls.sensitive_post_parameters)(view)
        return csrf_exempt(view)


def _temporarily_unavailable() -> HttpResponse:
    response = JsonResponse(
        {"error": "temporarily_unavailable", "error_description": "Too many concurrent requests; please retry."},
        status=503,
    )
    response["Retry-After"] = "1"
    return response


class TokenView(MachineEndpoint):
    """``POST /oauth2/token`` (RFC 6749 §3.2, RFC 8628 §3.4)."""

    http_method_names = ["post"]
    sensitive_post_parameters = ("client_secret", "code", "refresh_token")

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            headers, body, status = token_exchange(request)
        except TransactionConflict:
            return _temporarily_unavailable()
        response = _oauth_response(headers, body, status)
        if status == 401 and request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("basic"):
            response["WWW-Authenticate"] = 'Basic realm="oauth2", error="invalid_client"'  # RFC 6749 §5.2
        return response


class RevokeView(MachineEndpoint):
    """``POST /oauth2/revoke`` (RFC 7009)."""

    http_method_names = ["post"]
    sensitive_post_parameters = ("client_secret", "token")

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            headers, body, status = token_revoke(request)
        except TransactionConflict:
            return _temporarily_unavailable()
        return _oauth_response(headers, body, status)


class UserinfoView(MachineEndpoint):
    """``GET|POST /userinfo`` (OpenID Connect Core §5.3)."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        _uri, headers, body, status = oauthlib_core().create_userinfo_response(request)
        return _oauth_response(headers, body, status)

    post = get


class DeviceAuthorizationView(MachineEndpoint):
    """``POST /oauth2/device/auth`` (RFC 8628 §3.1)."""

    http_method_names = ["post"]
    sensitive_post_parameters = ("client_secret",)

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            headers, body, status = device_authorization_create(request)
        except TransactionConflict:
            return _temporarily_unavailable()
        return _oauth_response(headers, body, status)


class DiscoveryView(View):
    """``/.well-known/openid-configuration`` (OpenID Connect Discovery 1.0 §3, RFC 8414 §2)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> JsonResponse:
        metadata = {
            "issuer": oauth2_settings.OIDC_ISS_ENDPOINT,
            "authorization_endpoint": issuer_url(reverse("oauth2:authorize")),
            "token_endpoint": issuer_url(reverse("oauth2:token")),
            "device_authorization_endpoint": issuer_url(reverse("oauth2:device-authorization")),
            "jwks_uri": issuer_url(reverse("oauth2:jwks")),
            "userinfo_endpoint": issuer_url(reverse("oauth2:userinfo")),
            "revocation_endpoint": issuer_url(reverse("oauth2:revoke")),
            "end_session_endpoint": issuer_url(reverse("oauth2:logout")),
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(SUPPORTED_GRANT_TYPES),
            "scopes_supported": list(oauth2_settings.SCOPES),
            "claims_supported": sorted(
                {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid"}
                | {claim for claims in SCOPE_CLAIMS.values() for claim in claims}
            ),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "id_token_signed_response_alg": ["RS256"],
            "userinfo_signed_response_alg": ["none"],
            "userinfo_signing_alg_values_supported": ["none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "require_request_uri_registration": False,
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": True,
            "frontchannel_logout_session_supported": True,
        }
        if settings.OAUTH2_DYNAMIC_CLIENT_REGISTRATION:
            metadata["registration_endpoint"] = issuer_url(reverse("oauth2:dynamic-clients"))
        response = JsonResponse(metadata)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=3600"
        return response


class JwksView(View):
    """``/.well-known/jwks.json`` (RFC 7517 §5): the active signing key and retired ones still published."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> JsonResponse:
        keys.signing_key_active()  # the key set is created on first use
        response = JsonResponse({"keys": keys.published_keys()})
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=300"
        return response
