"""Query helpers shared by the apps: unique lookups without ordering, and reading raw rows on hot
paths (a hand-written single-table SELECT costs a tenth of the ORM's query compilation)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def unique_row(queryset: QuerySet):
    """The row a lookup on a unique key finds, or ``None``.

    ``QuerySet.first()`` adds ``ORDER BY pk`` to an unordered query, which can make SQLite walk
    the primary key instead of using the unique index (a full scan on a large token table);
    this asks for at most one row with no ordering at all.
    """
    return next(iter(queryset.order_by()[:1]), None)


def fetch_one(sql: str, params: list) -> tuple | None:
    """One row of a portable, parameterised SELECT, or ``None``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def aware(value) -> datetime | None:
    """A timestamp column as an aware datetime: SQLite hands back UTC text, PostgreSQL datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def as_uuid(value) -> uuid.UUID:
    """A UUID column: SQLite stores 32 hex characters, PostgreSQL a native uuid."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def as_json(value, default: Any) -> Any:
    """A JSON column read raw: text on SQLite, already decoded on PostgreSQL."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str | bytes) else value
