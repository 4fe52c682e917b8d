"""Signing keys for ID tokens (RFC 7517 JSON Web Keys)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

ID_TOKEN_KEY_SET = "hydra.openid.id-token"


class SigningKey(models.Model):
    """An RS256 key pair that signs ID tokens (RFC 7515, RFC 7518 §3.3).

    The private key is stored encrypted (AES-256-GCM under a key derived from
    ``OAUTH2_KEY_ENCRYPTION_SECRET``), the public half as a JWK. Exactly one key per set is
    ``active`` and signs; ``retired`` keys still appear in the JWKS until ``publish_until`` so
    tokens they signed can be verified (RFC 7517 §5, key rotation).
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active: signs new tokens"
        RETIRED = "retired", "Retired: published for verification only"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key_set = models.CharField(max_length=64, default=ID_TOKEN_KEY_SET)
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=16, default="RS256")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    publish_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "oauth2_signing_keys"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_set"], condition=Q(state="active"), name="oauth2_signing_key_one_active"
            ),
            models.CheckConstraint(condition=Q(state__in=["active", "retired"]), name="oauth2_signing_key_state"),
            models.CheckConstraint(condition=Q(algorithm="RS256"), name="oauth2_signing_key_alg"),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.state})"
