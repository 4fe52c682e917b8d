"""Random bearer secrets (session tokens, logout tokens) and their at-rest hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """32 random bytes, URL-safe: 256 bits, so a fast hash protects it at rest."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
