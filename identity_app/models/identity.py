"""Identity data: who a user is. Secrets never live on the identity itself."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q


class IdentityManager(BaseUserManager):
    def get_by_natural_key(self, identity_id):
        return self.get(pk=identity_id)


class Identity(AbstractBaseUser, PermissionsMixin):
    """A person (or machine) known to the platform: Kratos' ``identity``.

    ``traits`` hold what the identity schema (``schema_id``) describes, such as e-mail and name;
    ``metadata_public`` is readable by the identity itself, ``metadata_admin`` only through the
    admin API. Passwords and other secrets live in ``identity_credentials``, never here, so the
    ``password`` column of Django's base user is removed. ``is_staff`` lets the identity into the
    staff console. See https://www.ory.sh/docs/kratos/manage-identities/overview.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    password = None  # secrets live in identity_credentials

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    schema_id = models.CharField(max_length=64, default="default")
    traits = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    metadata_public = models.JSONField(null=True, blank=True)
    metadata_admin = models.JSONField(null=True, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    is_staff = models.BooleanField(default=False, help_text="Whether this identity may sign in to the staff console.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdentityManager()

    USERNAME_FIELD = "id"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "identities"
        verbose_name = "identity"
        verbose_name_plural = "identities"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["active", "inactive"]), name="identity_state_valid"),
        ]
        indexes = [models.Index(fields=["created_at", "id"], name="identity_created_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_active(self) -> bool:  # Django's auth machinery asks this
        return self.state == self.State.ACTIVE

    @property
    def display_name(self) -> str:
        traits = self.traits if isinstance(self.traits, dict) else {}
        name = traits.get("name") if isinstance(traits.get("name"), dict) else {}
        full = " ".join(part for part in (name.get("first"), name.get("last")) if part)
        return full or str(traits.get("email") or traits.get("username") or self.id)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class AddressVia(models.TextChoices):
    EMAIL = "email", "E-mail"


class VerifiableAddress(models.Model):
    """An address (e-mail) taken from the identity's traits that the identity can prove it owns.

    Which traits are verifiable is declared by the identity schema (``ory.sh/kratos.verification``).
    Kratos' ``identity_verifiable_addresses``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="verifiable_addresses")
    value = models.CharField(max_length=400)
    via = models.CharField(max_length=16, choices=AddressVia.choices, default=AddressVia.EMAIL)
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "identity_verifiable_addresses"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["via", "value"], name="verifiable_address_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "completed"]), name="verifiable_address_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.value


class RecoveryAddress(models.Model):
    """An address (e-mail) through which the identity can regain access to a lost account.

    Declared by the identity schema (``ory.sh/kratos.recovery``). Kratos' ``identity_recovery_addresses``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="recovery_addresses")
    value = models.CharField(max_length=400)
    via = models.CharField(max_length=16, choices=AddressVia.choices, default=AddressVia.EMAIL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "identity_recovery_addresses"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["via", "value"], name="recovery_address_unique")]

    def __str__(self) -> str:
        return self.value
