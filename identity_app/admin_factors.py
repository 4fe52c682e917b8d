"""The console's view of second factors and passkeys: which ones an identity has, and a staff action
to remove one (a lost phone or key). Removals go through :func:`factor_remove_by_staff`, which
records who removed what, and when, in the identity's history."""

from __future__ import annotations

from django.contrib import admin, messages

from identity_app.factors import factor_summary
from identity_app.models import Credential, Identity
from identity_app.services.mfa import factor_remove_by_staff
from identity_app.services.webauthn_keys import WouldLockOut


class IdentityFactorsAdminMixin:
    """For :class:`identity_app.admin.IdentityAdmin`: a ``factors`` column and removal actions."""

    factor_actions = ["remove_totp", "remove_lookup_secret", "remove_webauthn", "remove_passkey"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credentials")

    @admin.display(description="factors")
    def factors(self, identity: Identity) -> str:
        return ", ".join(factor_summary(identity)) or "—"

    def _remove_factor(self, request, queryset, credential_type: str) -> None:
        label = Credential.Type(credential_type).label
        removed, kept = 0, []
        for identity in queryset:
            try:
                removed += factor_remove_by_staff(
                    identity_id=identity.pk, credential_type=credential_type, staff_identity_id=request.user.pk
                )
            except WouldLockOut:
                kept.append(identity.display_name)
        self.message_user(request, f"Removed {label} from {removed} identit{'y' if removed == 1 else 'ies'}.")
        if kept:
            self.message_user(
                request,
                f"Kept {label} of {', '.join(kept)}: it is their only way to sign in.",
                messages.WARNING,
            )

    @admin.action(description="Remove the authenticator app (TOTP) of selected identities", permissions=["change"])
    def remove_totp(self, request, queryset):
        self._remove_factor(request, queryset, Credential.Type.TOTP)

    @admin.action(description="Remove the backup codes of selected identities", permissions=["change"])
    def remove_lookup_secret(self, request, queryset):
        self._remove_factor(request, queryset, Credential.Type.LOOKUP_SECRET)

    @admin.action(description="Remove the security keys of selected identities", permissions=["change"])
    def remove_webauthn(self, request, queryset):
        self._remove_factor(request, queryset, Credential.Type.WEBAUTHN)

    @admin.action(description="Remove the passkeys of selected identities", permissions=["change"])
    def remove_passkey(self, request, queryset):
        self._remove_factor(request, queryset, Credential.Type.PASSKEY)
