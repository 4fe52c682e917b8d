"""Deleting expired rows from tables that only grow (issued tokens, sessions, flows) while serving.

A table is walked once in primary-key order, a page of keys at a time, and each page's expired rows
are deleted in a transaction of their own: it needs no index on the expiry column (which would cost
every insert one more index entry), no transaction holds locks for long, and a run can be interrupted
and repeated at any time. Deletion goes through the ORM, so ``on_delete`` rules apply.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model, Q


def delete_in_pages(model: type[Model], condition: Q, *, batch_size: int = 1000) -> int:
    """Delete the rows of ``model`` matching ``condition``; returns how many of ``model``'s went."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    deleted = 0
    last = None
    while True:
        page = model.objects.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        keys = list(page.values_list("pk", flat=True)[:batch_size])
        if not keys:
            return deleted
        last = keys[-1]
        with transaction.atomic():
            _, by_model = model.objects.filter(condition, pk__in=keys).delete()
        deleted += by_model.get(model._meta.label, 0)
