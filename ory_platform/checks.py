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


@register(Tags.security, deploy=True)
def check_pkce_policy(app_configs, **kwargs):
    """django-oauth-toolkit's own deploy check sees PKCE_REQUIRED, which stays on: the policy for
    confidential clients is ``OAUTH2_PKCE_ENFORCED``, read by the OAuth2 validator."""
    if settings.OAUTH2_PKCE_ENFORCED == "all":
        return []
    return [
        Warning(
            "OAUTH2_PKCE_ENFORCED=public: confidential clients may skip PKCE (RFC 9700 §2.1.1 asks it of all).",
            hint="Leave OAUTH2_PKCE_ENFORCED unset once every confidential client sends a code_challenge.",
            id="ory_platform.W002",
        )
    ]
