"""Deleting what has expired (Hydra's ``hydra janitor``): tokens, codes and device grants past their
expiry, and login, consent, logout and device requests nobody can use any more.

Every issued token is a row, so a busy machine-to-machine server adds millions of rows a day;
without a janitor the tables only grow. Tables are walked a page of keys at a time
(:func:`ory_platform.cleanup.delete_in_pages`), so no index on the expiry columns is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db.models import Model, Q
from django.utils import timezone

from oauth2_app.models import (
    AccessToken,
    AuthorizationCode,
    AuthorizationFlow,
    DeviceGrant,
    DeviceVerification,
    FlowState,
    IDToken,
    LoginSession,
    LogoutRequest,
    RefreshToken,
)
from ory_platform.cleanup import delete_in_pages

TOKENS = "tokens"
REQUESTS = "requests"


def _expired_before(field: str) -> Callable[[datetime], Q]:
    return lambda cutoff: Q(**{f"{field}__lt": cutoff})


def _expired_access_tokens(cutoff: datetime) -> Q:
    """Expired access tokens, except one whose refresh token can still be used: refreshing reads
    the scope it was issued with from it (django-oauth-toolkit's ``get_original_scopes``)."""
    refresh_token_done = (
        Q(refresh_token__isnull=True) | Q(refresh_token__revoked__isnull=False) | Q(refresh_token__expires__lt=cutoff)
    )
    return Q(expires__lt=cutoff) & refresh_token_done


def _finished_flows(cutoff: datetime) -> Q:
    """Flows past their expiry, except granted consents the user asked to be remembered (consent
    sessions, which let later requests skip the consent screen until they are revoked)."""
    remembered = Q(
        consent_remember=True,
        state__in=[FlowState.CONSENT_UNUSED, FlowState.CONSENT_USED],
        consent_error__isnull=True,
        consent_revoked_at__isnull=True,
    )
    return Q(expires_at__lt=cutoff) & ~remembered


# (what is deleted, the rows that may go given the cutoff), in an order that deletes what points
# at a row before the row itself.
_RULES: dict[str, list[tuple[type[Model], Callable[[datetime], Q]]]] = {
    TOKENS: [
        (AccessToken, _expired_access_tokens),
        (RefreshToken, _expired_before("expires")),
        (IDToken, _expired_before("expires")),
        (AuthorizationCode, _expired_before("expires")),
        (DeviceVerification, _expired_before("expires_at")),
        (DeviceGrant, _expired_before("expires")),
    ],
    REQUESTS: [
        (DeviceVerification, _expired_before("expires_at")),
        (AuthorizationFlow, _finished_flows),
        (LogoutRequest, _expired_before("expires_at")),
        (LoginSession, _expired_before("expires_at")),
    ],
}


def purge_expired(
    *, what: Iterable[str], keep_if_younger: timedelta = timedelta(0), batch_size: int = 1000
) -> dict[str, int]:
    """Delete the rows of ``what`` (``tokens``, ``requests``) that expired more than
    ``keep_if_younger`` ago; returns how many rows of each model went."""
    cutoff = timezone.now() - keep_if_younger
    deleted: dict[str, int] = {}
    for kind in what:
        for model, rule in _RULES[kind]:
            label = model._meta.label
            deleted[label] = deleted.get(label, 0) + delete_in_pages(model, rule(cutoff), batch_size=batch_size)
    return deleted
