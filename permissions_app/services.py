"""Every write of the permissions app: relation tuples and permission model versions.

Each public service is one transaction through :func:`ory_platform.db.retrying` and validates
everything against the active model *before* writing, so a refused request writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ory_platform.db import retrying
from ory_platform.errors import NotFound
from permissions_app.models import PermissionModel, RelationTuple, row_fields
from permissions_app.opl import Schema, parse_model
from permissions_app.schema import active_schema, schema_cache_clear, validate_query, validate_relationship
from permissions_app.tuples import RelationQuery, Relationship


class PatchAction(StrEnum):
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class RelationshipPatch:
    action: PatchAction
    relationship: Relationship


# --- relation tuples -------------------------------------------------------------------------
def _insert(relationships: Sequence[Relationship]) -> int:
    """Insert the tuples that do not exist yet; returns how many were new."""
    rows = [RelationTuple(**row_fields(relationship)) for relationship in relationships]
    if not rows:
        return 0
    RelationTuple.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # Conflicting rows keep their old ids, so counting the ids just generated counts the new rows.
    new_ids = [row.pk for row in rows]
    return sum(
        RelationTuple.objects.filter(pk__in=new_ids[start : start + 500]).count()
        for start in range(0, len(new_ids), 500)
    )


def _delete_exact(relationships: Sequence[Relationship]) -> int:
    deleted = 0
    for relationship in relationships:
        deleted += RelationTuple.objects.filter(**row_fields(relationship)).delete()[0]
    return deleted


@retrying
def relationship_create(*, relationship: Relationship, schema: Schema | None = None) -> Relationship:
    """Store ``relationship`` (Keto's ``PUT /admin/relation-tuples``). Writing a tuple that
    exists already changes nothing."""
    validate_relationship(schema or active_schema(), relationship, for_write=True)
    _insert([relationship])
    return relationship


@retrying
def relationships_delete(*, query: RelationQuery, schema: Schema | None = None) -> int:
    """Delete every tuple matching ``query`` (Keto's ``DELETE /admin/relation-tuples``)."""
    validate_query(schema or active_schema(), query)
    return RelationTuple.objects.matching(query).delete()[0]


@retrying
def relationships_patch(*, patches: Sequence[RelationshipPatch], schema: Schema | None = None) -> tuple[int, int]:
    """Apply insertions and deletions atomically: all of them or, if any is invalid, none.

    As in Keto, insertions are applied before deletions. Returns ``(inserted, deleted)``.
    """
    schema = schema or active_schema()
    for patch in patches:
        validate_relationship(schema, patch.relationship, for_write=patch.action is PatchAction.INSERT)
    inserted = _insert([p.relationship for p in patches if p.action is PatchAction.INSERT])
    deleted = _delete_exact([p.relationship for p in patches if p.action is PatchAction.DELETE])
    return inserted, deleted


@retrying
def relation_tuples_delete_by_id(*, ids: Sequence) -> int:
    """Delete stored tuples by primary key, whatever the model says about them (the console
    uses this, also to clean up tuples of namespaces a newer model dropped)."""
    return RelationTuple.objects.filter(pk__in=list(ids)).delete()[0]


@retrying
def _import_batch(relationships: Sequence[Relationship]) -> int:
    return _insert(relationships)


def relationships_import(*, relationships: Sequence[Relationship], schema: Schema | None = None) -> int:
    """Insert one batch of an import in its own transaction; returns how many tuples were new.

    The caller validates each tuple first (see the ``import_relationships`` command) so that one
    bad line is reported instead of failing its whole batch.
    """
    schema = schema or active_schema()
    for relationship in relationships:
        validate_relationship(schema, relationship, for_write=True)
    return _import_batch(relationships)


# --- permission model versions ---------------------------------------------------------------
@dataclass(frozen=True)
class LoadedModel:
    version: PermissionModel
    changed: bool  # False when this source was the active model already


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _activate(version: PermissionModel) -> None:
    now = timezone.now()
    PermissionModel.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active = True
    version.activated_at = now
    version.save(update_fields=["is_active", "activated_at"])
    schema_cache_clear()
    transaction.on_commit(schema_cache_clear)


@retrying
def permission_model_load(
    *, source: str, origin: str = PermissionModel.Origin.COMMAND, source_name: str = ""
) -> LoadedModel:
    """Parse, type-check and activate an OPL model.

    Raises :class:`permissions_app.opl.InvalidModel` listing every error; the active model then
    stays. Loading the active source again changes nothing; loading an older version's source
    activates that version again.
    """
    schema = parse_model(source)
    digest = _digest(source)
    active = PermissionModel.objects.filter(is_active=True).first()
    if active is not None and active.digest == digest:
        return LoadedModel(active, changed=False)
    version = PermissionModel.objects.filter(digest=digest).order_by("-version").first()
    if version is None:
        latest = PermissionModel.objects.aggregate(latest=Max("version"))["latest"] or 0
        version = PermissionModel.objects.create(
            version=latest + 1,
            source=source,
            digest=digest,
            namespaces=list(schema.namespaces),
            origin=origin,
            source_name=source_name[:255],
        )
    _activate(version)
    return LoadedModel(version, changed=True)


@retrying
def permission_model_activate(*, version_id) -> PermissionModel:
    """Make an earlier version of the model the active one again."""
    version = PermissionModel.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("No such permission model version.")
    parse_model(version.source)  # refuse a version the current parser rejects
    if not version.is_active:
        _activate(version)
    return version
