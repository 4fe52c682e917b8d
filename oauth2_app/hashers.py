"""How client secrets are stored.

Client secrets issued by this server are 256 random bits (``secrets.token_urlsafe(32)``).
Slow password hashes (Argon2, PBKDF2) exist to make guessing *low-entropy* human passwords
expensive after a database leak; against a 2^256 search space every guess is already hopeless,
so the extra work buys nothing while making each client-credentials request pay tens of
milliseconds of CPU (RFC 6749 §2.3.1 has the client authenticate on every token request).
A salted HMAC-SHA-256 keeps the secret one-way at rest (a leaked row does not reveal it) at a
few microseconds per check, compared in constant time.

Secrets chosen by an administrator through the admin API must be long enough for that
argument to hold: :data:`MIN_SECRET_LENGTH` characters (see ``oauth2_app.services.clients``).
"""

from __future__ import annotations

import hashlib
import hmac

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _

# 32 characters of a random alphabet carry far more than 128 bits; anything shorter may be
# guessable and would deserve a slow hash.
MIN_SECRET_LENGTH = 32


class ClientSecretSHA256Hasher(BasePasswordHasher):
    """``oauth2_client_secret_sha256$<salt>$<hex HMAC-SHA-256(salt, secret)>``. Only for
    high-entropy machine secrets; never list it first in ``PASSWORD_HASHERS``."""

    algorithm = "oauth2_client_secret_sha256"

    def encode(self, password: str, salt: str) -> str:
        self._check_encode_args(password, salt)
        digest = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "salt": salt, "hash": digest}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {_("algorithm"): decoded["algorithm"], _("salt"): mask_hash(decoded["salt"]), _("hash"): "…"}

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None
