"""Normalising the values people type to identify themselves (e-mail addresses, usernames)."""

from __future__ import annotations

import unicodedata


def normalize_identifier(value: str, *, is_email: bool | None = None) -> str:
    """Trim, NFC-normalise, and lower-case e-mail addresses (the whole address: mail systems treat
    the local part case-insensitively in practice, and two accounts differing only in case are a
    phishing risk)."""
    value = unicodedata.normalize("NFC", value.strip())
    if is_email is None:
        is_email = "@" in value
    return value.lower() if is_email else value
