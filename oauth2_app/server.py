"""The oauthlib servers, built once per process around :class:`oauth2_app.validator.HydraValidator`."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.urls import reverse
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2 import DeviceApplicationServer
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from oauthlib.oauth2.rfc8628.grant_types import DeviceCodeGrant

from oauth2_app import lifespans
from oauth2_app.models.clients import GRANT_DEVICE_CODE
from oauth2_app.request_checks import require_s256, validate_audience


def access_token_value(request) -> str:
    """An opaque access token as Hydra formats them: ``ory_at_`` and 256 random bits."""
    return "ory_at_" + secrets.token_urlsafe(32)


def refresh_token_value(request) -> str:
    """An opaque refresh token as Hydra formats them: ``ory_rt_`` and 256 random bits."""
    return "ory_rt_" + secrets.token_urlsafe(32)


class HydraOAuthLibCore(OAuthLibCore):
    """django-oauth-toolkit's translation of a Django request for oauthlib, handing over only the
    headers the protocol reads: oauthlib reads ``Authorization``, ``Content-Type`` and ``Origin``,
    django-oauth-toolkit's validator ``HTTP_AUTHORIZATION``. (The default copies all of
    ``request.META``, which oauthlib then re-encodes entry by entry on every token request.)"""

    HEADERS = (("HTTP_AUTHORIZATION", "Authorization"), ("CONTENT_TYPE", "Content-Type"), ("HTTP_ORIGIN", "Origin"))

    def _extract_params(self, request):
        """django-oauth-toolkit's parameters for oauthlib, with the form handed over as the pairs
        Django already parsed (oauthlib's ``Request`` takes a list of pairs as the body) rather
        than url-encoded again for oauthlib to decode a second time. A URI without a query string
        needs none of the escaping django-oauth-toolkit applies to queries."""
        uri = request.get_full_path() if not request.META.get("QUERY_STRING") else self._get_escaped_full_path(request)
        return uri, request.method, self.extract_body(request), self.extract_headers(request)

    def extract_headers(self, request) -> dict[str, str]:
        headers = {}
        for meta_name, name in self.HEADERS:
            value = request.META.get(meta_name)
            if value is not None:
                headers[meta_name] = headers[name] = value
        return headers


class OpenIDDeviceCodeGrant(DeviceCodeGrant):
    """RFC 8628 §3.4 token response with an ID token when ``openid`` was granted (as Hydra does)."""

    def create_token_response(self, request, token_handler):
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except OAuth2Error as error:
            headers.update(error.headers)
            return headers, error.json, error.status_code
        token = token_handler.create_token(request, self.refresh_token)
        if "openid" in (request.scopes or []):
            digest = hashlib.sha256(token["access_token"].encode()).digest()
            at_hash = base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
            claims = {"aud": request.client_id, "iat": int(time.time()), "at_hash": at_hash}
            token["id_token"] = self.request_validator.finalize_id_token(claims, token, token_handler, request)
        self.request_validator.save_token(token, request)
        return headers, json.dumps(token), 200


def _server_kwargs() -> dict:
    kwargs = dict(oauth2_settings.server_kwargs)
    kwargs["token_expires_in"] = lifespans.access_token_expires_in
    for key in ("verification_uri", "verification_uri_complete", "interval", "user_code_generator", "pre_token"):
        kwargs.pop(key, None)
    return kwargs


@functools.cache
def oauthlib_core() -> OAuthLibCore:
    """django-oauth-toolkit's request translation around an OpenID Connect server with our checks."""
    server = oauth2_settings.OAUTH2_SERVER_CLASS(oauth2_settings.OAUTH2_VALIDATOR_CLASS(), **_server_kwargs())
    # RFC 9700 §2.1.2 and §2.4: no implicit or hybrid responses, no password grant, at all.
    server._response_types = {"code": server._response_types["code"]}
    server._grant_types.pop("password", None)
    server.device_code_grant = OpenIDDeviceCodeGrant(server.request_validator)
    server._grant_types[GRANT_DEVICE_CODE] = server.device_code_grant
    authorization_grants = [server.auth_grant, server.openid_connect_auth.proxy_target]
    for grant in authorization_grants:
        grant.custom_validators.pre_auth.append(require_s256)
        grant.custom_validators.post_auth.append(validate_audience)
    server.credentials_grant.custom_validators.post_token.append(validate_audience)
    return oauth2_settings.OAUTH2_BACKEND_CLASS(server)


@functools.cache
def device_core() -> OAuthLibCore:
    """The RFC 8628 device authorization endpoint."""
    server = DeviceApplicationServer(
        oauth2_settings.OAUTH2_VALIDATOR_CLASS(),
        verification_uri=issuer_url(reverse("oauth2:device-verify")),
        interval=oauth2_settings.DEVICE_FLOW_INTERVAL,
        user_code_generator=oauth2_settings.OAUTH_DEVICE_USER_CODE_GENERATOR,
    )
    return HydraOAuthLibCore(server)


def issuer() -> str:
    return oauth2_settings.OIDC_ISS_ENDPOINT


def issuer_url(path: str) -> str:
    """An absolute URL on the issuer for ``path`` (which starts with ``/``)."""
    return issuer().rstrip("/") + path


def add_query(url: str, **params: str) -> str:
    """``url`` with ``params`` set in its query (replacing ones of the same name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def reset_caches() -> None:
    """Forget the servers (tests that change settings call this)."""
    oauthlib_core.cache_clear()
    device_core.cache_clear()
