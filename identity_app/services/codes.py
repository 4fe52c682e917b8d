"""Issuing and redeeming one-time codes and link tokens.

Codes are six random digits, links carry 256-bit tokens. Both are stored as an HMAC keyed with
a secret derived from ``SECRET_KEY`` and bound to the flow, so a leaked database row cannot be
turned back into a working code, and a code sent for one flow is useless in another.
Redemption locks the flow row: concurrent submissions of the same code cannot both win, and
the wrong-try counter cannot be outrun.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from identity_app.models import Flow, Identity, OneTimeCode
from ory_platform.db import retrying

CODE_DIGITS = 6


@dataclass(frozen=True)
class Redemption:
    """The outcome of submitting a code: the redeemed row, or ``None``; ``exhausted`` when the
    flow has used up its wrong tries and a new flow must be started."""

    row: OneTimeCode | None
    exhausted: bool = False


@dataclass(frozen=True)
class IssuedCode:
    row: OneTimeCode
    secret: str  # the code or token to send; never stored


def _key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"identity_app.one_time_codes", hashlib.sha256).digest()


def code_hash(flow_id, secret: str) -> str:
    normalized = secret.strip().replace(" ", "").replace("-", "")
    return hmac.new(_key(), f"{flow_id}:{normalized}".encode(), hashlib.sha256).hexdigest()


def _new_secret(purpose: str) -> str:
    if purpose == OneTimeCode.Purpose.RECOVERY_LINK:
        return secrets.token_urlsafe(32)
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@retrying
def code_issue(
    *,
    flow: Flow,
    purpose: str,
    address: str,
    identity: Identity | None = None,
    lifespan: int | None = None,
) -> IssuedCode:
    """A new code for ``flow``; earlier unused codes of the flow and purpose stop working."""
    now = timezone.now()
    OneTimeCode.objects.filter(flow=flow, purpose=purpose, used_at__isnull=True).update(used_at=now)
    secret = _new_secret(purpose)
    row = OneTimeCode.objects.create(
        flow=flow,
        purpose=purpose,
        identity=identity,
        address=address,
        code_hash=code_hash(flow.pk, secret),
        expires_at=now + timedelta(seconds=lifespan or settings.IDENTITY_CODE_LIFESPAN),
    )
    return IssuedCode(row=row, secret=secret)


@retrying
def code_redeem(*, flow: Flow, purpose: str, secret: str) -> Redemption:
    """Use ``secret`` once. A wrong, used or expired code counts as a wrong try; after
    ``IDENTITY_CODE_MAX_ATTEMPTS`` of them the flow is exhausted. ``flow.internal_context`` is
    refreshed from the locked row."""
    locked = Flow.objects.select_for_update().get(pk=flow.pk)
    context = dict(locked.internal_context or {})
    attempts = int(context.get("code_attempts", 0))
    if attempts >= settings.IDENTITY_CODE_MAX_ATTEMPTS:
        flow.internal_context = context
        return Redemption(row=None, exhausted=True)
    now = timezone.now()
    row = None
    if isinstance(secret, str) and 0 < len(secret) <= 128:
        row = (
            OneTimeCode.objects.select_related("identity")
            .filter(flow=locked, purpose=purpose, code_hash=code_hash(locked.pk, secret), used_at__isnull=True)
            .filter(expires_at__gt=now)
            .first()
        )
    if row is not None and OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        row.used_at = now
        flow.internal_context = context
        return Redemption(row=row)
    context["code_attempts"] = attempts + 1
    Flow.objects.filter(pk=locked.pk).update(internal_context=context, updated_at=now)
    flow.internal_context = context
    return Redemption(row=None, exhausted=attempts + 1 >= settings.IDENTITY_CODE_MAX_ATTEMPTS)


@retrying
def flow_remember(*, flow: Flow, **values) -> Flow:
    """Merge ``values`` into the flow's server-side ``internal_context``."""
    locked = Flow.objects.select_for_update().get(pk=flow.pk)
    context = {**(locked.internal_context or {}), **values}
    Flow.objects.filter(pk=flow.pk).update(internal_context=context, updated_at=timezone.now())
    flow.internal_context = context
    return flow


@retrying
def flow_forget(*, flow: Flow, key: str):
    """Remove ``key`` from the flow's ``internal_context``; returns the value it had."""
    locked = Flow.objects.select_for_update().get(pk=flow.pk)
    context = dict(locked.internal_context or {})
    value = context.pop(key, None)
    Flow.objects.filter(pk=flow.pk).update(internal_context=context, updated_at=timezone.now())
    flow.internal_context = context
    return value
