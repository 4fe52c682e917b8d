"""Password hashing and verification: argon2id for everything we write, and every format we read.

New hashes are argon2id (RFC 9106) through Django's ``Argon2PasswordHasher`` (argon2-cffi), in
Django's encoding ``argon2$argon2id$v=19$m=...,t=...,p=...$salt$hash``, with the cost taken from
``settings.IDENTITY_PASSWORD_ARGON2``. We read Django's own formats (whatever ``PASSWORD_HASHERS``
lists) and Kratos' import formats (:mod:`identity_app.passwords.formats`); a hash that is valid but
not what :func:`hash_password` writes today reports ``needs_upgrade`` so the caller can re-hash the
password it just checked.

Choosing the argon2id cost
    Measured 2026-12-04 on the deployment's machine class (2 vCPU AMD EPYC, x86_64, 24 GB RAM,
    argon2-cffi 25.1.0, 60 runs each, idle machine):

    ==========================  ============  ===============
    m (memory), t, p             hash median   hash p10 to p90
    ==========================  ============  ===============
    64 MiB, t=1, p=2  (chosen)   74 ms         58 to 92 ms
    64 MiB, t=2, p=2             109 ms        93 to 128 ms
    46 MiB, t=2, p=2             69 ms         64 to 84 ms
    64 MiB, t=1, p=1             105 ms        98 to 117 ms
    ==========================  ============  ===============

    64 MiB, one pass, two lanes lands inside the 50-100 ms budget per sign-in. RFC 9106 (§4)
    prefers spending a fixed time budget on memory rather than passes, and one pass over 64 MiB is
    above OWASP's argon2id floor (46 MiB, t=1). Two lanes use both cores when the machine is
    otherwise idle; under load the cores are busy either way. Peak memory is 64 MiB per
    concurrent sign-in. Re-measure and raise the cost when the hardware changes: existing hashes
    keep working and are upgraded at their owner's next sign-in.

Timing
    :func:`dummy_verify` runs :func:`verify_password` against a hash made with the current
    parameters, so "no such account" costs what "wrong password" costs. Accounts still holding an
    imported hash (bcrypt, pbkdf2 ...) take their own algorithm's time until they are upgraded.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher, identify_hasher
from django.core.exceptions import ImproperlyConfigured

from identity_app.passwords.formats import (
    ARGON2_MAX_MEMORY_KIB,
    ARGON2_MAX_PARALLELISM,
    ARGON2_MAX_TIME_COST,
    BCRYPT_MAX_COST,
    MALFORMED_HASH_ERRORS,
    MIN_KEY_BYTES,
    PBKDF2_MAX_ITERATIONS,
    SCRYPT_MAX_N,
    SCRYPT_MAX_P,
    SCRYPT_MAX_R,
    imported_hash_matches,
    parse_imported_hash,
)

# Longer than any hash we accept (a pbkdf2 hash with the largest salt is under 1,600 characters).
MAX_ENCODED_LENGTH = 4096


@dataclass(frozen=True)
class Argon2Parameters:
    """The argon2id cost: passes, memory in KiB, lanes."""

    time_cost: int
    memory_cost: int
    parallelism: int


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of :func:`verify_password`.

    ``needs_upgrade`` is only ever true together with ``valid``: the password is right and the
    caller should store ``hash_password(password)`` in place of the old hash.
    """

    valid: bool
    needs_upgrade: bool

    def __bool__(self) -> bool:
        # `if verify_password(...)` would always be true; make the caller say which field it means.
        raise TypeError("PasswordCheck has no truth value; use .valid (and .needs_upgrade)")


_INVALID = PasswordCheck(valid=False, needs_upgrade=False)


def current_argon2_parameters() -> Argon2Parameters:
    """The argon2id cost configured in ``settings.IDENTITY_PASSWORD_ARGON2``."""
    configured = getattr(settings, "IDENTITY_PASSWORD_ARGON2", None)
    expected = {"time_cost", "memory_cost", "parallelism"}
    if not isinstance(configured, dict) or set(configured) != expected:
        raise ImproperlyConfigured(f"IDENTITY_PASSWORD_ARGON2 must be a dict with exactly the keys {sorted(expected)}")
    if not all(isinstance(value, int) and value >= 1 for value in configured.values()):
        raise ImproperlyConfigured("IDENTITY_PASSWORD_ARGON2 values must be positive integers")
    parameters = Argon2Parameters(**configured)
    if parameters.memory_cost < 8 * parameters.parallelism:
        raise ImproperlyConfigured("IDENTITY_PASSWORD_ARGON2 memory_cost must be at least 8 KiB per lane")
    return parameters


class IdentityArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's argon2id hasher with the cost from ``settings.IDENTITY_PASSWORD_ARGON2``.

    The cost is read on every use, not at import, so tests and deployments can change it; Django's
    ``must_update`` then flags hashes made with any other cost. It keeps Django's algorithm name
    ``argon2``, so it replaces (never joins) Django's ``Argon2PasswordHasher`` in ``PASSWORD_HASHERS``.
    """

    @property
    def time_cost(self) -> int:
        return current_argon2_parameters().time_cost

    @property
    def memory_cost(self) -> int:
        return current_argon2_parameters().memory_cost

    @property
    def parallelism(self) -> int:
        return current_argon2_parameters().parallelism


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id at the current cost, in Django's encoding.

    Raises ``UnicodeEncodeError`` for a string that is not valid Unicode (lone surrogates), which
    :func:`~identity_app.passwords.policy.check_password_policy` refuses beforehand.
    """
    hasher = IdentityArgon2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def verify_password(password: str, encoded: str) -> PasswordCheck:
    """Check ``password`` against a stored or imported hash; never raises for bad input.

    ``encoded`` may be in any of Django's formats in ``PASSWORD_HASHERS`` (``argon2$...``,
    ``pbkdf2_sha256$...``, ``bcrypt_sha256$...``, ``scrypt$...``) or in one of Kratos' import
    formats, stored as given (``$2b$...``, ``$argon2id$...``, ``$pbkdf2-sha256$...``,
    ``$scrypt$...``). Unknown, garbled or out-of-bounds hashes are simply not valid.
    ``needs_upgrade`` is true for every valid hash other than what :func:`hash_password` writes
    today, including argon2id in Kratos' raw encoding, so stored hashes converge on one encoding.
    """
    if not isinstance(password, str) or not isinstance(encoded, str) or len(encoded) > MAX_ENCODED_LENGTH:
        return _INVALID
    if encoded.startswith("$"):
        imported = parse_imported_hash(encoded)
        if imported is None or not imported_hash_matches(imported, password):
            return _INVALID
        return PasswordCheck(valid=True, needs_upgrade=True)

    hasher = _bounded_django_hasher(encoded)
    if hasher is None:
        return _INVALID
    try:
        if not hasher.verify(password, encoded):  # constant_time_compare / libargon2 / bcrypt inside
            return _INVALID
        is_current = isinstance(hasher, IdentityArgon2PasswordHasher) and not hasher.must_update(encoded)
    except MALFORMED_HASH_ERRORS:
        return _INVALID
    return PasswordCheck(valid=True, needs_upgrade=not is_current)


def dummy_verify(password: str) -> None:
    """Do the work of checking ``password`` against a current argon2id hash, and discard it.

    Call it where an account (or its password credential) does not exist, so the answer takes as
    long as a wrong password for an existing account. The throw-away hash is made once per process
    and cost setting, so the very first call pays one extra hash.
    """
    verify_password(password, _dummy_hash(current_argon2_parameters()))


def is_importable_hash(encoded: str) -> bool:
    """Whether ``encoded`` is a hash :func:`verify_password` can check: a known format, well formed,
    with cost parameters within bounds. For the admin API's ``hashed_password`` import."""
    if not isinstance(encoded, str) or len(encoded) > MAX_ENCODED_LENGTH:
        return False
    if encoded.startswith("$"):
        return parse_imported_hash(encoded) is not None
    return _bounded_django_hasher(encoded) is not None


@functools.lru_cache(maxsize=4)
def _dummy_hash(parameters: Argon2Parameters) -> str:
    # `parameters` only keys the cache: hash_password reads the same settings.
    return hash_password(secrets.token_urlsafe(32))


def _bounded_django_hasher(encoded: str) -> BasePasswordHasher | None:
    """The configured Django hasher for ``encoded`` if its cost parameters are within the same
    bounds as the import formats; ``None`` for unknown algorithms and garbled hashes."""
    try:
        hasher = identify_hasher(encoded)
        bounds_check = _DJANGO_BOUNDS.get(hasher.algorithm)
        if bounds_check is None or not bounds_check(hasher.decode(encoded)):
            return None
    except MALFORMED_HASH_ERRORS:
        return None
    return hasher


def _argon2_within_bounds(decoded: dict) -> bool:
    params = decoded["params"]
    return (
        1 <= params.time_cost <= ARGON2_MAX_TIME_COST
        and 1 <= params.parallelism <= ARGON2_MAX_PARALLELISM
        and 8 * params.parallelism <= params.memory_cost <= ARGON2_MAX_MEMORY_KIB
        and params.hash_len >= MIN_KEY_BYTES
        and params.salt_len >= 8
    )


def _pbkdf2_within_bounds(decoded: dict) -> bool:
    return 1 <= decoded["iterations"] <= PBKDF2_MAX_ITERATIONS


def _bcrypt_within_bounds(decoded: dict) -> bool:
    return 4 <= decoded["work_factor"] <= BCRYPT_MAX_COST


def _scrypt_within_bounds(decoded: dict) -> bool:
    n = decoded["work_factor"]
    return (
        1 < n <= SCRYPT_MAX_N
        and n & (n - 1) == 0
        and 1 <= decoded["block_size"] <= SCRYPT_MAX_R
        and 1 <= decoded["parallelism"] <= SCRYPT_MAX_P
    )


# Django's algorithms we read, keyed by the hasher's `algorithm`. A hasher added to
# PASSWORD_HASHERS without an entry here is refused until its cost parameters are bounded.
_DJANGO_BOUNDS = {
    "argon2": _argon2_within_bounds,
    "pbkdf2_sha256": _pbkdf2_within_bounds,
    "pbkdf2_sha1": _pbkdf2_within_bounds,
    "bcrypt_sha256": _bcrypt_within_bounds,
    "scrypt": _scrypt_within_bounds,
}
