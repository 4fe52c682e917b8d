"""The permission engine, in plain Python: ``check`` and ``expand`` with Keto's semantics.

Other apps, the API and the console call these functions; nothing here knows about HTTP::

    from permissions_app.engine import check
    from permissions_app.tuples import Relationship, SubjectID

    if check(Relationship("Document", "d1", "view", SubjectID("alice"))).allowed:
        ...

Names are validated against the active permission model (unknown namespaces and relations
raise :class:`~ory_platform.errors.BadRequest` subclasses).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from django.conf import settings
from django.db import connections

from ory_platform.db import retrying
from ory_platform.errors import OryError
from permissions_app.engine.evaluator import CyclicModel, Evaluator
from permissions_app.engine.store import NeedsSnapshot, TupleReader
from permissions_app.engine.trace import MEMBER, NOT_MEMBER, TraceNode
from permissions_app.models import RelationTuple
from permissions_app.opl import Schema
from permissions_app.schema import active_schema, require_member, require_namespace, validate_relationship
from permissions_app.tuples import Relationship, Subject, SubjectSet

__all__ = [
    "CheckResult",
    "Membership",
    "TraceNode",
    "check",
    "check_batch",
    "effective_depth",
    "in_snapshot",
    "list_objects",
]

T = TypeVar("T")


class Membership(StrEnum):
    MEMBER = "member"
    NOT_MEMBER = "not_member"
    UNKNOWN = "unknown"


class CheckAborted(OryError):
    status_code = 422
    error_id = "check_aborted"
    default_message = "The check could not be completed"


@dataclass(frozen=True)
class CheckResult:
    """The answer to "does ``subject`` have ``relation`` on ``object``?".

    ``allowed`` is true only for :attr:`Membership.MEMBER`. :attr:`Membership.UNKNOWN` means the
    search was cut short (``limitations`` says whether by depth or width): the subject might
    have been found with a larger limit.
    """

    relationship: Relationship
    membership: Membership
    limitations: tuple[str, ...] = ()
    depth: int = 0
    trace: TraceNode | None = field(default=None, compare=False)

    @property
    def allowed(self) -> bool:
        return self.membership is Membership.MEMBER


def effective_depth(requested: int | None) -> int:
    """Keto's rule: the request may lower the global maximum depth, never raise it; a missing,
    zero or negative request means the global maximum."""
    limit = settings.PERMISSIONS_MAX_DEPTH
    if requested is None or requested <= 0 or requested > limit:
        return limit
    return requested


def _snapshots(using: str) -> bool:
    """Whether reads must open a transaction to share one snapshot.

    PostgreSQL and CockroachDB give a transaction one snapshot (at SERIALIZABLE a read can still
    be asked to retry: the retry helper does). SQLite runs every transaction ``IMMEDIATE`` here,
    a write lock a read must not take, so there each statement sees the latest commit. Inside an
    enclosing transaction the snapshot is that transaction's.
    """
    connection = connections[using]
    return connection.vendor != "sqlite" and not connection.in_atomic_block


def in_snapshot(read: Callable[[], T], using: str = "default") -> T:
    """Run ``read`` (the statements of one operation) against one consistent snapshot."""
    return retrying(read, using=using)() if _snapshots(using) else read()


def _check_in_snapshot(evaluate: Callable[[TupleReader], CheckResult], subject: Subject) -> CheckResult:
    """One check, consistently and cheaply: a check answered by a single statement needs no
    transaction (one statement is one snapshot). Most checks are; the others start over inside a
    transaction as soon as they need a second statement, reading what the first statement read
    together with what they need next, in one statement."""
    if not _snapshots("default"):
        return evaluate(_reader(subject))
    try:
        return evaluate(_reader(subject, statement_budget=1))
    except NeedsSnapshot as needed:
        groups = needed.groups

    def again() -> CheckResult:
        reader = _reader(subject)
        reader.read_groups(groups)
        return evaluate(reader)

    return retrying(again)()


def _evaluate(
    schema: Schema, relationship: Relationship, depth: int, reader: TupleReader, *, trace: bool
) -> CheckResult:
    evaluator = Evaluator(schema, reader)
    root = TraceNode("check", str(relationship)) if trace else None
    traces = {relationship.object: root} if root is not None else None
    try:
        outcome = evaluator.relation(
            relationship.namespace, relationship.relation, [relationship.object], depth, traces=traces
        )[relationship.object]
    except CyclicModel as error:
        raise CheckAborted(reason=str(error)) from error
    if root is not None:
        root.outcome = outcome
    membership = {MEMBER: Membership.MEMBER, NOT_MEMBER: Membership.NOT_MEMBER}.get(outcome, Membership.UNKNOWN)
    limitations = tuple(sorted(evaluator.limitations)) if membership is Membership.UNKNOWN else ()
    return CheckResult(relationship, membership, limitations, depth, root)


def _reader(subject: Subject, statement_budget: int | None = None) -> TupleReader:
    return TupleReader(subject, max_width=settings.PERMISSIONS_MAX_READ_WIDTH, statement_budget=statement_budget)


def check(
    relationship: Relationship,
    *,
    max_depth: int | None = None,
    schema: Schema | None = None,
    trace: bool = False,
) -> CheckResult:
    """Is ``relationship`` true, directly or through the permission model?

    ``relationship.relation`` may be a relation or a permit. With ``trace`` the result carries
    the tree of steps taken (the proof when allowed).
    """
    schema = schema if schema is not None else active_schema()
    validate_relationship(schema, relationship, for_write=False)
    depth = effective_depth(max_depth)
    return _check_in_snapshot(
        lambda reader: _evaluate(schema, relationship, depth, reader, trace=trace), relationship.subject
    )


def check_batch(
    relationships: Sequence[Relationship], *, max_depth: int | None = None, schema: Schema | None = None
) -> list[CheckResult | OryError]:
    """Check many tuples against one snapshot; results in input order.

    An invalid tuple yields its error in its place instead of failing the batch. Checks of the
    same subject share what they read.
    """
    schema = schema if schema is not None else active_schema()
    depth = effective_depth(max_depth)

    def read() -> list[CheckResult | OryError]:
        readers: dict[Subject, TupleReader] = {}
        results: list[CheckResult | OryError] = []
        for relationship in relationships:
            try:
                validate_relationship(schema, relationship, for_write=False)
                reader = readers.get(relationship.subject)
                if reader is None:
                    reader = readers[relationship.subject] = _reader(relationship.subject)
                results.append(_evaluate(schema, relationship, depth, reader, trace=False))
            except OryError as error:
                results.append(error)
        return results

    return in_snapshot(read)


def list_objects(
    namespace: str,
    relation: str,
    subject: Subject,
    *,
    candidates: Sequence[str] | None = None,
    max_depth: int | None = None,
    limit: int = 1000,
    schema: Schema | None = None,
) -> list[str]:
    """The objects of ``namespace`` on which ``subject`` has ``relation`` (a relation or permit):
    "which documents may alice view?".

    Every candidate is checked with the usual semantics, all of them together (the engine works
    on sets of objects, so this costs a few statements per level, not one check per object).
    Without ``candidates`` the objects that appear in stored tuples of the namespace are
    considered, at most ``limit`` of them (in object order).
    """
    schema = schema if schema is not None else active_schema()
    require_namespace(schema, namespace)
    require_member(schema, namespace, relation, relations_only=False)
    if isinstance(subject, SubjectSet):
        validate_relationship(schema, Relationship(namespace, "-", relation, subject), for_write=False)
    depth = effective_depth(max_depth)

    def read() -> dict[str, int]:
        objects = candidates
        if objects is None:
            rows = RelationTuple.objects.filter(namespace=namespace).order_by("object")
            objects = list(rows.values_list("object", flat=True).distinct()[:limit])
        evaluator = Evaluator(schema, _reader(subject))
        try:
            return evaluator.relation(namespace, relation, list(dict.fromkeys(objects)), depth)
        except CyclicModel as error:
            raise CheckAborted(reason=str(error)) from error

    return [object_ for object_, outcome in in_snapshot(read).items() if outcome == MEMBER]
