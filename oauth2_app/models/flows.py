"""The login / consent / logout challenge protocol's data (Hydra's ``flow``, login sessions, logout requests)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class FlowState(models.IntegerChoices):
    """Hydra's flow states (``flow/flow.go``): where a browser is in login and consent."""

    LOGIN_INITIALIZED = 1, "Login requested"
    LOGIN_UNUSED = 2, "Login handled, verifier not yet used"
    LOGIN_USED = 3, "Login verifier used"
    CONSENT_INITIALIZED = 4, "Consent requested"
    CONSENT_UNUSED = 5, "Consent handled, verifier not yet used"
    CONSENT_USED = 6, "Consent verifier used"
    LOGIN_ERROR = 128, "Login rejected"
    CONSENT_ERROR = 129, "Consent rejected"


class AuthorizationFlow(models.Model):
    """One authorization request travelling through login and consent (Hydra's ``flow``).

    Created when ``/oauth2/auth`` (or the device verification page) has validated a request;
    the login app answers ``login_challenge``, the browser comes back with the login verifier,
    the consent app answers ``consent_challenge``, the browser comes back with the consent
    verifier and only then is a code issued. Verifiers are stored as SHA-256 and are single use;
    ``browser_hash`` binds the flow to the browser that started it (a cookie set by
    ``/oauth2/auth``), so a leaked verifier is useless elsewhere. A handled, remembered consent
    is a *consent session* (Hydra's ``GET /admin/oauth2/auth/sessions/consent``) until revoked.
    """

    class Kind(models.TextChoices):
        AUTHORIZATION = "authorization", "Authorization code (RFC 6749 §4.1)"
        DEVICE = "device", "Device authorization (RFC 8628)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.AUTHORIZATION)
    client = models.ForeignKey("oauth2_app.Client", on_delete=models.CASCADE, related_name="flows")
    state = models.PositiveSmallIntegerField(choices=FlowState.choices, default=FlowState.LOGIN_INITIALIZED)
    request_url = models.TextField()
    redirect_uri = models.TextField(blank=True, default="", help_text="The validated redirect URI (RFC 6749 §3.1.2).")
    client_state = models.TextField(blank=True, default="", help_text="The client's state parameter, echoed back.")
    requested_scope = models.JSONField(default=list, blank=True)
    requested_audience = models.JSONField(default=list, blank=True)
    oidc_context = models.JSONField(default=dict, blank=True)
    prompt = models.CharField(max_length=64, blank=True, default="")
    max_age = models.PositiveIntegerField(null=True, blank=True)
    browser_hash = models.CharField(max_length=64)
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    # Login (Hydra's HandledLoginRequest).
    login_challenge = models.CharField(max_length=64, unique=True)
    login_verifier_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    login_skip = models.BooleanField(default=False)
    login_session_id = models.UUIDField(default=uuid.uuid4)
    subject = models.CharField(max_length=255, blank=True, default="")
    login_remember = models.BooleanField(default=False)
    login_remember_for = models.PositiveIntegerField(default=0)
    login_extend_session_lifespan = models.BooleanField(default=False)
    authenticated_at = models.DateTimeField(null=True, blank=True)
    acr = models.CharField(max_length=255, blank=True, default="")
    amr = models.JSONField(default=list, blank=True)
    context = models.JSONField(default=dict, blank=True)
    identity_provider_session_id = models.CharField(max_length=255, blank=True, default="")
    login_error = models.JSONField(null=True, blank=True)

    # Consent (Hydra's AcceptOAuth2ConsentRequest).
    consent_challenge = models.CharField(max_length=64, null=True, blank=True, unique=True)
    consent_verifier_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    consent_skip = models.BooleanField(default=False)
    granted_scope = models.JSONField(default=list, blank=True)
    granted_audience = models.JSONField(default=list, blank=True)
    consent_remember = models.BooleanField(default=False)
    consent_remember_for = models.PositiveIntegerField(null=True, blank=True)
    consent_handled_at = models.DateTimeField(null=True, blank=True)
    consent_error = models.JSONField(null=True, blank=True)
    session_id_token = models.JSONField(default=dict, blank=True)
    session_access_token = models.JSONField(default=dict, blank=True)
    consent_revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "oauth2_flows"
        ordering = ["-requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=[s.value for s in FlowState]), name="oauth2_flow_state_valid"),
            models.CheckConstraint(condition=Q(kind__in=["authorization", "device"]), name="oauth2_flow_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["subject", "client", "state"], name="oauth2_flow_subject_idx"),
            models.Index(fields=["login_session_id"], name="oauth2_flow_session_idx"),
            models.Index(fields=["expires_at"], name="oauth2_flow_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client} ({self.get_state_display()})"

    @property
    def consent_granted(self) -> bool:
        return self.state in (FlowState.CONSENT_UNUSED, FlowState.CONSENT_USED) and not self.consent_error


class ConsentSession(AuthorizationFlow):
    """A granted consent (the console's view of flows whose consent was accepted)."""

    class Meta:
        proxy = True
        verbose_name = "consent session"


class LoginSession(models.Model):
    """An authentication session at the authorization server (OpenID Connect's ``sid``; Hydra's
    ``authentication session``). A remembered session lets later authorization requests skip
    the login UI (the login request then has ``skip: true``); the browser holds its id in a
    signed cookie. Deleting the row (logout, revocation) ends it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField(max_length=255)
    authenticated_at = models.DateTimeField()
    remember = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    identity_provider_session_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "oauth2_login_sessions"
        ordering = ["-authenticated_at"]
        indexes = [models.Index(fields=["subject"], name="oauth2_login_session_sub_idx")]

    def __str__(self) -> str:
        return f"Login session of {self.subject}"


class ChallengeRequest(models.Model):
    """A browser step another app completes through the admin API: it is named by a single-use
    ``challenge``, and accepting it yields a single-use verifier stored only as its SHA-256
    (``verifier_hash``, cleared once redeemed), both expiring at ``expires_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    challenge = models.CharField(max_length=64, unique=True)
    verifier_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        abstract = True


class LogoutRequest(ChallengeRequest):
    """An OpenID Connect RP-initiated (or OP-initiated) logout waiting for the logout app
    (OpenID Connect RP-Initiated Logout 1.0 §2; Hydra's ``logout_challenge``)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the logout app"
        ACCEPTED = "accepted", "Accepted, verifier not yet used"
        REJECTED = "rejected", "Rejected"
        USED = "used", "Completed"

    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    subject = models.CharField(max_length=255)
    login_session_id = models.UUIDField()
    client = models.ForeignKey("oauth2_app.Client", on_delete=models.CASCADE, null=True, blank=True)
    request_url = models.TextField()
    rp_initiated = models.BooleanField(default=False)
    post_logout_redirect_uri = models.TextField()

    class Meta:
        db_table = "oauth2_logout_requests"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "rejected", "used"]), name="oauth2_logout_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Logout of {self.subject}"


class DeviceVerification(ChallengeRequest):
    """A browser at the device verification URL before it has named its user code (Hydra's
    ``device_challenge``), used when ``OAUTH2_DEVICE_VERIFICATION_URL`` names an external device
    UI: ``/oauth2/device/verify`` creates it and sends the browser there; the UI accepts the user
    code through ``PUT /admin/oauth2/auth/requests/device/accept`` and sends the browser back with
    the device verifier, which (once, from the same browser) starts login and consent for the
    device grant the code belongs to. Wrong codes are counted: after
    ``OAUTH2_DEVICE_VERIFY_ATTEMPTS`` of them the challenge takes no more (RFC 8628 §5.1)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the user code"
        ACCEPTED = "accepted", "User code accepted, verifier not yet used"
        USED = "used", "Verifier used"

    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    browser_hash = models.CharField(max_length=64)
    device_grant = models.ForeignKey(
        "oauth2_app.DeviceGrant", on_delete=models.CASCADE, null=True, blank=True, related_name="verifications"
    )
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "oauth2_device_verifications"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "used"]), name="oauth2_device_verification_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="oauth2_device_verif_exp_idx")]

    def __str__(self) -> str:
        return f"Device verification ({self.get_state_display()})"
