"""One-time codes and links, and the errors shown to people at the end of a failed flow."""

from __future__ import annotations

import uuid

from django.db import models


class OneTimeCode(models.Model):
    """A code (six digits) or link token sent to an address to prove the recipient controls it.

    Only an HMAC of the code, keyed with a server secret and bound to the flow, is stored, so a
    copy of the database does not reveal live codes. A code works once (``used_at``), until
    ``expires_at``, and only within its flow, which allows ``IDENTITY_CODE_MAX_ATTEMPTS`` wrong tries.
    """

    class Purpose(models.TextChoices):
        RECOVERY = "recovery", "Recovery code"
        RECOVERY_LINK = "recovery_link", "Recovery link"
        VERIFICATION = "verification", "Verification code"
        LOGIN = "login", "Login code"
        REGISTRATION = "registration", "Registration code"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    flow = models.ForeignKey("identity_app.Flow", on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    identity = models.ForeignKey(
        "identity_app.Identity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    address = models.CharField(max_length=400)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "selfservice_codes"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["flow", "purpose", "code_hash"], name="code_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} code"


class SelfServiceError(models.Model):
    """An error a browser was redirected to show (``/error?id=``), Kratos' ``selfservice_errors``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    error = models.JSONField()
    seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "selfservice_errors"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="selfservice_error_created_idx")]

    def __str__(self) -> str:
        return str(self.error.get("id") or self.error.get("message") or self.pk)
