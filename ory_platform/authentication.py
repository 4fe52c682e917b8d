"""DRF authentication for the Ory admin APIs: ``Authorization: Bearer <api key>``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from ory_platform.api_keys import api_key_record_use, api_key_verify


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates a request by an admin API key.

    On success ``request.auth`` is the :class:`~ory_platform.models.ApiKey` and ``request.user``
    stays anonymous: an API key acts for a service, not for an identity.
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme.lower() != self.keyword:
            return None
        key = key.strip()
        api_key = api_key_verify(key) if key else None
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is invalid, revoked or malformed.")
        api_key_record_use(api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="admin"'
