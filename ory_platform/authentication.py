"""Admin API authentication: ``Authorization: Bearer <api key>``, for DRF views and plain ones."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from ory_platform.api_keys import api_key_record_use, api_key_verify
from ory_platform.errors import Unauthorized
from ory_platform.models import ApiKey

CHALLENGE = 'Bearer realm="admin"'
MISSING_KEY = "A valid API key is required: send 'Authorization: Bearer <key>'."
INVALID_KEY = "The API key is invalid, revoked or malformed."


def _bearer(request) -> str | None:
    """What follows ``Bearer`` in the request's Authorization header (``None``: no bearer header)."""
    header = authentication.get_authorization_header(request).decode("latin-1")
    scheme, _, key = header.partition(" ")
    return key.strip() if header and scheme.lower() == "bearer" else None


def _verified(key: str) -> ApiKey | None:
    api_key = api_key_verify(key) if key else None
    if api_key is not None:
        api_key_record_use(api_key)
    return api_key


def admin_api_key(request) -> ApiKey:
    """The verified API key of a request to a plain (non-DRF) admin view, its use recorded; else
    :class:`~ory_platform.errors.Unauthorized`, the same 401 answer the DRF admin views give."""
    key = _bearer(request)
    api_key = _verified(key) if key is not None else None
    if api_key is None:
        reason = INVALID_KEY if key is not None else MISSING_KEY
        raise Unauthorized(reason=reason, headers={"WWW-Authenticate": CHALLENGE})
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates a request by an admin API key.

    On success ``request.auth`` is the :class:`~ory_platform.models.ApiKey` and ``request.user``
    stays anonymous: an API key acts for a service, not for an identity.
    """

    def authenticate(self, request):
        key = _bearer(request)
        if key is None:
            return None
        api_key = _verified(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(INVALID_KEY)
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return CHALLENGE
