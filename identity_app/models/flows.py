"""Self-service flows: one row per sign-up, sign-in, settings, recovery or verification attempt."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class FlowKind(models.TextChoices):
    LOGIN = "login", "Login"
    REGISTRATION = "registration", "Registration"
    SETTINGS = "settings", "Settings"
    RECOVERY = "recovery", "Recovery"
    VERIFICATION = "verification", "Verification"


class FlowType(models.TextChoices):
    """``browser`` flows answer with redirects and HTML pages and are CSRF-protected; ``api``
    flows (native apps) answer in JSON and never use cookies."""

    API = "api", "API"
    BROWSER = "browser", "Browser"


class Flow(models.Model):
    """A self-service flow: Kratos' login / registration / settings / recovery / verification flow.

    ``ui`` is Kratos' UI container (``action``, ``method``, ``nodes``, ``messages``): the same nodes
    render the HTML page and the JSON that apps receive. ``internal_context`` keeps what the
    server needs between steps and never leaves it (e.g. which recovery code was sent).
    See https://www.ory.sh/docs/kratos/self-service.
    """

    Kind = FlowKind
    Type = FlowType

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=FlowKind.choices)
    type = models.CharField(max_length=8, choices=FlowType.choices)
    state = models.CharField(max_length=32, default="choose_method")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    request_url = models.TextField()
    return_to = models.TextField(blank=True)
    requested_aal = models.CharField(max_length=8, default="aal1")
    refresh = models.BooleanField(default=False)
    active = models.CharField(max_length=32, blank=True, help_text="The method in use, once one was submitted.")
    identity = models.ForeignKey(
        "identity_app.Identity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "identity_app.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    schema_id = models.CharField(max_length=64, blank=True)
    oauth2_login_challenge = models.CharField(max_length=2048, blank=True)
    ui = models.JSONField(default=dict)
    internal_context = models.JSONField(default=dict, blank=True)
    transient_payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "selfservice_flows"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["expires_at"], name="flow_expires_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=["api", "browser"]), name="flow_type_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["login", "registration", "settings", "recovery", "verification"]),
                name="flow_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} flow {self.id}"
