"""Second-factor secrets at rest: encrypted when they must be read back, keyed hashes when they
only need to be recognised.

* A TOTP seed is needed in clear to compute the expected code, so it is sealed with AES-256-GCM.
  The associated data names what the ciphertext belongs to (``totp:<identity id>``), so a sealed
  seed copied onto another identity's row does not open.
* A lookup (backup) code only has to be recognised, so it is stored as an HMAC-SHA-256 under a
  server key. The codes are short (about 41 bits), so an unkeyed hash would fall to brute force
  from a database dump; the key lives in settings, not in the database.

Keys come from ``IDENTITY_MFA_ENCRYPTION_KEYS`` (the first seals, every one opens, so keys can be
rotated) or, when that is unset, from ``SECRET_KEY``. Each configured secret is stretched with
HKDF into separate keys for encryption and for hashing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "aesgcm"
NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A sealed value that no configured key opens (wrong key, tampering, or another row's value)."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"identity_app.mfa." + purpose).derive(
        secret.encode("utf-8")
    )


@lru_cache(maxsize=8)
def _keyring(secrets: tuple[str, ...]) -> tuple[tuple[str, bytes, bytes], ...]:
    """``(key id, encryption key, hashing key)`` per configured secret, the sealing one first."""
    ring = []
    for secret in secrets:
        encryption = _derive(secret, b"encryption")
        key_id = hashlib.sha256(encryption).hexdigest()[:8]
        ring.append((key_id, encryption, _derive(secret, b"hashing")))
    return tuple(ring)


def keyring() -> tuple[tuple[str, bytes, bytes], ...]:
    configured = tuple(settings.IDENTITY_MFA_ENCRYPTION_KEYS) or (settings.SECRET_KEY,)
    return _keyring(configured)


def seal(plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext`` for storage; ``context`` must be given again to :func:`unseal` it."""
    key_id, key, _ = keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{PREFIX}:{key_id}:{_b64encode(nonce + ciphertext)}"


def unseal(sealed: str, *, context: str) -> str:
    """The plaintext of a value made by :func:`seal` with the same ``context``."""
    try:
        prefix, key_id, payload = sealed.split(":", 2)
        raw = _b64decode(payload)
    except (AttributeError, ValueError):
        raise SecretUnreadable("malformed sealed value") from None
    if prefix != PREFIX or len(raw) <= NONCE_BYTES:
        raise SecretUnreadable("malformed sealed value")
    for candidate_id, key, _ in keyring():
        if candidate_id != key_id:
            continue
        try:
            plaintext = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
        except InvalidTag:
            break
        return plaintext.decode("utf-8")
    raise SecretUnreadable("no configured key opens this value")


def _digest(hashing_key: bytes, code: str, context: str) -> str:
    return hmac.new(hashing_key, f"{context}\x00{code}".encode(), hashlib.sha256).hexdigest()


def code_hash(code: str, *, context: str) -> str:
    """The keyed hash stored in place of a one-time code."""
    return _digest(keyring()[0][2], code, context)


def code_matches(code: str, digest: str, *, context: str) -> bool:
    """Whether ``code`` hashes to ``digest`` under any configured key (constant time per key)."""
    matched = False
    for _, _, hashing_key in keyring():
        matched |= hmac.compare_digest(_digest(hashing_key, code, context), digest)
    return matched
