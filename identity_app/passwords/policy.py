"""The password policy, with Kratos' messages.

Mirrors Kratos' default validator (``selfservice/strategy/password/validator.go``), offline:

1. at least ``IDENTITY_PASSWORD_MIN_LENGTH`` (8) characters — 4000032;
2. at most ``IDENTITY_PASSWORD_MAX_LENGTH`` (1024) characters — 4000033. Kratos has no cap beyond
   bcrypt's 72 bytes; ours is far above any passphrase or password-manager output (NIST SP 800-63B
   asks for at least 64) and keeps every later step's work small and predictable. argon2 itself
   accepts up to 2³² bytes, so the cap is ours, not the hash's;
3. not too similar to any identifier (case-insensitive) — 4000031: Levenshtein distance under 5,
   or a longest common substring longer than half the password, as Kratos decides it. Like
   Kratos we skip operands longer than 256 characters; both measures stop at their threshold, so
   a pair costs microseconds rather than Kratos' full O(n·m) tables;
4. not in the list of 20,000 common passwords Django ships (Royce Williams' list, compared
   lowercased and stripped, as Django's ``CommonPasswordValidator`` does) — 4000034. Kratos asks
   haveibeenpwned.com; we stay offline. The list has no counts, so ``breaches`` is 1 ("listed"),
   which Kratos' default ``max_breaches: 0`` refuses just the same.

Like Kratos, the first broken rule is reported, in that order. Lengths count characters (code
points); Kratos counts UTF-8 bytes, which lets four accented letters pass as eight. A string that
is not valid Unicode (lone surrogates from JSON escapes) cannot be hashed and is refused first with
Kratos' generic policy message 4000005.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator

MESSAGE_POLICY_VIOLATION = 4000005
MESSAGE_TOO_SIMILAR = 4000031
MESSAGE_TOO_SHORT = 4000032
MESSAGE_TOO_LONG = 4000033
MESSAGE_BREACHED = 4000034

# Kratos' DefaultPasswordValidator: minIdentifierPasswordDist, maxIdentifierPasswordSubstrThreshold
# and maxIdentifierSimilarityCheckLength.
MIN_IDENTIFIER_DISTANCE = 5
MAX_COMMON_SUBSTRING_RATIO = 0.5
SIMILARITY_CHECK_MAX_LENGTH = 256


def check_password_policy(password: str, *, identifiers: list[str]) -> list[dict]:
    """Kratos UI messages for why ``password`` may not be used; empty when it may.

    ``identifiers`` are the identity's password identifiers (e-mail, username ...). Each message
    is ``{"id", "text", "type": "error", "context"}``, ready for a flow node's ``messages``.
    """
    try:
        password.encode()
    except UnicodeEncodeError:
        reason = "it contains characters that are not valid Unicode"
        return [_error(MESSAGE_POLICY_VIOLATION, f"The password can not be used because {reason}.", reason=reason)]

    min_length, max_length = settings.IDENTITY_PASSWORD_MIN_LENGTH, settings.IDENTITY_PASSWORD_MAX_LENGTH
    length = len(password)
    if length < min_length:
        return [
            _error(
                MESSAGE_TOO_SHORT,
                f"The password must be at least {min_length} characters long, but got {length}.",
                min_length=min_length,
                actual_length=length,
            )
        ]
    if length > max_length:
        return [
            _error(
                MESSAGE_TOO_LONG,
                f"The password must be at most {max_length} characters long, but got {length}.",
                max_length=max_length,
                actual_length=length,
            )
        ]
    if any(is_too_similar(password, identifier) for identifier in identifiers):
        text = "The password can not be used because it is too similar to the identifier."
        return [_error(MESSAGE_TOO_SIMILAR, text)]
    if password.lower().strip() in _common_passwords():
        return [
            _error(
                MESSAGE_BREACHED,
                "The password has been found in data breaches and must no longer be used.",
                breaches=1,
            )
        ]
    return []


def is_too_similar(password: str, identifier: str) -> bool:
    """Kratos' similarity rule: compared lowercased, the two are fewer than 5 edits apart, or share
    a run of characters longer than half the password. Empty identifiers and operands longer than
    256 characters are not compared."""
    identifier, password = identifier.lower(), password.lower()
    if not identifier or not password or max(len(identifier), len(password)) > SIMILARITY_CHECK_MAX_LENGTH:
        return False
    if edit_distance(identifier, password, limit=MIN_IDENTIFIER_DISTANCE) < MIN_IDENTIFIER_DISTANCE:
        return True
    # Kratos: longest common substring / len(password) > 0.5.
    return has_common_run(identifier, password, length=int(len(password) * MAX_COMMON_SUBSTRING_RATIO) + 1)


def edit_distance(first: str, second: str, *, limit: int) -> int:
    """The Levenshtein distance between the strings, or ``limit`` if it is at least that.

    Only cells within ``limit`` of the diagonal can hold a smaller value, so the work is
    O(len · limit) rather than O(len²): a few thousand steps for two 256-character strings.
    """
    if abs(len(first) - len(second)) >= limit:
        return limit
    previous = [min(j, limit) for j in range(len(second) + 1)]
    for i, first_char in enumerate(first, start=1):
        current = [limit] * (len(second) + 1)
        current[0] = min(i, limit)
        for j in range(max(1, i - limit + 1), min(len(second), i + limit - 1) + 1):
            substitution = previous[j - 1] + (first_char != second[j - 1])
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution, limit)
        previous = current
    return previous[-1]


def has_common_run(first: str, second: str, *, length: int) -> bool:
    """Whether some run of ``length`` consecutive characters occurs in both strings, which is
    whether their longest common substring is at least that long."""
    if length > min(len(first), len(second)):
        return False
    runs = {first[i : i + length] for i in range(len(first) - length + 1)}
    return any(second[j : j + length] in runs for j in range(len(second) - length + 1))


@functools.cache
def _common_passwords() -> frozenset[str]:
    # Django's validator reads its gzipped list on construction; keep one copy per process.
    return frozenset(CommonPasswordValidator().passwords)


def _error(message_id: int, text: str, **context: object) -> dict:
    return {"id": message_id, "text": text, "type": "error", "context": context}
