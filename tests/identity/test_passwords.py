"""Password hashing, verification of Django's and Kratos' hash formats, and the password policy.

Every hash is made here with an independent implementation (argon2-cffi, bcrypt, hashlib, Django's
hashers), plus Kratos' own known-answer vectors, so a wrong encoding on our side cannot hide.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable

import argon2
import bcrypt
import pytest
from argon2.low_level import Type, hash_secret
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    BCryptSHA256PasswordHasher,
    PBKDF2PasswordHasher,
    PBKDF2SHA1PasswordHasher,
    ScryptPasswordHasher,
    get_hasher,
    get_hashers,
    make_password,
)
from django.core.exceptions import ImproperlyConfigured

from identity_app.passwords import (
    PasswordCheck,
    check_password_policy,
    dummy_verify,
    formats,
    hash_password,
    is_importable_hash,
    verify_password,
)
from identity_app.passwords.hashing import IdentityArgon2PasswordHasher, current_argon2_parameters
from identity_app.passwords.policy import edit_distance, has_common_run
from ory_platform import settings as production_settings

VALID = PasswordCheck(valid=True, needs_upgrade=False)
VALID_NEEDS_UPGRADE = PasswordCheck(valid=True, needs_upgrade=True)
INVALID = PasswordCheck(valid=False, needs_upgrade=False)

PASSWORDS = ["correct horse battery staple", "", "pässwörd 🔑 密码", "nul\x00inside"]


# --- Hashes made by independent implementations -------------------------------------------------


def b64(data: bytes, *, padded: bool) -> str:
    text = base64.b64encode(data).decode()
    return text if padded else text.rstrip("=")


def kratos_bcrypt(password: str, *, prefix: str = "2b", cost: int = 4) -> str:
    # bcrypt 5 refuses over-long input; every older implementation used the first 72 bytes.
    encoded = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=cost)).decode()
    return encoded.replace("$2b$", f"${prefix}$", 1)  # $2a$/$2y$ differ from $2b$ only in name here


def kratos_argon2(password: str, *, kind: Type = Type.ID, t: int = 1, m: int = 64, p: int = 1, key: int = 32) -> str:
    return hash_secret(
        password.encode(), os.urandom(16), time_cost=t, memory_cost=m, parallelism=p, hash_len=key, type=kind
    ).decode()


def kratos_pbkdf2(password: str, *, digest: str = "sha256", iterations: int = 1000, key: int = 32) -> str:
    salt = os.urandom(16)
    derived = hashlib.pbkdf2_hmac(digest, password.encode(), salt, iterations, key)
    return f"$pbkdf2-{digest}$i={iterations},l={key}${b64(salt, padded=False)}${b64(derived, padded=False)}"


def kratos_scrypt(password: str, *, n: int = 1024, r: int = 8, p: int = 1, key: int = 32, salt: bytes = b"") -> str:
    salt = salt or os.urandom(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 << 20, dklen=key)
    return f"$scrypt$ln={n},r={r},p={p}${b64(salt, padded=True)}${b64(derived, padded=True)}"


def django_argon2(password: str, *, kind: Type = Type.ID, t: int = 1, m: int = 2048, p: int = 1) -> str:
    hasher = Argon2PasswordHasher()
    encoded = hash_secret(
        password.encode(), hasher.salt().encode(), time_cost=t, memory_cost=m, parallelism=p, hash_len=32, type=kind
    )
    return "argon2" + encoded.decode()


def django_bcrypt_sha256(password: str) -> str:
    hasher = BCryptSHA256PasswordHasher()
    hasher.rounds = 4
    return hasher.encode(password, hasher.salt())


# Every format we read, as (maker, needs_upgrade once verified).
HASH_FORMATS: dict[str, tuple[Callable[[str], str], bool]] = {
    "ours (current cost)": (hash_password, False),
    "django argon2id, other cost": (lambda pw: django_argon2(pw, t=2), True),
    "django argon2i, current cost": (lambda pw: django_argon2(pw, kind=Type.I), True),
    "django pbkdf2_sha256": (lambda pw: PBKDF2PasswordHasher().encode(pw, "saltsaltsalt", iterations=1000), True),
    "django pbkdf2_sha1": (lambda pw: PBKDF2SHA1PasswordHasher().encode(pw, "saltsaltsalt", iterations=1000), True),
    "django bcrypt_sha256": (django_bcrypt_sha256, True),
    "django scrypt": (lambda pw: ScryptPasswordHasher().encode(pw, "saltsaltsalt", n=1024, r=8, p=1), True),
    "kratos $2a$": (lambda pw: kratos_bcrypt(pw, prefix="2a"), True),
    "kratos $2b$": (kratos_bcrypt, True),
    "kratos $2y$": (lambda pw: kratos_bcrypt(pw, prefix="2y"), True),
    "kratos $argon2id$": (kratos_argon2, True),
    "kratos $argon2id$, our cost": (lambda pw: kratos_argon2(pw, m=2048), True),  # raw encoding still upgrades
    "kratos $argon2i$": (lambda pw: kratos_argon2(pw, kind=Type.I), True),
    "kratos $pbkdf2-sha256$": (kratos_pbkdf2, True),
    "kratos $pbkdf2-sha512$": (lambda pw: kratos_pbkdf2(pw, digest="sha512", key=64), True),
    "kratos $pbkdf2-sha1$": (lambda pw: kratos_pbkdf2(pw, digest="sha1", key=20), True),
    "kratos $scrypt$": (kratos_scrypt, True),
}


@pytest.fixture
def kdf_calls(monkeypatch) -> list[str]:
    """Replace every key-derivation entry point with a recorder that does no work and never matches."""
    calls: list[str] = []

    def recorder(name: str, result):
        def record(*args, **kwargs):
            calls.append(name)
            return result

        return record

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", recorder("pbkdf2", b"\x00" * 32))
    monkeypatch.setattr(hashlib, "scrypt", recorder("scrypt", b"\x00" * 32))
    monkeypatch.setattr(bcrypt, "checkpw", recorder("bcrypt.checkpw", False))
    monkeypatch.setattr(bcrypt, "hashpw", recorder("bcrypt.hashpw", b"$2b$04$" + b"." * 53))
    monkeypatch.setattr(argon2.PasswordHasher, "verify", recorder("argon2", False))
    monkeypatch.setattr(formats, "hash_secret_raw", recorder("argon2 raw", b"\x00" * 32))
    return calls


# --- hash_password ------------------------------------------------------------------------------


def test_hash_password_writes_argon2id_in_djangos_encoding_with_the_configured_cost(settings):
    settings.IDENTITY_PASSWORD_ARGON2 = {"time_cost": 2, "memory_cost": 1024, "parallelism": 2}

    first, second = hash_password("correct horse"), hash_password("correct horse")

    assert first.startswith("argon2$argon2id$v=19$m=1024,t=2,p=2$")
    assert first != second  # fresh salt every time
    assert verify_password("correct horse", first) == VALID


def test_the_production_cost_hashes_and_verifies_as_current(settings):
    settings.IDENTITY_PASSWORD_ARGON2 = production_settings.IDENTITY_PASSWORD_ARGON2
    cost = production_settings.IDENTITY_PASSWORD_ARGON2

    encoded = hash_password("correct horse")

    m, t, p = cost["memory_cost"], cost["time_cost"], cost["parallelism"]
    assert encoded.startswith(f"argon2$argon2id$v=19$m={m},t={t},p={p}$")
    assert verify_password("correct horse", encoded) == VALID
    assert verify_password("correct horsf", encoded) == INVALID


def test_the_production_cost_meets_owasps_argon2id_floor():
    # OWASP Password Storage Cheat Sheet: equivalent argon2id settings as (memory KiB, passes).
    owasp_floor = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]
    cost = production_settings.IDENTITY_PASSWORD_ARGON2

    assert any(cost["memory_cost"] >= m and cost["time_cost"] >= t for m, t in owasp_floor)


def test_the_test_suite_runs_with_a_cheaper_cost_than_production():
    assert current_argon2_parameters().memory_cost < production_settings.IDENTITY_PASSWORD_ARGON2["memory_cost"]


def test_djangos_default_hasher_is_ours_so_make_password_agrees():
    assert isinstance(get_hasher("default"), IdentityArgon2PasswordHasher)
    assert verify_password("correct horse", make_password("correct horse")) == VALID


def test_every_configured_django_hasher_is_among_the_formats_tested_below():
    # Each format below must verify and be importable, which needs cost bounds for its algorithm;
    # a hasher added to PASSWORD_HASHERS without them would otherwise fail only in production.
    tested = {make("pw").split("$", 1)[0] for make, _ in HASH_FORMATS.values()} - {""}
    # The OAuth2 client-secret hasher is configured for machine secrets only (oauth2_app.hashers).
    machine_only = {"oauth2_client_secret_sha256"}
    assert {hasher.algorithm for hasher in get_hashers()} - machine_only <= tested


def test_a_client_secret_hash_is_never_a_password_hash():
    encoded = make_password("s3cret-value", hasher="oauth2_client_secret_sha256")
    assert not is_importable_hash(encoded)
    assert not verify_password("s3cret-value", encoded).valid


@pytest.mark.parametrize(
    "configured",
    [
        None,
        {"time_cost": 1, "memory_cost": 1024},
        {"time_cost": 0, "memory_cost": 1024, "parallelism": 1},
        {"time_cost": 1, "memory_cost": "1024", "parallelism": 1},
        {"time_cost": 1, "memory_cost": 8, "parallelism": 2},
    ],
)
def test_a_broken_cost_setting_is_reported_as_misconfiguration(settings, configured):
    settings.IDENTITY_PASSWORD_ARGON2 = configured
    with pytest.raises(ImproperlyConfigured):
        hash_password("correct horse")


def test_hash_password_refuses_strings_that_are_not_unicode():
    with pytest.raises(UnicodeEncodeError):
        hash_password("lone \ud800 surrogate")


# --- verify_password: every format --------------------------------------------------------------


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("format_name", HASH_FORMATS)
def test_every_format_accepts_its_password_and_refuses_others(format_name, password):
    make, needs_upgrade = HASH_FORMATS[format_name]
    encoded = make(password)

    assert verify_password(password, encoded) == PasswordCheck(valid=True, needs_upgrade=needs_upgrade)
    assert verify_password(password + "x", encoded) == INVALID
    assert verify_password(password.upper() + "X", encoded) == INVALID
    assert verify_password("lone \ud800 surrogate", encoded) == INVALID
    assert is_importable_hash(encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        # From Kratos' hash/hasher_test.go (password "test"): these pin our reading of Kratos'
        # encodings, including scrypt's `ln` being N itself and its padded base64.
        "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6",
        "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw",
        "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
        "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
        "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
    ],
)
def test_kratos_known_answer_vectors(encoded):
    assert verify_password("test", encoded) == VALID_NEEDS_UPGRADE
    assert verify_password("tesu", encoded) == INVALID


def test_a_hash_from_the_old_cost_needs_an_upgrade_and_the_new_one_does_not(settings):
    settings.IDENTITY_PASSWORD_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    old = hash_password("correct horse")

    settings.IDENTITY_PASSWORD_ARGON2 = {"time_cost": 1, "memory_cost": 4096, "parallelism": 1}
    assert verify_password("correct horse", old) == VALID_NEEDS_UPGRADE
    assert verify_password("correct horse", hash_password("correct horse")) == VALID


def test_bcrypt_compares_the_first_72_bytes_like_the_systems_that_wrote_it():
    password = "a" * 72 + "tail"
    encoded = kratos_bcrypt(password)

    assert verify_password(password, encoded) == VALID_NEEDS_UPGRADE
    assert verify_password("a" * 72 + "other tail", encoded) == VALID_NEEDS_UPGRADE  # bcrypt never saw the tail
    assert verify_password("a" * 71, encoded) == INVALID
    # The upgraded hash covers the whole password.
    assert verify_password("a" * 72 + "other tail", hash_password(password)) == INVALID


def test_bcrypt_truncation_may_split_a_multibyte_character():
    password = "a" * 71 + "é"  # 73 bytes: the 72nd is the first half of "é" (C3 A9)
    encoded = kratos_bcrypt(password)

    assert verify_password(password, encoded) == VALID_NEEDS_UPGRADE
    assert verify_password("a" * 71 + "è", encoded) == VALID_NEEDS_UPGRADE  # C3 A8: same 72 bytes
    assert verify_password("a" * 71 + "ж", encoded) == INVALID  # D0 B6: the 72nd byte differs


# --- Encodings: one spelling per value, as Go's strict decoders -----------------------------------


def _reencode(encoded: str, *, padded: bool, alphabet: bytes = b"+/") -> str:
    """The same hash with its salt and key in another base64 spelling."""
    *head, salt, key = encoded.split("$")

    def spell(text: str) -> str:
        raw = base64.b64decode(text + "=" * (-len(text) % 4))
        return base64.b64encode(raw, altchars=alphabet).decode() if padded else b64(raw, padded=False)

    return "$".join([*head, spell(salt), spell(key)])


@pytest.mark.parametrize(
    ("make", "respell"),
    [
        (kratos_argon2, lambda e: _reencode(e, padded=True)),
        (kratos_pbkdf2, lambda e: _reencode(e, padded=True)),
        (kratos_scrypt, lambda e: _reencode(e, padded=False)),
        (lambda pw: kratos_scrypt(pw, salt=b"\xff" * 16), lambda e: _reencode(e, padded=True, alphabet=b"-_")),
    ],
    ids=["argon2 padded", "pbkdf2 padded", "scrypt unpadded", "scrypt url-safe"],
)
def test_a_hash_in_the_wrong_base64_variant_is_refused(make, respell):
    encoded = make("correct horse")
    respelled = respell(encoded)

    assert respelled != encoded
    assert verify_password("correct horse", encoded) == VALID_NEEDS_UPGRADE
    assert verify_password("correct horse", respelled) == INVALID
    assert not is_importable_hash(respelled)


def test_base64_with_stray_low_bits_is_refused():
    encoded = kratos_argon2("correct horse")  # 16-byte salt: 22 characters, the last carrying 2 spare bits
    *head, salt, key = encoded.split("$")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stray = salt[:-1] + alphabet[alphabet.index(salt[-1]) ^ 1]  # same 16 bytes once decoded leniently

    assert base64.b64decode(stray + "==") == base64.b64decode(salt + "==")
    assert verify_password("correct horse", "$".join([*head, stray, key])) == INVALID


# --- Garbled, unknown and out-of-bounds hashes: refused without doing the work --------------------

_BCRYPT_BODY = "." * 53
_SALT = b64(b"0123456789abcdef", padded=False)
_KEY = b64(b"k" * 32, padded=False)
_SALT_PADDED, _KEY_PADDED = b64(b"0123456789abcdef", padded=True), b64(b"k" * 32, padded=True)

MALFORMED = [
    "",
    "$",
    "$$$$$",
    "correct horse",
    "5f4dcc3b5aa765d61d8327deb882cf99",  # unsalted md5: Django knows it, we do not configure it
    "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
    "sha1$salt$" + "0" * 40,
    "argon2$",
    "argon2$argon2id$garbage",
    "argon2$argon2id$v=19$m=2048,t=1,p=1$c2FsdHNhbHRzYWx0$",
    "pbkdf2_sha256$many$salt$hash",
    "pbkdf2_sha256$1000$salt",
    "bcrypt_sha256$$2b$xx$" + _BCRYPT_BODY,
    "bcrypt$$2b$04$" + _BCRYPT_BODY,  # Django's plain bcrypt hasher is not configured
    "scrypt$16384$salt$8$1",
    "unknown$1$salt$hash",
    # bcrypt
    "$2b$",
    "$2b$04$short",
    "$2b$4$" + _BCRYPT_BODY,
    "$2x$04$" + _BCRYPT_BODY,
    "$2$04$" + _BCRYPT_BODY,
    "$2b$04$" + _BCRYPT_BODY + "\n",
    "$2b$04$" + "!" * 53,
    # argon2
    f"$argon2id$m=64,t=1,p=1${_SALT}${_KEY}",
    f"$argon2id$v=16$m=64,t=1,p=1${_SALT}${_KEY}",
    f"$argon2d$v=19$m=64,t=1,p=1${_SALT}${_KEY}",
    f"$argon2id$v=19$t=1,m=64,p=1${_SALT}${_KEY}",
    f"$argon2id$v=19$m=64,t=1,p=1${_SALT}",
    f"$argon2id$v=19$m=64,t=1,p=1${_SALT}${_KEY}$extra",
    f"$argon2id$v=19$m=64,t=1,p=1$!{_SALT}${_KEY}",
    f"$argon2id$v=19$m=+64,t=1,p=1${_SALT}${_KEY}",
    f"$argon2id$v=19$m=64,t=1,p=1${b64(b'short', padded=False)}${_KEY}",
    # pbkdf2
    f"$pbkdf2-sha256${_SALT}${_KEY}",
    f"$pbkdf2-sha256$aaaa${_SALT}${_KEY}",
    f"$pbkdf2-sha256$I=1000,l=32${_SALT}${_KEY}",
    f"$pbkdf2-sha256$i=1000,l=x${_SALT}${_KEY}",
    f"$pbkdf2-sha3$i=1000,l=32${_SALT}${_KEY}",
    f"$pbkdf2-sha224$i=1000,l=32${_SALT}${_KEY}",  # SHA-3 in Kratos: not supported
    f"$pbkdf2-md5$i=1000,l=32${_SALT}${_KEY}",
    f"$pbkdf2-sha256$i=1000,l=32$${_KEY}",
    # scrypt
    f"$scrypt${_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=abc,r=8,p=1${_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=16385,r=8,p=1${_SALT_PADDED}${_KEY_PADDED}",  # N must be a power of two
    f"$scrypt$ln=1,r=8,p=1${_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=16384,r=8,p=1$({_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=16384,r=8,p=1${_SALT_PADDED}${_KEY_PADDED}===",
    # formats Kratos reads and we do not
    "$md5-crypt$abcdefgh$hash",
    "$sha512-crypt$rounds=5000$salt$hash",
    "{SSHA}aGFzaHNhbHQ=",
    f"$firescrypt$ln=14,r=8,p=1${_SALT_PADDED}${_KEY_PADDED}$Bw==${_KEY_PADDED}",
    "$md5$X03MO1qnZdYdgyfeuILPmQ==",
    "$hmac-sha256$aGFzaA==$a2V5",
]

OUT_OF_BOUNDS = [
    "$2b$16$" + _BCRYPT_BODY,
    "$2b$03$" + _BCRYPT_BODY,
    f"$argon2id$v=19$m=2097152,t=1,p=1${_SALT}${_KEY}",
    f"$argon2id$v=19$m=64,t=11,p=1${_SALT}${_KEY}",
    f"$argon2id$v=19$m=64,t=0,p=1${_SALT}${_KEY}",
    f"$argon2id$v=19$m=1024,t=1,p=17${_SALT}${_KEY}",
    f"$argon2id$v=19$m=8,t=1,p=2${_SALT}${_KEY}",
    f"$argon2i$v=19$m=64,t=1,p=1${_SALT}${b64(b'k' * 15, padded=False)}",
    f"$pbkdf2-sha256$i=10000001,l=32${_SALT}${_KEY}",
    f"$pbkdf2-sha256$i=0,l=32${_SALT}${_KEY}",
    f"$pbkdf2-sha256$i=1000,l=4096${_SALT}${b64(b'k' * 4096, padded=False)}",
    f"$scrypt$ln=262144,r=8,p=1${_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=1024,r=9,p=1${_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=1024,r=8,p=11${_SALT_PADDED}${_KEY_PADDED}",
    f"$scrypt$ln=1024,r=8,p=1${_SALT_PADDED}$",  # an empty key would match every password
    "argon2$argon2id$v=19$m=2097152,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + _KEY,
    "argon2$argon2id$v=19$m=64,t=11,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + _KEY,
    "pbkdf2_sha256$10000001$salt$" + _KEY,
    "pbkdf2_sha1$0$salt$" + _KEY,
    "bcrypt_sha256$$2b$16$" + _BCRYPT_BODY,
    "scrypt$262144$salt$8$1$" + _KEY,
    "scrypt$16384$salt$9$1$" + _KEY,
    "scrypt$16384$salt$8$11$" + _KEY,
    "x" * 5000,
]


@pytest.mark.parametrize("encoded", MALFORMED + OUT_OF_BOUNDS)
def test_garbled_unknown_and_out_of_bounds_hashes_are_refused_without_work(encoded, kdf_calls):
    assert verify_password("correct horse", encoded) == INVALID
    assert not is_importable_hash(encoded)
    assert kdf_calls == []


@pytest.mark.parametrize(
    "make",
    [
        lambda pw: kratos_argon2(pw, t=11, m=8),
        lambda pw: kratos_argon2(pw, p=17, m=8 * 17),
        lambda pw: kratos_argon2(pw, key=8),
        lambda pw: kratos_pbkdf2(pw, key=8),
        lambda pw: kratos_pbkdf2(pw, key=129, iterations=1),
        lambda pw: kratos_scrypt(pw, r=9, n=16),
        lambda pw: kratos_scrypt(pw, p=11, n=16),
        lambda pw: kratos_scrypt(pw, key=8),
        lambda pw: django_argon2(pw, t=11, m=8),
        lambda pw: ScryptPasswordHasher().encode(pw, "saltsaltsalt", n=16, r=9, p=1),
    ],
    ids=[
        "argon2 t=11",
        "argon2 p=17",
        "argon2 8-byte key",
        "pbkdf2 8-byte key",
        "pbkdf2 129-byte key",
        "scrypt r=9",
        "scrypt p=11",
        "scrypt 8-byte key",
        "django argon2 t=11",
        "django scrypt r=9",
    ],
)
def test_a_genuine_hash_beyond_the_bounds_is_refused_even_with_the_right_password(make):
    assert verify_password("correct horse", make("correct horse")) == INVALID


def test_a_hash_at_the_upper_bounds_still_verifies():
    # scrypt at N=2^17, r=8 needs 128 MiB, four times hashlib's default memory ceiling.
    encoded = kratos_scrypt("correct horse", n=1 << 17, r=8, p=1)
    assert verify_password("correct horse", encoded) == VALID_NEEDS_UPGRADE


@pytest.mark.parametrize(("password", "encoded"), [(None, "argon2$x"), ("pw", None), (b"pw", "$2b$04$x"), ("pw", 42)])
def test_values_that_are_not_strings_are_refused_not_raised(password, encoded):
    assert verify_password(password, encoded) == INVALID
    assert not is_importable_hash(encoded)


def test_a_password_check_has_no_truth_value():
    with pytest.raises(TypeError):
        bool(verify_password("correct horse", hash_password("correct horse")))


# --- dummy_verify -------------------------------------------------------------------------------


@pytest.fixture
def argon2_verifications(monkeypatch) -> list[str]:
    """The hashes argon2-cffi verified against, in order (the work still runs)."""
    seen: list[str] = []
    original = argon2.PasswordHasher.verify

    def spy(self, hash, password):
        seen.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    return seen


def _cost(encoded: str) -> str:
    """``argon2id$v=19$m=...,t=...,p=...`` from a PHC string, without salt and key."""
    return "$".join(encoded.lstrip("$").split("$")[:3])


def test_dummy_verify_runs_the_same_argon2_check_as_a_real_account(argon2_verifications):
    real = hash_password("the real password")
    verify_password("a wrong guess", real)
    hash_password("warm the dummy hash")  # any extra hashing must not count as verification
    dummy_verify("a wrong guess")

    assert len(argon2_verifications) == 2
    real_check, dummy_check = argon2_verifications
    assert _cost(dummy_check) == _cost(real_check)
    assert _cost(dummy_check).startswith("argon2id$v=19$")


def test_dummy_verify_follows_a_cost_change(settings, argon2_verifications):
    dummy_verify("guess")
    settings.IDENTITY_PASSWORD_ARGON2 = {"time_cost": 2, "memory_cost": 1024, "parallelism": 1}
    dummy_verify("guess")

    assert _cost(argon2_verifications[-1]) == "argon2id$v=19$m=1024,t=2,p=1"
    assert _cost(argon2_verifications[0]) != _cost(argon2_verifications[-1])


def test_dummy_verify_returns_nothing_and_accepts_any_string():
    assert dummy_verify("") is None
    assert dummy_verify("lone \ud800 surrogate") is None


# --- check_password_policy ----------------------------------------------------------------------


def _message(message_id: int, text: str, **context) -> list[dict]:
    return [{"id": message_id, "text": text, "type": "error", "context": context}]


TOO_SIMILAR = _message(4000031, "The password can not be used because it is too similar to the identifier.")
BREACHED = _message(4000034, "The password has been found in data breaches and must no longer be used.", breaches=1)


@pytest.mark.parametrize("password", ["", "a", "1234567", "äöüßäöü", "🔑🔑🔑🔑"])
def test_a_short_password_is_refused_with_its_length_in_characters(password):
    assert check_password_policy(password, identifiers=["hello@example.com"]) == _message(
        4000032,
        f"The password must be at least 8 characters long, but got {len(password)}.",
        min_length=8,
        actual_length=len(password),
    )


def test_the_minimum_length_follows_the_setting(settings):
    settings.IDENTITY_PASSWORD_MIN_LENGTH = 12
    assert check_password_policy("kY7#pQ2!xz", identifiers=[])[0]["text"] == (
        "The password must be at least 12 characters long, but got 10."
    )


def test_an_overlong_password_is_refused():
    assert check_password_policy("kY7#" * 256 + "x", identifiers=["hello@example.com"]) == _message(
        4000033,
        "The password must be at most 1024 characters long, but got 1025.",
        max_length=1024,
        actual_length=1025,
    )


@pytest.mark.parametrize(
    "password", ["kY7#pQ2!", "l3f9toh1uaf81n21", "äöüßäöüß", "kY7#" * 256, "correct horse battery"]
)
def test_acceptable_passwords_pass(password):
    assert check_password_policy(password, identifiers=["hello@example.com", "hello"]) == []


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("l3f9toh1uaf81n21", "l3f9toh1uaf81n21"),
        ("hello@example.com", "hello@example.com12345"),
        ("hello@example.com", "123hello@example.com123"),  # 6 edits away, but shares 17 of 23
        ("hello@example.com", "hello@exam"),
        ("hello@example.com", "HELLO@EXAMPLE.COM"),
        ("HELLO@example.com", "hello@EXAMPLE.com"),
        ("hello@example.com", "h3ll0@example"),
        ("hello@exam", "hello@example.com"),
        ("abcdefgh", "axcxexgx"),  # shares single letters only, but 4 edits away
        ("Ünïcødé-user", "ünïcødé-usér"),
    ],
)
def test_a_password_too_similar_to_the_identifier_is_refused(identifier, password):
    assert check_password_policy(password, identifiers=[identifier]) == TOO_SIMILAR


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("abcd", "9d3c8a1b"),
        ("a", "kjOklafe"),
        ("ab", "0000ab0000123"),
        ("d4f6090b-5a84", "d4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe"),  # shares 13 of 40
        ("", "l3f9toh1uaf81n21"),
        ("a" * 257, "a" * 257),  # too long to compare, as in Kratos
    ],
)
def test_a_password_unlike_the_identifier_passes(identifier, password):
    assert check_password_policy(password, identifiers=[identifier]) == []


def test_every_identifier_is_compared():
    assert check_password_policy("jane.doe.1984", identifiers=["jane@example.com", "jane.doe"]) == TOO_SIMILAR
    assert check_password_policy("jane.doe.1984", identifiers=[]) == []


@pytest.mark.parametrize("password", ["password", "PassWord", "  iloveyou ", "qwertyuiop", "sunshine1"])
def test_a_common_password_is_refused_as_breached(password):
    assert check_password_policy(password, identifiers=["jane@example.com"]) == BREACHED


def test_only_the_first_broken_rule_is_reported_in_kratos_order():
    assert check_password_policy("123456", identifiers=[])[0]["id"] == 4000032  # also common
    assert check_password_policy("password1", identifiers=["password1@example.com"]) == TOO_SIMILAR  # also common


def test_a_string_that_is_not_unicode_is_refused_before_anything_else():
    reason = "it contains characters that are not valid Unicode"
    assert check_password_policy("kY7#pQ2!\ud800", identifiers=[]) == _message(
        4000005, f"The password can not be used because {reason}.", reason=reason
    )


@pytest.mark.parametrize(
    ("first", "second", "distance", "common"),
    [
        ("", "", 0, 0),
        ("", "abc", 3, 0),
        ("kitten", "sitting", 3, 3),
        ("flaw", "lawn", 2, 3),
        ("abcdefgh", "axcxexgx", 4, 1),
        ("xabcdy", "zzabcdzz", 4, 4),
        ("密码密码", "密码", 2, 2),
        ("a" * 250 + "bcdefg", "a" * 256, 6, 250),
    ],
)
def test_the_similarity_measures(first, second, distance, common):
    for a, b in [(first, second), (second, first)]:
        assert edit_distance(a, b, limit=1000) == distance
        assert edit_distance(a, b, limit=5) == min(distance, 5)
        assert has_common_run(a, b, length=common) or common == 0
        assert not has_common_run(a, b, length=common + 1)
