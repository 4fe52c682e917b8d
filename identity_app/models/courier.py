"""Outgoing e-mail: Kratos' courier messages and their delivery attempts."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CourierMessage(models.Model):
    """One e-mail to one recipient, queued in the same transaction as the flow step that caused
    it and delivered after commit (or by ``manage.py courier``). Kratos' ``courier_messages``."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        SENT = "sent", "Sent"
        ABANDONED = "abandoned", "Abandoned"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=16, default="email")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    recipient = models.CharField(max_length=400)
    subject = models.CharField(max_length=400)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    template_type = models.CharField(max_length=64)
    send_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "courier_messages"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="courier_due_idx"),
            models.Index(fields=["recipient"], name="courier_recipient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "processing", "sent", "abandoned"]), name="courier_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_type} to {self.recipient}"


class CourierDispatch(models.Model):
    """One attempt to deliver a message: success, or the error the mail server gave."""

    class Status(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(CourierMessage, on_delete=models.CASCADE, related_name="dispatches")
    status = models.CharField(max_length=16, choices=Status.choices)
    error = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "courier_message_dispatches"
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.status} dispatch"
