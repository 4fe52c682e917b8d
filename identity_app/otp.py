"""Time-based one-time passwords (RFC 6238) on top of ``pyotp``, and the QR code that carries the seed.

A code is accepted for the current 30-second time step and one step either side (clock drift), and
only for a step later than the last one the identity used, so a code cannot be replayed within its
window. Seeds are 160 random bits, as RFC 4226 §4 recommends.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from django.conf import settings

SEED_LENGTH = 32  # base32 characters: 160 bits
DIGITS = 6
INTERVAL = 30  # seconds per time step
DRIFT_STEPS = 1  # accepted steps before and after the current one


def new_seed() -> str:
    return pyotp.random_base32(SEED_LENGTH)


def provisioning_uri(seed: str, *, account_name: str) -> str:
    """The ``otpauth://totp/...`` URI that authenticator apps import (issuer from settings)."""
    return pyotp.TOTP(seed, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account_name, issuer_name=settings.IDENTITY_MFA_TOTP_ISSUER
    )


def qr_data_uri(uri: str) -> str:
    """The URI as a QR code in an SVG ``data:`` URI: no image library, allowed by ``img-src data:``."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


def normalize_code(code: object) -> str:
    """The digits of a typed code (authenticator apps show them grouped, ``123 456``); ``""`` if malformed."""
    if not isinstance(code, str):
        return ""
    digits = code.replace(" ", "").replace("-", "")
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else ""


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // INTERVAL)


def matching_step(seed: str, code: str, *, after_step: int | None = None, now: float | None = None) -> int | None:
    """The time step (within the drift window) whose code ``code`` is, if it is later than
    ``after_step``; ``None`` otherwise. Every candidate is compared, in constant time."""
    code = normalize_code(code)
    if not code:
        return None
    otp = pyotp.TOTP(seed, digits=DIGITS, interval=INTERVAL)
    step = current_step(now)
    found = None
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(otp.generate_otp(candidate), code) and (after_step is None or candidate > after_step):
            found = candidate
    return found
