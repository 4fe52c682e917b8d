"""Throttling of failed attempts (Kratos has none: ory/kratos#654).

Failures are counted per identifier (e-mail, username) and per client IP in fixed windows in
Django's cache (process memory by default, Redis with ``CACHE_URL`` so every worker shares the
counts). An identifier is counted whether or not an account has it, and the answer over the
limit is the same either way, so throttling reveals nothing about who exists. A success resets
the identifier's count (not the IP's: one address spraying many accounts stays limited).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from identity_app.identifiers import normalize_identifier
from ory_platform.errors import TooManyRequests


class Throttled(TooManyRequests):
    error_id = "too_many_requests"
    default_message = "Too many attempts. Please wait before trying again."

    def __init__(self, retry_after: int):
        super().__init__(
            reason=f"Too many attempts; try again in {retry_after} seconds.", headers={"Retry-After": str(retry_after)}
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: int  # seconds


def _limits(scope: str) -> dict[str, Limit]:
    configured = settings.IDENTITY_THROTTLE.get(scope, {})
    return {kind: Limit(*value) for kind, value in configured.items()}


def _key(scope: str, kind: str, value: str, window: int) -> tuple[str, int]:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]  # identifiers are not kept in the cache in clear
    return f"throttle:{scope}:{kind}:{digest}:{bucket}", (bucket + 1) * window - int(time.time())


def _subjects(identifier: str | None, ip: str | None) -> dict[str, str]:
    subjects = {}
    if identifier:
        subjects["per_identifier"] = normalize_identifier(identifier)
    if ip:
        subjects["per_ip"] = ip
    return subjects


def check(scope: str, *, identifier: str | None = None, ip: str | None = None) -> None:
    """Raise :class:`Throttled` if this identifier or IP used up its failures in ``scope``."""
    if not settings.IDENTITY_THROTTLE_ENABLED:
        return
    for kind, value in _subjects(identifier, ip).items():
        limit = _limits(scope).get(kind)
        if limit is None:
            continue
        key, remaining = _key(scope, kind, value, limit.window)
        if (cache.get(key) or 0) >= limit.attempts:
            raise Throttled(max(remaining, 1))


def record_failure(scope: str, *, identifier: str | None = None, ip: str | None = None) -> None:
    if not settings.IDENTITY_THROTTLE_ENABLED:
        return
    for kind, value in _subjects(identifier, ip).items():
        limit = _limits(scope).get(kind)
        if limit is None:
            continue
        key, _ = _key(scope, kind, value, limit.window)
        cache.add(key, 0, timeout=limit.window + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=limit.window + 1)


def record_success(scope: str, *, identifier: str | None = None) -> None:
    """Forget the identifier's failures after it succeeded."""
    if not identifier:
        return
    limit = _limits(scope).get("per_identifier")
    if limit is None:
        return
    key, _ = _key(scope, "per_identifier", normalize_identifier(identifier), limit.window)
    cache.delete(key)
