"""OAuth2 data: django-oauth-toolkit's swappable models, with UUID keys.

Each class stands in for one of django-oauth-toolkit's models (see the ``OAUTH2_PROVIDER_*_MODEL``
settings), so oauthlib keeps doing the protocol while the rows carry what Hydra needs.
"""

from __future__ import annotations

import uuid

from django.db import models
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractDeviceGrant,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)


class Client(AbstractApplication):
    """An OAuth 2.0 client (RFC 6749 §2) registered with the authorization server: Hydra's ``client``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractApplication.Meta):
        db_table = "oauth2_clients"
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"


class AuthorizationCode(AbstractGrant):
    """An authorization code (RFC 6749 §4.1.2) waiting to be redeemed at the token endpoint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractGrant.Meta):
        db_table = "oauth2_authorization_codes"
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class AccessToken(AbstractAccessToken):
    """An access token (RFC 6749 §1.4) issued to a client."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractAccessToken.Meta):
        db_table = "oauth2_access_tokens"
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(AbstractRefreshToken):
    """A refresh token (RFC 6749 §1.5); rotated on use (RFC 9700 §4.14)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractRefreshToken.Meta):
        db_table = "oauth2_refresh_tokens"
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class IDToken(AbstractIDToken):
    """An OpenID Connect ID token (OpenID Connect Core §2) issued alongside an access token."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractIDToken.Meta):
        db_table = "oauth2_id_tokens"
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class DeviceGrant(AbstractDeviceGrant):
    """A pending device authorization (RFC 8628 §3.2): device code, user code and its status."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractDeviceGrant.Meta):
        db_table = "oauth2_device_grants"
        swappable = "OAUTH2_PROVIDER_DEVICE_GRANT_MODEL"
