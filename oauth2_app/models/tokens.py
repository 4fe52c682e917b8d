"""Codes and tokens: django-oauth-toolkit's swappable models, with UUID keys and Hydra's fields.

Each class stands in for one of django-oauth-toolkit's models (see the ``OAUTH2_PROVIDER_*_MODEL``
settings), so oauthlib keeps doing the protocol while the rows carry what Hydra needs: the
``subject`` (an opaque string, as in Hydra; ``user`` is also set when the subject is an identity
id), the granted ``audience``, the consent's session claims (``extra``) and the ``family``
every token descending from one authorization shares, so replays can revoke them together.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractDeviceGrant,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)
from oauth2_provider.settings import oauth2_settings


def _nullable_user(related_name: str = "%(app_label)s_%(class)s", *, db_index: bool = True) -> models.ForeignKey:
    # Hydra's subject need not be an identity (an external login app may sign in anyone), so
    # the identity link django-oauth-toolkit requires is optional here.
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
        db_index=db_index,
    )


class SparseOneToOneField(models.OneToOneField):
    """A nullable one-to-one link that most rows leave empty.

    To Python it is a ``OneToOneField`` (the same accessors both ways). In the database the column
    carries no ``UNIQUE`` of its own: the model declares a unique constraint over the rows that
    set it (:func:`unique_where_set`). Both allow one row per target; the partial one keeps the
    empty rows out of the index, so inserting them writes one index entry fewer. (Reverse
    ``select_related`` needs a column-level ``UNIQUE`` and is not available through such a link.)
    """

    def __init__(self, *args, **kwargs):
        kwargs["db_index"] = False
        super().__init__(*args, **kwargs)
        self._unique = False


def unique_where_set(field_name: str, name: str) -> models.UniqueConstraint:
    """The uniqueness of a :class:`SparseOneToOneField`: among the rows that set it."""
    return models.UniqueConstraint(fields=[field_name], condition=Q(**{f"{field_name}__isnull": False}), name=name)


class AuthorizationCode(AbstractGrant):
    """An authorization code (RFC 6749 §4.1.2) waiting to be redeemed at the token endpoint.

    ``code`` holds the SHA-256 of the code, never the code. A redeemed code keeps its row with
    ``redeemed_at`` set, so a second redemption is recognised as a replay and the tokens issued
    from it (its ``family``) are revoked (RFC 6749 §4.1.2, RFC 9700 §4.5).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = _nullable_user()
    subject = models.CharField(max_length=255, default="", blank=True)
    family = models.UUIDField(default=uuid.uuid4, editable=False)
    flow = models.ForeignKey(
        "oauth2_app.AuthorizationFlow", on_delete=models.SET_NULL, null=True, blank=True, related_name="codes"
    )
    audience = models.JSONField(default=list, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractGrant.Meta):
        db_table = "oauth2_authorization_codes"
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class AccessToken(AbstractAccessToken):
    """An opaque access token (RFC 6749 §1.4), stored as its SHA-256 only (RFC 9700 §4.14)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = _nullable_user(db_index=False)  # indexed below, where set
    # NULL for a token issued to the client itself (client credentials), which has no subject.
    subject = models.CharField(max_length=255, null=True, blank=True)
    family = models.UUIDField(null=True, blank=True)
    # django-oauth-toolkit's one-to-one links, set on few rows (a refreshed token; ID tokens are
    # not linked to access tokens here), with their uniqueness declared below.
    source_refresh_token = SparseOneToOneField(
        oauth2_settings.REFRESH_TOKEN_MODEL,
        on_delete=models.SET_NULL,
        blank=True,
        null=True,
        related_name="refreshed_access_token",
        verbose_name=_("source refresh token"),
    )
    id_token = SparseOneToOneField(
        oauth2_settings.ID_TOKEN_MODEL,
        on_delete=models.CASCADE,
        blank=True,
        null=True,
        related_name="access_token",
        verbose_name=_("ID token"),
    )
    audience = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="The consent's session.access_token claims.")
    id_token_claims = models.JSONField(default=dict, blank=True, help_text="The consent's session.id_token claims.")
    login_session_id = models.UUIDField(null=True, blank=True)

    class Meta(AbstractAccessToken.Meta):
        db_table = "oauth2_access_tokens"
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"
        # A client-credentials token (the bulk of the table on a busy machine-to-machine server)
        # has no identity, subject, family, source refresh token or ID token: partial indexes
        # keep it out of all five, one index entry fewer to write per token each, and lookups
        # (always by a value, which implies IS NOT NULL) use them all the same.
        indexes = [
            models.Index(fields=["user"], name="oauth2_at_user_idx", condition=Q(user__isnull=False)),
            models.Index(fields=["family"], name="oauth2_at_family_idx", condition=Q(family__isnull=False)),
            models.Index(
                fields=["subject", "application"], name="oauth2_at_subject_idx", condition=Q(subject__isnull=False)
            ),
        ]
        constraints = [
            unique_where_set("source_refresh_token", "oauth2_at_source_refresh_token_uniq"),
            unique_where_set("id_token", "oauth2_at_id_token_uniq"),
        ]


class RefreshToken(AbstractRefreshToken):
    """A refresh token (RFC 6749 §1.5), rotated on every use; reusing a rotated one revokes the
    whole ``token_family`` (RFC 9700 §4.14.2). ``expires`` is the client's refresh lifespan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = _nullable_user()
    subject = models.CharField(max_length=255, default="", blank=True)
    audience = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    id_token_claims = models.JSONField(default=dict, blank=True)
    login_session_id = models.UUIDField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractRefreshToken.Meta):
        db_table = "oauth2_refresh_tokens"
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"
        indexes = [
            *AbstractRefreshToken.Meta.indexes,
            models.Index(fields=["subject", "application"], name="oauth2_rt_subject_idx"),
        ]


class IDToken(AbstractIDToken):
    """An OpenID Connect ID token (OpenID Connect Core §2) issued alongside an access token."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField(max_length=255, default="", blank=True)

    class Meta(AbstractIDToken.Meta):
        db_table = "oauth2_id_tokens"
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class DeviceGrant(AbstractDeviceGrant):
    """A device authorization (RFC 8628 §3.2): the device code (its SHA-256), the user code and
    where the user is in approving it. The user approves through the same login and consent
    challenges as the authorization code flow (``flow``); redeeming it once sets ``redeemed_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField(max_length=255, default="", blank=True)
    family = models.UUIDField(default=uuid.uuid4, editable=False)
    flow = models.ForeignKey(
        "oauth2_app.AuthorizationFlow", on_delete=models.SET_NULL, null=True, blank=True, related_name="device_grants"
    )
    audience = models.JSONField(default=list, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractDeviceGrant.Meta):
        db_table = "oauth2_device_grants"
        swappable = "OAUTH2_PROVIDER_DEVICE_GRANT_MODEL"
        indexes = [models.Index(fields=["user_code", "status"], name="oauth2_device_user_code_idx")]
