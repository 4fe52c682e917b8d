"""How an identity proves who it is: Kratos' ``identity_credentials`` and their identifiers."""

from __future__ import annotations

import uuid

from django.db import models

from identity_app.models.identity import Identity


class CredentialType(models.TextChoices):
    PASSWORD = "password", "Password"
    TOTP = "totp", "TOTP"
    LOOKUP_SECRET = "lookup_secret", "Lookup secrets"
    WEBAUTHN = "webauthn", "WebAuthn"
    PASSKEY = "passkey", "Passkey"
    CODE = "code", "One-time code"
    OIDC = "oidc", "OpenID Connect"


class Credential(models.Model):
    """One way for an identity to authenticate, e.g. its password.

    ``config`` holds what the method needs to check a proof (for a password, the hash in
    ``hashed_password``; never the secret itself). An identity has at most one credential per
    type; ``identifiers`` say which user-typed values (e-mail, username) select it.
    See https://www.ory.sh/docs/kratos/concepts/credentials.
    """

    Type = CredentialType

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="credentials")
    type = models.CharField(max_length=32, choices=CredentialType.choices)
    config = models.JSONField(default=dict, blank=True)
    version = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "identity_credentials"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["identity", "type"], name="credential_one_per_type")]

    def __str__(self) -> str:
        return f"{self.type} credential"


class CredentialIdentifier(models.Model):
    """A normalised identifier (trimmed; e-mail addresses lower-cased) that selects a credential.

    Unique per credential type across all identities: two identities cannot sign in with a
    password under the same e-mail address. ``type`` repeats the credential's type so the
    database can enforce that.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="identifiers")
    type = models.CharField(max_length=32, choices=CredentialType.choices)
    identifier = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "identity_credential_identifiers"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["type", "identifier"], name="credential_identifier_unique"),
        ]

    def __str__(self) -> str:
        return self.identifier
