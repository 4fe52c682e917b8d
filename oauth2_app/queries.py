"""Query helpers."""

from __future__ import annotations

from django.db.models import QuerySet


def unique_row(queryset: QuerySet):
    """The row a lookup on a unique key finds, or ``None``.

    ``QuerySet.first()`` adds ``ORDER BY pk`` to an unordered query, which can make SQLite walk
    the primary key instead of using the unique index (a full scan on a large token table);
    this asks for at most one row with no ordering at all.
    """
    return next(iter(queryset.order_by()[:1]), None)
