"""Kratos' password import formats, parsed strictly and checked in constant time.

Kratos lets an operator import identities with a ``hashed_password`` taken from another system
(https://www.ory.sh/docs/kratos/manage-identities/import-user-accounts-identities). The hash is
stored as given and checked at sign-in; we mirror the encodings of Kratos' comparator
(``hash/hash_comparator.go``) for the formats we support:

==================  ==========================================================  =====================
format              shape                                                       salt / hash encoding
==================  ==========================================================  =====================
bcrypt              ``$2a$`` / ``$2b$`` / ``$2y$`` + cost + 53 chars            bcrypt's own base64
argon2id, argon2i   ``$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$salt$hash``   base64, no padding
pbkdf2              ``$pbkdf2-sha256$i=<iterations>,l=<keylen>$salt$hash``      base64, no padding
                    (also ``sha512`` and ``sha1``)
scrypt              ``$scrypt$ln=<N>,r=<r>,p=<p>$salt$hash``                    base64, **padded**
==================  ==========================================================  =====================

Base64 is the standard alphabet (``+/``) and must be canonical, like Go's ``Strict()`` decoders.
Kratos' ``ln`` for scrypt is N itself (``ln=16384``), not log2(N) as in passlib; we follow Kratos.
Kratos' ``l`` for pbkdf2 is informational: the key length is the decoded hash's length.

Every format's cost parameters are bounded (the bounds are Kratos' ``hash/hash_limits.go``), so an
imported hash cannot make a sign-in allocate gigabytes or burn minutes of CPU. We also refuse
derived keys shorter than 16 bytes (an empty key would match any password) or longer than 128
bytes (PBKDF2's work grows with the key length).

Deliberate differences from Kratos: bcrypt compares the first 72 bytes of the password, as every
bcrypt implementation that produced such hashes did (Kratos refuses longer passwords outright,
which locks those users out); ``pbkdf2-sha224``/``-sha384`` (SHA-3 in Kratos), md5/sha/ssha/hmac,
the crypt(3) and Firebase scrypt formats are not supported.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Protocol

import bcrypt
from argon2.exceptions import HashingError
from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw

# Bounds on attacker-influenced cost parameters (Kratos' hash/hash_limits.go).
BCRYPT_MAX_COST = 15
ARGON2_MAX_MEMORY_KIB = 1 << 20  # 1 GiB
ARGON2_MAX_TIME_COST = 10
ARGON2_MAX_PARALLELISM = 16
PBKDF2_MAX_ITERATIONS = 10_000_000
SCRYPT_MAX_N = 1 << 17
SCRYPT_MAX_R = 8
SCRYPT_MAX_P = 10
# Ours: a derived key shorter than this is too easy to collide with; a longer one costs PBKDF2 one
# full run of its iterations per extra block of output.
MIN_KEY_BYTES = 16
MAX_KEY_BYTES = 128
MAX_SALT_BYTES = 1024
# bcrypt only ever used the first 72 bytes of a password.
BCRYPT_MAX_PASSWORD_BYTES = 72

_BCRYPT = re.compile(r"\$(?P<variant>2[aby])\$(?P<cost>\d\d)\$[./A-Za-z0-9]{53}")
_ARGON2 = re.compile(
    r"\$(?P<variant>argon2id|argon2i)\$v=(?P<version>\d+)"
    r"\$m=(?P<memory>\d{1,10}),t=(?P<time>\d{1,10}),p=(?P<lanes>\d{1,10})"
    r"\$(?P<salt>[A-Za-z0-9+/]+)\$(?P<hash>[A-Za-z0-9+/]+)"
)
_PBKDF2 = re.compile(
    r"\$pbkdf2-(?P<digest>sha1|sha256|sha512)\$i=(?P<iterations>\d{1,10}),l=(?P<length>\d{1,10})"
    r"\$(?P<salt>[A-Za-z0-9+/]+)\$(?P<hash>[A-Za-z0-9+/]+)"
)
_SCRYPT = re.compile(
    r"\$scrypt\$ln=(?P<n>\d{1,10}),r=(?P<r>\d{1,10}),p=(?P<p>\d{1,10})"
    r"\$(?P<salt>[A-Za-z0-9+/]+={0,2})\$(?P<hash>[A-Za-z0-9+/]+={0,2})"
)
_ARGON2_TYPES = {"argon2id": Type.ID, "argon2i": Type.I}


class ImportedHash(Protocol):
    """A hash in one of Kratos' import formats, parsed and within bounds."""

    @property
    def algorithm(self) -> str:
        """The format's name: ``bcrypt``, ``argon2id``, ``argon2i``, ``pbkdf2-sha256`` ..."""
        ...

    def matches(self, password: str) -> bool:
        """Whether ``password`` produces this hash; constant time in the comparison."""
        ...


@dataclass(frozen=True)
class BcryptHash:
    """``$2a$``, ``$2b$`` or ``$2y$``: one bcrypt hash as PHP, Go, Node or OpenBSD write it."""

    algorithm: str
    cost: int
    encoded: bytes = field(repr=False)

    def matches(self, password: str) -> bool:
        secret = password.encode()[:BCRYPT_MAX_PASSWORD_BYTES]
        return bcrypt.checkpw(secret, self.encoded)  # constant-time comparison inside


@dataclass(frozen=True)
class Argon2Hash:
    """``$argon2id$`` or ``$argon2i$`` in the PHC string format (version 19 only, as Kratos)."""

    algorithm: str
    time_cost: int
    memory_cost: int  # KiB
    parallelism: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def matches(self, password: str) -> bool:
        derived = hash_secret_raw(
            password.encode(),
            self.salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            hash_len=len(self.digest),
            type=_ARGON2_TYPES[self.algorithm],
            version=ARGON2_VERSION,
        )
        return hmac.compare_digest(derived, self.digest)


@dataclass(frozen=True)
class Pbkdf2Hash:
    """``$pbkdf2-<digest>$``: PBKDF2-HMAC with SHA-1, SHA-256 or SHA-512."""

    algorithm: str
    iterations: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def matches(self, password: str) -> bool:
        hash_name = self.algorithm.removeprefix("pbkdf2-")
        derived = hashlib.pbkdf2_hmac(hash_name, password.encode(), self.salt, self.iterations, len(self.digest))
        return hmac.compare_digest(derived, self.digest)


@dataclass(frozen=True)
class ScryptHash:
    """``$scrypt$``: scrypt (RFC 7914) with N, r and p as written by Kratos."""

    algorithm: str
    n: int
    r: int
    p: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def matches(self, password: str) -> bool:
        # OpenSSL needs 128·r·(N + p + 2) bytes; hashlib's default ceiling (32 MiB) is below our bounds.
        maxmem = 128 * self.r * (self.n + self.p + 2) + (1 << 20)
        derived = hashlib.scrypt(
            password.encode(), salt=self.salt, n=self.n, r=self.r, p=self.p, maxmem=maxmem, dklen=len(self.digest)
        )
        return hmac.compare_digest(derived, self.digest)


def parse_imported_hash(encoded: str) -> ImportedHash | None:
    """Parse ``encoded`` in one of Kratos' import formats; ``None`` if it is not one, is garbled,
    or declares cost parameters beyond our bounds."""
    if encoded.startswith("$2"):
        return _parse_bcrypt(encoded)
    if encoded.startswith("$argon2"):
        return _parse_argon2(encoded)
    if encoded.startswith("$pbkdf2-"):
        return _parse_pbkdf2(encoded)
    if encoded.startswith("$scrypt$"):
        return _parse_scrypt(encoded)
    return None


# Everything the hashing libraries raise for input they cannot use. A stored hash is data, so none
# of these may escape a password check as an error.
MALFORMED_HASH_ERRORS: tuple[type[Exception], ...] = (
    ValueError,  # includes binascii.Error, UnicodeError, argon2's InvalidHashError
    TypeError,
    IndexError,
    KeyError,
    AssertionError,  # Django's hashers assert their algorithm prefix
    OverflowError,
    HashingError,
)


def imported_hash_matches(imported: ImportedHash, password: str) -> bool:
    """Whether ``password`` matches ``imported``; ``False`` rather than an error for anything the
    hashing libraries refuse (a password that is not valid UTF-8, parameters libargon2 rejects)."""
    try:
        return imported.matches(password)
    except MALFORMED_HASH_ERRORS:
        return False


def _parse_bcrypt(encoded: str) -> BcryptHash | None:
    match = _BCRYPT.fullmatch(encoded)
    if match is None:
        return None
    cost = int(match["cost"])
    if not 4 <= cost <= BCRYPT_MAX_COST:
        return None
    return BcryptHash(algorithm="bcrypt", cost=cost, encoded=encoded.encode("ascii"))


def _parse_argon2(encoded: str) -> Argon2Hash | None:
    match = _ARGON2.fullmatch(encoded)
    if match is None or int(match["version"]) != ARGON2_VERSION:
        return None
    time_cost, memory_cost, parallelism = int(match["time"]), int(match["memory"]), int(match["lanes"])
    if not (
        1 <= time_cost <= ARGON2_MAX_TIME_COST
        and 1 <= parallelism <= ARGON2_MAX_PARALLELISM
        # libargon2 needs at least 8 KiB per lane.
        and 8 * parallelism <= memory_cost <= ARGON2_MAX_MEMORY_KIB
    ):
        return None
    salt, digest = _b64decode(match["salt"], padded=False), _b64decode(match["hash"], padded=False)
    if salt is None or digest is None or not 8 <= len(salt) <= MAX_SALT_BYTES or not _key_length_ok(digest):
        return None
    return Argon2Hash(
        algorithm=match["variant"],
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        salt=salt,
        digest=digest,
    )


def _parse_pbkdf2(encoded: str) -> Pbkdf2Hash | None:
    match = _PBKDF2.fullmatch(encoded)
    if match is None:
        return None
    iterations = int(match["iterations"])
    if not 1 <= iterations <= PBKDF2_MAX_ITERATIONS:
        return None
    salt, digest = _b64decode(match["salt"], padded=False), _b64decode(match["hash"], padded=False)
    if salt is None or digest is None or len(salt) > MAX_SALT_BYTES or not _key_length_ok(digest):
        return None
    return Pbkdf2Hash(algorithm=f"pbkdf2-{match['digest']}", iterations=iterations, salt=salt, digest=digest)


def _parse_scrypt(encoded: str) -> ScryptHash | None:
    match = _SCRYPT.fullmatch(encoded)
    if match is None:
        return None
    n, r, p = int(match["n"]), int(match["r"]), int(match["p"])
    is_power_of_two = n > 1 and n & (n - 1) == 0
    if not (is_power_of_two and n <= SCRYPT_MAX_N and 1 <= r <= SCRYPT_MAX_R and 1 <= p <= SCRYPT_MAX_P):
        return None
    salt, digest = _b64decode(match["salt"], padded=True), _b64decode(match["hash"], padded=True)
    if salt is None or digest is None or len(salt) > MAX_SALT_BYTES or not _key_length_ok(digest):
        return None
    return ScryptHash(algorithm="scrypt", n=n, r=r, p=p, salt=salt, digest=digest)


def _key_length_ok(digest: bytes) -> bool:
    return MIN_KEY_BYTES <= len(digest) <= MAX_KEY_BYTES


def _b64decode(text: str, *, padded: bool) -> bytes | None:
    """Decode standard-alphabet base64 the way Go's ``Strict()`` decoders do: with exactly the
    padding the format calls for and no stray bits, so one value has exactly one spelling."""
    try:
        decoded = base64.b64decode(text if padded else text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        return None
    canonical = base64.b64encode(decoded).decode("ascii")
    if not padded:
        canonical = canonical.rstrip("=")
    return decoded if canonical == text else None
