"""Sessions: proof that an identity signed in, carried by a cookie (browsers) or a token (apps)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from identity_app.models.identity import Identity


class AuthenticatorAssuranceLevel(models.TextChoices):
    """How strongly the session's identity was authenticated (NIST SP 800-63B)."""

    AAL0 = "aal0", "No authentication"
    AAL1 = "aal1", "Single factor"
    AAL2 = "aal2", "Two factors"
    AAL3 = "aal3", "Hardware-bound factors"


class Session(models.Model):
    """A signed-in identity: Kratos' ``session``.

    The session token is never stored: ``token_hash`` is its SHA-256 (tokens carry 256 random
    bits, so a fast hash suffices and lookups stay one indexed query). ``authentication_methods``
    lists every completed factor as ``{"method", "aal", "completed_at"}``; the assurance level
    follows from them. A browser holds the token in an HttpOnly cookie, an app sends it as
    ``X-Session-Token`` or ``Authorization: Bearer``.
    See https://www.ory.sh/docs/kratos/session-management/overview.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    logout_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    authenticated_at = models.DateTimeField(default=timezone.now)
    aal = models.CharField(
        max_length=8, choices=AuthenticatorAssuranceLevel.choices, default=AuthenticatorAssuranceLevel.AAL1
    )
    authentication_methods = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sessions"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["identity", "active"], name="session_identity_active_idx"),
            models.Index(fields=["expires_at"], name="session_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"session {self.id}"

    def is_valid(self, now=None) -> bool:
        """Active, not expired, and its identity may still sign in."""
        now = now or timezone.now()
        return self.active and self.expires_at > now and self.identity.is_active


class SessionDevice(models.Model):
    """Where a session was used from: IP address and user agent, as Kratos' ``session_devices``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="devices")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    location = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "session_devices"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ip_address or '?'} · {self.user_agent[:40]}"
