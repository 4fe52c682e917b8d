"""The active permission model, as the rest of the app sees it: cached, parsed, and used to
validate what clients send.

Every process keeps the parsed active model and asks the database at most every
``PERMISSIONS_MODEL_REFRESH_SECONDS`` whether another version became active (a model loaded by
one gunicorn worker reaches the others within that time). A version activated in this process
is visible here at once.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from ory_platform.errors import BadRequest
from permissions_app.models import PermissionModel
from permissions_app.opl import InvalidModel, Schema, parse_model
from permissions_app.tuples import RelationQuery, Relationship, SubjectSet, check_sizes

logger = logging.getLogger(__name__)

EMPTY_SCHEMA = Schema()


class UnknownNamespace(BadRequest):
    error_id = "unknown_namespace"


class UnknownRelation(BadRequest):
    error_id = "unknown_relation"


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.schema = EMPTY_SCHEMA
        self.by_digest: dict[str, Schema] = {}

    def clear(self) -> None:
        with self.lock:
            self.checked_at = float("-inf")


_cache = _Cache()


def schema_cache_clear() -> None:
    """Forget the cached model; the next :func:`active_schema` reads the database."""
    _cache.clear()


def _parse_stored(digest: str) -> Schema:
    source = PermissionModel.objects.filter(digest=digest).values_list("source", flat=True).first() or ""
    try:
        return parse_model(source)
    except InvalidModel as error:
        # Stored versions were valid when loaded; this means the parser changed under them.
        logger.error("the active permission model no longer parses", extra={"errors": [str(e) for e in error.errors]})
        return EMPTY_SCHEMA


def active_schema() -> Schema:
    """The parsed active permission model (an empty schema when none is loaded)."""
    now = time.monotonic()
    if now - _cache.checked_at < settings.PERMISSIONS_MODEL_REFRESH_SECONDS:
        return _cache.schema
    digest = PermissionModel.objects.filter(is_active=True).values_list("digest", flat=True).first()
    if digest is None:
        schema = EMPTY_SCHEMA
    else:
        schema = _cache.by_digest.get(digest)
        if schema is None:
            schema = _parse_stored(digest)
            with _cache.lock:
                if len(_cache.by_digest) >= 8:
                    _cache.by_digest.clear()
                _cache.by_digest[digest] = schema
    with _cache.lock:
        _cache.schema = schema
        _cache.checked_at = now
    return schema


# --- validation ------------------------------------------------------------------------------
def require_namespace(schema: Schema, name: str, what: str = "namespace") -> None:
    if name not in schema.namespaces:
        known = ", ".join(sorted(schema.namespaces)) or "none: no permission model is loaded"
        raise UnknownNamespace(
            f"Unknown {what} {name!r}.",
            reason=f"The active permission model declares these namespaces: {known}.",
        )


def require_member(schema: Schema, namespace: str, name: str, *, relations_only: bool, what: str = "relation") -> None:
    """``name`` must be a relation (or, unless ``relations_only``, a permit) of ``namespace``."""
    declared = schema.namespaces[namespace]
    if name in declared.relations:
        return
    if name in declared.permits and relations_only:
        raise UnknownRelation(
            f"{namespace}#{name} is a permit, computed by the permission model; relation tuples "
            "can only be written for relations.",
        )
    if name in declared.permits:
        return
    members = sorted(declared.relations) + ([] if relations_only else sorted(declared.permits))
    raise UnknownRelation(
        f"Namespace {namespace!r} has no {what} {name!r}.",
        reason=f"It declares: {', '.join(members) or 'nothing'}.",
    )


def validate_subject_set(schema: Schema, subject: SubjectSet) -> None:
    require_namespace(schema, subject.namespace, "subject set namespace")
    if subject.relation:
        require_member(schema, subject.namespace, subject.relation, relations_only=False, what="relation or permit")


def validate_relationship(schema: Schema, relationship: Relationship, *, for_write: bool) -> None:
    """Refuse tuples the active model cannot mean: unknown namespaces, relations or subject sets.

    Written tuples must name a relation (permits are computed, never stored); a checked tuple
    may name a relation or a permit.
    """
    check_sizes(relationship)
    require_namespace(schema, relationship.namespace)
    require_member(schema, relationship.namespace, relationship.relation, relations_only=for_write)
    if isinstance(relationship.subject, SubjectSet):
        validate_subject_set(schema, relationship.subject)


def validate_query(schema: Schema, query: RelationQuery) -> None:
    """Names in a query must exist (a typo would otherwise silently match nothing)."""
    if query.namespace is not None:
        require_namespace(schema, query.namespace)
        if query.relation is not None:
            require_member(schema, query.namespace, query.relation, relations_only=False)
    if isinstance(query.subject, SubjectSet):
        validate_subject_set(schema, query.subject)
