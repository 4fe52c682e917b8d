"""System checks for deployment mistakes Django's own checks do not see."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_public_url(app_configs, **kwargs):
    warnings = []
    if not settings.PUBLIC_URL_IS_HTTPS:
        warnings.append(
            Warning(
                "PUBLIC_URL is not https: session cookies, OAuth2 redirects and WebAuthn need TLS in production.",
                id="ory_platform.W001",
            )
        )
    return warnings
