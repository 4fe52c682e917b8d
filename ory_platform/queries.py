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


def raw_one(model, where: str, params: list):
    """One ``model`` row by a hand-written ``WHERE`` clause on an indexed column, or ``None``.

    For the few reads every request pays (a session by token, a flow by id): ``Manager.raw``
    skips the ORM's query compilation, which costs more than the query itself, while Django
    still converts the columns (UUIDs, JSON, timestamps). Pass values through :func:`db_value`.
    """
    table = model._meta.db_table
    rows = list(model.objects.raw(f"SELECT * FROM {table} WHERE {where}", params))  # noqa: S608
    return rows[0] if rows else None


def raw_all(model, where: str, params: list) -> list:
    """Every ``model`` row matching a hand-written ``WHERE`` clause (see :func:`raw_one`)."""
    table = model._meta.db_table
    return list(model.objects.raw(f"SELECT * FROM {table} WHERE {where}", params))  # noqa: S608


def prefill(instance, relation: str, rows: list) -> None:
    """Give ``instance.<relation>.all()`` these rows without a query, as ``prefetch_related``
    would have (Django keeps prefetched rows in ``_prefetched_objects_cache``)."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[relation] = queryset


def db_value(model, field_name: str, value):
    """``value`` as the database stores ``model.field_name`` (e.g. a UUID as hex text on SQLite)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


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
