"""Reads of the permissions app other than checks: listing tuples, namespaces, model history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from permissions_app.models import PermissionModel, RelationTuple
from permissions_app.opl import Schema
from permissions_app.schema import active_schema, validate_query
from permissions_app.tuples import RelationQuery, Relationship


@dataclass(frozen=True)
class RelationshipPage:
    relationships: list[Relationship]
    next_after: uuid.UUID | None  # None on the last page


def relationships_page(
    *, query: RelationQuery, page_size: int, after: uuid.UUID | None = None, schema: Schema | None = None
) -> RelationshipPage:
    """One page of the tuples matching ``query``, in a stable order (by id): a tuple appears on
    exactly one page, even while tuples are added or removed between requests."""
    validate_query(schema or active_schema(), query)
    rows = RelationTuple.objects.matching(query)
    if after is not None:
        rows = rows.filter(pk__gt=after)
    page = list(rows.order_by("pk")[: page_size + 1])
    has_more = len(page) > page_size
    page = page[:page_size]
    return RelationshipPage(
        relationships=[row.as_tuple() for row in page],
        next_after=page[-1].pk if has_more else None,
    )


def namespaces_list(schema: Schema | None = None) -> list[str]:
    """The namespaces of the active model, in declaration order."""
    return list((schema or active_schema()).namespaces)


def permission_model_active() -> PermissionModel | None:
    return PermissionModel.objects.filter(is_active=True).first()


def permission_model_history() -> QuerySet[PermissionModel]:
    return PermissionModel.objects.order_by("-version")
