"""Passwords: argon2id hashing and verification of Django's and Kratos' imported hash formats.
See :mod:`.hashing` and :mod:`.formats`."""

from identity_app.passwords.hashing import (
    PasswordCheck,
    dummy_verify,
    hash_password,
    is_importable_hash,
    verify_password,
)

__all__ = [
    "PasswordCheck",
    "dummy_verify",
    "hash_password",
    "is_importable_hash",
    "verify_password",
]
