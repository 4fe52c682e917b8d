"""ID-token signing keys: created on first use, encrypted at rest, rotated by command.

Private keys are sealed with AES-256-GCM (NIST SP 800-38D) under a key derived with HKDF
(RFC 5869) from ``settings.OAUTH2_KEY_ENCRYPTION_SECRET``; the key id is bound as associated
data, so a sealed key cannot be swapped onto another row. Decrypted keys are cached per process
by ``kid`` (they never change once written).
"""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from django.utils import timezone
from jwcrypto import jwk

from oauth2_app.models import SigningKey
from oauth2_app.models.keys import ID_TOKEN_KEY_SET
from ory_platform.db import retrying

_SEAL_VERSION = "v1"
_cache: dict[str, jwk.JWK] = {}
_cache_lock = threading.Lock()


def _sealing_key() -> bytes:
    secret = settings.OAUTH2_KEY_ENCRYPTION_SECRET.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"oauth2-signing-keys").derive(secret)


def _seal(private_pem: bytes, kid: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key()).encrypt(nonce, private_pem, kid.encode("utf-8"))
    return f"{_SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def _unseal(sealed: str, kid: str) -> bytes:
    version, _, payload = sealed.partition(":")
    if version != _SEAL_VERSION:
        raise ValueError(f"Unknown signing key encryption version {version!r}.")
    raw = base64.b64decode(payload)
    return AESGCM(_sealing_key()).decrypt(raw[:12], raw[12:], kid.encode("utf-8"))


def _new_key_row(key_set: str) -> SigningKey:
    key = jwk.JWK.generate(kty="RSA", size=2048)
    kid = key.thumbprint()  # RFC 7638: stable, derived from the public key
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return SigningKey(
        key_set=key_set,
        kid=kid,
        public_jwk=public,
        private_key_encrypted=_seal(key.export_to_pem(private_key=True, password=None), kid),
    )


def _load_private(signing_key: SigningKey) -> jwk.JWK:
    cached = _cache.get(signing_key.kid)
    if cached is not None:
        return cached
    try:
        pem = _unseal(signing_key.private_key_encrypted, signing_key.kid)
    except InvalidTag as error:
        raise ImproperlyConfigured(
            f"Signing key {signing_key.kid} cannot be decrypted: OAUTH2_KEY_ENCRYPTION_SECRET (by default "
            "SECRET_KEY) changed since it was created. Restore it, or run `manage.py rotate_signing_keys`."
        ) from error
    key = jwk.JWK.from_pem(pem)
    with _cache_lock:
        _cache[signing_key.kid] = key
    return key


@retrying
def _signing_key_create_first(*, key_set: str) -> SigningKey:
    existing = SigningKey.objects.filter(key_set=key_set, state=SigningKey.State.ACTIVE).first()
    if existing is not None:
        return existing
    row = _new_key_row(key_set)
    row.save()
    return row


def signing_key_active(*, key_set: str = ID_TOKEN_KEY_SET) -> tuple[str, jwk.JWK]:
    """The ``(kid, private JWK)`` that signs new tokens, creating the key set on first use."""
    row = SigningKey.objects.filter(key_set=key_set, state=SigningKey.State.ACTIVE).first()
    if row is None:
        try:
            row = _signing_key_create_first(key_set=key_set)
        except IntegrityError:  # another worker created it first: use theirs
            row = SigningKey.objects.get(key_set=key_set, state=SigningKey.State.ACTIVE)
    return row.kid, _load_private(row)


@retrying
def signing_key_rotate(*, key_set: str = ID_TOKEN_KEY_SET) -> SigningKey:
    """Make a new active key; the previous one is retired but stays in the JWKS for
    ``OAUTH2_RETIRED_KEY_PUBLISH_SECONDS`` so tokens it signed still verify."""
    now = timezone.now()
    publish_until = now + timedelta(seconds=settings.OAUTH2_RETIRED_KEY_PUBLISH_SECONDS)
    SigningKey.objects.filter(key_set=key_set, state=SigningKey.State.ACTIVE).update(
        state=SigningKey.State.RETIRED, retired_at=now, publish_until=publish_until
    )
    row = _new_key_row(key_set)
    row.save()
    return row


@retrying
def signing_keys_prune(*, key_set: str = ID_TOKEN_KEY_SET) -> int:
    """Delete retired keys no longer published. Returns how many were deleted."""
    deleted, _ = SigningKey.objects.filter(
        key_set=key_set, state=SigningKey.State.RETIRED, publish_until__lte=timezone.now()
    ).delete()
    return deleted


@retrying
def signing_key_delete(*, kid: str, key_set: str = ID_TOKEN_KEY_SET) -> int:
    """Remove one key (active or retired): tokens it signed no longer verify."""
    deleted, _ = SigningKey.objects.filter(key_set=key_set, kid=kid).delete()
    return deleted


def published_keys(*, key_set: str = ID_TOKEN_KEY_SET) -> list[dict]:
    """Public JWKs for the JWKS document (RFC 7517 §5): the active key and retired ones still needed."""
    now = timezone.now()
    rows = SigningKey.objects.filter(key_set=key_set).exclude(state=SigningKey.State.RETIRED, publish_until__lte=now)
    return [row.public_jwk for row in rows.order_by("-created_at")]


def public_key_for(kid: str) -> jwk.JWK | None:
    """The public key with this ``kid`` if it is still published, for verifying our own tokens."""
    for public in published_keys():
        if public.get("kid") == kid:
            return jwk.JWK(**public)
    return None
