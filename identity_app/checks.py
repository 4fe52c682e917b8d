"""System checks for the second-factor settings: a typo must stop the process, not weaken MFA."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from identity_app.flows.aal import REQUIRED_AAL_VALUES


@register(Tags.security)
def check_mfa_settings(app_configs, **kwargs):
    errors = []
    for name in ("IDENTITY_MFA_WHOAMI_REQUIRED_AAL", "IDENTITY_MFA_SETTINGS_REQUIRED_AAL"):
        value = getattr(settings, name)
        if value not in REQUIRED_AAL_VALUES:
            errors.append(
                Error(f"{name} must be one of {', '.join(REQUIRED_AAL_VALUES)}, got {value!r}.", id="identity_app.E001")
            )
    if any(len(key) < 32 for key in settings.IDENTITY_MFA_ENCRYPTION_KEYS):
        errors.append(
            Error("Each IDENTITY_MFA_ENCRYPTION_KEYS entry must be at least 32 characters.", id="identity_app.E002")
        )
    if not settings.IDENTITY_WEBAUTHN_RP_ID or not settings.IDENTITY_WEBAUTHN_ORIGINS:
        errors.append(
            Error("IDENTITY_WEBAUTHN_RP_ID and IDENTITY_WEBAUTHN_ORIGINS must not be empty.", id="identity_app.E003")
        )
    return errors
