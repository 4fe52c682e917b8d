"""Serialization-safe writes.

CockroachDB runs every transaction SERIALIZABLE and asks the client to retry when it aborts one
(SQLSTATE 40001, "restart transaction"); PostgreSQL at SERIALIZABLE does the same, and SQLite can
report a busy database. Every write service in the platform runs through :func:`retrying`, which
opens the transaction, and on such a failure rolls it back, waits a jittered, growing delay and
runs the whole function again, a bounded number of times. When the attempts are used up the
caller gets :class:`TransactionConflict`, which the API layer answers with a 503.

A function decorated with :func:`retrying` must therefore be safe to run more than once: do the
reads it depends on inside it, and defer side effects (mail, signals to other apps) with
``transaction.on_commit``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections, transaction

from ory_platform.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"


class TransactionConflict(ServiceUnavailable):
    error_id = "transaction_conflict"
    default_message = "The request conflicted with concurrent requests and could not be completed; please retry"


def is_retryable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is a transient conflict worth running the transaction again for."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if sqlstate in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED):
            return True
        text = str(current).lower()
        if "restart transaction" in text:  # CockroachDB's retry errors
            return True
        if isinstance(current, OperationalError) and ("database is locked" in text or "database is busy" in text):
            return True
        current = current.__cause__ or current.__context__
    return False


def _backoff(attempt: int) -> float:
    base = settings.DATABASE_RETRY_BASE_DELAY
    cap = settings.DATABASE_RETRY_MAX_DELAY
    # "Full jitter": a random delay up to an exponentially growing ceiling spreads out writers
    # that collided, so they do not collide again in lock step.
    return random.uniform(0, min(cap, base * (2**attempt)))


def retrying(
    func: Callable[P, R] | None = None,
    *,
    using: str = "default",
    attempts: int | None = None,
    single_statement: bool = False,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function in ``transaction.atomic(using)``, retrying serialization failures.

    Usable bare (``@retrying``) or with options (``@retrying(attempts=3)``). Inside an enclosing
    transaction the function runs once in a savepoint and a conflict propagates: only the
    outermost transaction can be retried, so the outermost ``retrying`` call does it. A service
    that holds the transaction and wants no savepoint calls ``<service>.in_current_transaction``.

    ``single_statement=True`` is for a function that writes with exactly one statement (an
    insert of a new row): outside a transaction that statement is its own implicit transaction,
    atomic by itself, which spares the ``BEGIN`` and ``COMMIT`` round trips (CockroachDB even
    retries such statements itself); conflicts are retried the same way.
    """

    def decorator(inner: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(inner)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if connections[using].in_atomic_block:
                with transaction.atomic(using=using):
                    return inner(*args, **kwargs)
            limit = attempts or settings.DATABASE_RETRY_ATTEMPTS
            for attempt in range(limit):
                try:
                    with contextlib.nullcontext() if single_statement else transaction.atomic(using=using):
                        return inner(*args, **kwargs)
                except DatabaseError as error:
                    if not is_retryable(error):
                        raise
                    if attempt + 1 >= limit:
                        logger.warning(
                            "transaction conflict persisted", extra={"operation": inner.__qualname__, "attempts": limit}
                        )
                        raise TransactionConflict(
                            reason=f"Gave up after {limit} attempts.", headers={"Retry-After": "1"}
                        ) from error
                    delay = _backoff(attempt)
                    logger.info(
                        "transaction conflict, retrying",
                        extra={
                            "operation": inner.__qualname__,
                            "attempt": attempt + 1,
                            "delay_ms": round(delay * 1000),
                        },
                    )
                    time.sleep(delay)
            raise AssertionError("unreachable")  # pragma: no cover

        # For a service that composes others inside its own transaction: the work without a
        # savepoint of its own (a conflict or error then aborts the whole transaction, which the
        # outer ``retrying`` re-runs or reports).
        wrapper.in_current_transaction = inner
        return wrapper

    if func is not None:
        return decorator(func)
    return decorator


def contains_nul(value) -> bool:
    """Whether a request value (text, or JSON made of dicts and lists) holds U+0000, which
    PostgreSQL's text and jsonb cannot store: such input is refused with a 400 before it reaches
    a query, instead of failing inside one."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False
