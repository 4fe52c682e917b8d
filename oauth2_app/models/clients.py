"""OAuth 2.0 clients: django-oauth-toolkit's application model with Hydra's client metadata."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from oauth2_provider.models import AbstractApplication, ApplicationManager

# Hydra's grant type names (RFC 6749 §4, RFC 8628 §3.4) mapped to django-oauth-toolkit's.
GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
SUPPORTED_GRANT_TYPES = (GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_CLIENT_CREDENTIALS, GRANT_DEVICE_CODE)
_DOT_GRANTS = {
    AbstractApplication.GRANT_AUTHORIZATION_CODE: GRANT_AUTHORIZATION_CODE,
    AbstractApplication.GRANT_CLIENT_CREDENTIALS: GRANT_CLIENT_CREDENTIALS,
    AbstractApplication.GRANT_DEVICE_CODE: GRANT_DEVICE_CODE,
}
# Only the authorization code flow is served at the authorization endpoint: the implicit and
# hybrid flows put tokens in the front channel, which RFC 9700 §2.1.2 forbids.
SUPPORTED_RESPONSE_TYPES = ("code",)

# Lifespan fields of Hydra's client (``PUT /admin/clients/{id}/lifespans``), in seconds.
LIFESPAN_FIELDS = (
    "authorization_code_grant_access_token_lifespan",
    "authorization_code_grant_id_token_lifespan",
    "authorization_code_grant_refresh_token_lifespan",
    "client_credentials_grant_access_token_lifespan",
    "device_authorization_grant_access_token_lifespan",
    "device_authorization_grant_id_token_lifespan",
    "device_authorization_grant_refresh_token_lifespan",
    "implicit_grant_access_token_lifespan",
    "implicit_grant_id_token_lifespan",
    "jwt_bearer_grant_access_token_lifespan",
    "refresh_token_grant_access_token_lifespan",
    "refresh_token_grant_id_token_lifespan",
    "refresh_token_grant_refresh_token_lifespan",
)


class ClientManager(ApplicationManager):
    pass


class Client(AbstractApplication):
    """An OAuth 2.0 client (RFC 6749 §2) registered with the authorization server: Hydra's ``client``.

    django-oauth-toolkit's columns keep their meaning (``name`` is Hydra's ``client_name``,
    ``redirect_uris``, ``post_logout_redirect_uris`` and ``allowed_origins`` are space-separated
    lists, ``client_secret`` is a password-hasher hash, ``created``/``updated`` are
    ``created_at``/``updated_at``); Hydra's metadata (RFC 7591 §2) is added beside them.
    ``client_type`` follows ``token_endpoint_auth_method`` (``none`` makes a public client,
    RFC 6749 §2.1) and ``authorization_grant_type`` holds the first of ``grant_types`` for
    django-oauth-toolkit's own checks; ``grant_types`` is what is enforced.
    """

    class AuthMethod(models.TextChoices):
        CLIENT_SECRET_BASIC = "client_secret_basic", "HTTP Basic (RFC 6749 §2.3.1)"
        CLIENT_SECRET_POST = "client_secret_post", "Form body (RFC 6749 §2.3.1)"
        NONE = "none", "None: public client (RFC 7591 §2)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    grant_types = models.JSONField(default=list, blank=True)
    response_types = models.JSONField(default=list, blank=True)
    scope = models.TextField(blank=True, default="", help_text="Space-separated scopes the client may request.")
    audience = models.JSONField(default=list, blank=True, help_text="Audiences the client may request (RFC 8707).")
    token_endpoint_auth_method = models.CharField(
        max_length=32, choices=AuthMethod.choices, default=AuthMethod.CLIENT_SECRET_BASIC
    )
    skip_consent = models.BooleanField(default=False)
    skip_logout_consent = models.BooleanField(null=True, blank=True)
    owner = models.CharField(max_length=255, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    contacts = models.JSONField(default=list, blank=True)
    client_uri = models.CharField(max_length=2048, blank=True, default="")
    logo_uri = models.CharField(max_length=2048, blank=True, default="")
    policy_uri = models.CharField(max_length=2048, blank=True, default="")
    tos_uri = models.CharField(max_length=2048, blank=True, default="")
    subject_type = models.CharField(max_length=16, default="public")
    token_lifespans = models.JSONField(
        default=dict, blank=True, help_text="Per-grant token lifespans in seconds, keyed by Hydra's field names."
    )
    # OpenID Connect Back-Channel Logout 1.0 §2.2: where a logout token is POSTed when a login
    # session the client was granted consent in ends.
    backchannel_logout_uri = models.CharField(max_length=2048, blank=True, default="")
    backchannel_logout_session_required = models.BooleanField(default=False)
    # OpenID Connect Front-Channel Logout 1.0 §2: a page the browser loads in an iframe on logout.
    frontchannel_logout_uri = models.CharField(max_length=2048, blank=True, default="")
    frontchannel_logout_session_required = models.BooleanField(default=False)
    # OpenID Connect Dynamic Client Registration 1.0 §3.2: the SHA-256 of the token that lets a
    # dynamically registered client read, change or delete its own registration ("" for others).
    registration_access_token_hash = models.CharField(max_length=64, blank=True, default="")

    objects = ClientManager()

    class Meta(AbstractApplication.Meta):
        db_table = "oauth2_clients"
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token_endpoint_auth_method__in=["client_secret_basic", "client_secret_post", "none"]),
                name="oauth2_client_auth_method_valid",
            ),
            models.CheckConstraint(condition=Q(subject_type="public"), name="oauth2_client_subject_type_valid"),
        ]
        indexes = [
            models.Index(fields=["created", "id"], name="oauth2_client_created_idx"),
            models.Index(fields=["owner"], name="oauth2_client_owner_idx"),
        ]

    def natural_key(self):
        return (self.client_id,)

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == self.AuthMethod.NONE

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def allows_grant_type(self, *grant_types: str) -> bool:
        """django-oauth-toolkit asks with its own grant names; answer from ``grant_types``."""
        return any(_DOT_GRANTS.get(grant, grant) in self.grant_types for grant in grant_types)

    def lifespan(self, field: str) -> int | None:
        value = (self.token_lifespans or {}).get(field)
        return int(value) if value is not None else None
