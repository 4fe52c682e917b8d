"""Platform-level data: the API keys that guard the Ory admin APIs."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class ApiKey(models.Model):
    """A credential for the Ory admin APIs (``/admin/...``), sent as ``Authorization: Bearer <key>``.

    The key itself is never stored: ``prefix`` (public, part of the key) finds the row and
    ``secret_hash`` (SHA-256 of the whole key) proves it. Keys carry 256 random bits, so a fast
    hash is as safe as a slow one and keeps every admin request cheap. A revoked key stays for the
    audit trail; a name can be reused once its key is revoked.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, help_text="What or who uses this key.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(revoked_at__isnull=True), name="api_key_active_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
