"""API keys for the Ory admin APIs: issuing, revoking and verifying them.

A key looks like ``ory_ak_<prefix>_<secret>``: ``prefix`` (10 characters) locates the row,
the whole key's SHA-256 proves it. The key is returned once, by :func:`api_key_create`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ory_platform.db import retrying
from ory_platform.errors import Conflict, NotFound
from ory_platform.models import ApiKey
from ory_platform.queries import as_uuid, aware, fetch_one

logger = logging.getLogger(__name__)

KEY_PREFIX = "ory_ak_"
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_PREFIX_LENGTH = 10
# A well-formed key that matches no row is still hashed and compared, so an unknown
# prefix costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"ory-platform-dummy-api-key").hexdigest()


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    secret: str  # the whole key; shown once, never stored


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _split(key: str) -> str | None:
    """The prefix of a well-formed key, or ``None``."""
    if not key.startswith(KEY_PREFIX):
        return None
    rest = key[len(KEY_PREFIX) :]
    prefix, sep, secret = rest.partition("_")
    if not sep or len(prefix) != _PREFIX_LENGTH or len(secret) < 32 or len(key) > 128:
        return None
    return prefix


@retrying
def api_key_create(*, name: str) -> IssuedApiKey:
    """Issue a new key called ``name``; refuses a name already used by an active key."""
    name = name.strip()
    if not name:
        raise ValueError("An API key needs a name.")
    if ApiKey.objects.filter(name=name, revoked_at__isnull=True).exists():
        raise Conflict(f"An active API key named {name!r} already exists.", error_id="api_key_exists")
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_LENGTH))
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(name=name, prefix=prefix, secret_hash=_hash(key))
    return IssuedApiKey(api_key=api_key, secret=key)


@retrying
def api_key_revoke(*, name: str | None = None, api_key_id=None) -> ApiKey:
    """Revoke the active key with this name (or id). It stops working at once in this process and
    within ``API_KEY_CACHE_SECONDS`` in every other."""
    active = ApiKey.objects.select_for_update().filter(revoked_at__isnull=True)
    api_key = active.filter(pk=api_key_id).first() if api_key_id else active.filter(name=name).first()
    if api_key is None:
        raise NotFound(f"No active API key named {name!r}." if name else "No such active API key.")
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    _verified.pop(api_key.secret_hash, None)  # evicting early is harmless if this rolls back
    return api_key


def _api_key_by_prefix(prefix: str) -> ApiKey | None:
    """Every admin request reads its key: one indexed SELECT, without the ORM's query compilation."""
    table = ApiKey._meta.db_table
    row = fetch_one(
        f"SELECT id, name, secret_hash, created_at, last_used_at, revoked_at FROM {table} WHERE prefix = %s",  # noqa: S608
        [prefix],
    )
    if row is None:
        return None
    key_id, name, secret_hash, created_at, last_used_at, revoked_at = row
    api_key = ApiKey(
        id=as_uuid(key_id),
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        created_at=aware(created_at),
        last_used_at=aware(last_used_at),
        revoked_at=aware(revoked_at),
    )
    api_key._state.adding = False
    api_key._state.db = "default"
    return api_key


# Keys verified in this process are remembered for API_KEY_CACHE_SECONDS, by the hash of the
# whole key, so a busy admin client costs no database read per request. Revoking a key forgets it
# here at once; other processes stop accepting it when their entry expires.
_verified: dict[str, tuple[float, ApiKey]] = {}
_VERIFIED_MAX = 1024


def _remembered(digest: str) -> ApiKey | None:
    entry = _verified.get(digest)
    if entry is None or entry[0] <= time.monotonic():
        return None
    return entry[1]


def _remember(digest: str, api_key: ApiKey) -> None:
    if settings.API_KEY_CACHE_SECONDS <= 0:
        return
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[digest] = (time.monotonic() + settings.API_KEY_CACHE_SECONDS, api_key)


def forget_verified_keys() -> None:
    _verified.clear()


def api_key_verify(key: str) -> ApiKey | None:
    """The active key matching ``key``, or ``None``. Constant-time over the secret."""
    prefix = _split(key)
    if prefix is None:
        return None
    digest = _hash(key)
    remembered = _remembered(digest)
    if remembered is not None:
        return remembered
    api_key = _api_key_by_prefix(prefix)
    expected = api_key.secret_hash if api_key else _DUMMY_HASH
    if not hmac.compare_digest(expected, digest) or api_key is None or not api_key.is_active:
        return None
    _remember(digest, api_key)
    return api_key


@retrying(attempts=1)
def _api_key_record_use(api_key: ApiKey, now) -> None:
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)


def api_key_record_use(api_key: ApiKey) -> None:
    """Note that ``api_key`` was used. Writes at most once per ``API_KEY_LAST_USED_PRECISION``
    seconds per key, so a busy client does not turn every read into a write; a conflict while
    recording is ignored (the next request records it)."""
    now = timezone.now()
    precision = timedelta(seconds=settings.API_KEY_LAST_USED_PRECISION)
    if api_key.last_used_at and now - api_key.last_used_at < precision:
        return
    try:
        _api_key_record_use(api_key, now)
        api_key.last_used_at = now
    except Exception:  # noqa: BLE001  best effort: bookkeeping must never fail a request
        logger.debug("could not record API key use", extra={"api_key": str(api_key.pk)})
