"""Set-based token revocation, shared by the services and the oauthlib adapter.

These functions write but own no transaction: they run inside the caller's (a service decorated
with :func:`ory_platform.db.retrying`, or the token endpoint's transaction around oauthlib).
Access tokens are deleted (an unknown token is an inactive one, RFC 7662 §2.2); refresh tokens
are marked revoked and kept until they expire, so a replay of one is recognised (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.utils import timezone

from oauth2_app.models import AccessToken, RefreshToken


def revoke_family(family: uuid.UUID | None) -> None:
    """Revoke every token descending from one authorization (a code, a device grant, a refresh chain)."""
    if not family:
        return
    now = timezone.now()
    RefreshToken.objects.filter(token_family=family, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(family=family).delete()


def revoke_refresh_token(refresh_token: RefreshToken) -> None:
    """Revoking a refresh token revokes the grant it belongs to (RFC 7009 §2.1)."""
    if refresh_token.token_family:
        revoke_family(refresh_token.token_family)
        return
    now = timezone.now()
    RefreshToken.objects.filter(pk=refresh_token.pk, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(pk=refresh_token.access_token_id).delete()


def revoke_access_token(access_token: AccessToken) -> None:
    """Revoke an access token and the refresh token bound to it (RFC 7009 §2.1 permits it; a live
    refresh token would mint a new access token at once)."""
    now = timezone.now()
    RefreshToken.objects.filter(access_token=access_token, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(pk=access_token.pk).delete()


def revoke_tokens(*, subject: str | None = None, client=None) -> None:
    """Revoke every token of a subject, of a client, or of a subject at one client."""
    if subject is None and client is None:
        raise ValueError("revoke_tokens needs a subject or a client")
    token_filter = Q()
    if subject is not None:
        token_filter &= Q(subject=subject)
    if client is not None:
        token_filter &= Q(application=client)
    now = timezone.now()
    RefreshToken.objects.filter(token_filter, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(token_filter).delete()
