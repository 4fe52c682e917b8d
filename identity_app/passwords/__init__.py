"""Passwords: argon2id hashing, verification of Django's and Kratos' imported hash formats, and the
password policy with Kratos' message ids. See :mod:`.hashing`, :mod:`.formats` and :mod:`.policy`."""

from identity_app.passwords.hashing import (
    PasswordCheck,
    dummy_verify,
    hash_password,
    is_importable_hash,
    verify_password,
)
from identity_app.passwords.policy import check_password_policy

__all__ = [
    "PasswordCheck",
    "check_password_policy",
    "dummy_verify",
    "hash_password",
    "is_importable_hash",
    "verify_password",
]
