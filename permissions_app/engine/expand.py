"""``expand``: the tree of subjects that have a relation or permit on an object (Keto's
``GET /relation-tuples/expand``).

Node types follow Keto's enum: a stored relation is a ``union`` of its subjects (a subject id,
or a subject set without relation, is a ``leaf``; a subject set with a relation is expanded in
turn); a permit shows its rewrite: ``||`` as ``union``, ``&&`` as ``intersection``, ``!`` as
``not``, ``this.related.R.includes`` / ``this.permits.P`` as ``computed_subject_set`` and
``traverse`` as ``tuple_to_subject_set``. As in Keto, a node without children is reported as a
``leaf``, each expanded subject set costs one unit of depth (a node with one unit left is not
expanded) and a subject set already being expanded higher up the same branch is not expanded
again. At most ``PERMISSIONS_EXPAND_MAX_NODES`` nodes are built.

The tree is built breadth first: the tuples of every subject set waiting on one level are read
in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from permissions_app.engine import effective_depth, in_snapshot
from permissions_app.models import RelationTuple
from permissions_app.opl import Schema
from permissions_app.opl.ast import ComputedSubjectSet, InvertResult, Operator, SubjectSetRewrite, TupleToSubjectSet
from permissions_app.schema import active_schema, require_member, require_namespace
from permissions_app.tuples import Subject, SubjectSet

CHUNK_SIZE = 400


@dataclass(slots=True)
class ExpandNode:
    type: str
    subject: Subject | None
    children: list[ExpandNode] = field(default_factory=list)

    def to_api(self) -> dict:
        """Keto's ``expandedPermissionTree`` JSON."""
        tuple_ = {"namespace": "", "object": "", "relation": ""}
        if self.subject is not None:
            tuple_.update(self.subject.to_api())
        body: dict = {"type": self.type if self.children else "leaf", "tuple": tuple_}
        if self.children:
            body["children"] = [child.to_api() for child in self.children]
        return body

    def count(self) -> int:
        return 1 + sum(child.count() for child in self.children)


@dataclass(slots=True)
class _Pending:
    """A node waiting for the tuples of ``node``'s relation (or, for traverse, of ``relation``)."""

    tree: ExpandNode
    node: tuple[str, str, str]
    depth: int
    ancestors: frozenset
    traverse_to: str | None = None  # the relation called on each traversed subject set


class _Builder:
    def __init__(self, schema: Schema, max_nodes: int):
        self.schema = schema
        self.budget = max_nodes
        self.pending: list[_Pending] = []

    def _take(self, count: int = 1) -> bool:
        if self.budget < count:
            self.budget = 0
            return False
        self.budget -= count
        return True

    def subject_set(self, subject_set: SubjectSet, depth: int, ancestors: frozenset) -> ExpandNode:
        key = (subject_set.namespace, subject_set.object, subject_set.relation)
        permit = self.schema.permit(subject_set.namespace, subject_set.relation)
        if permit is not None and key not in ancestors:
            return self.rewrite(subject_set, permit.rewrite, depth, ancestors | {key}, top=True)
        tree = ExpandNode("union", subject_set)
        if key not in ancestors and depth > 1 and self.budget > 0:
            self.pending.append(_Pending(tree, key, depth, ancestors | {key}))
        return tree

    def rewrite(
        self, owner: SubjectSet, rewrite: SubjectSetRewrite, depth: int, ancestors: frozenset, top: bool = False
    ) -> ExpandNode:
        kind = "union" if rewrite.operator is Operator.OR else "intersection"
        tree = ExpandNode(kind, owner if top else None)
        for child in rewrite.children:
            if not self._take():
                break
            tree.children.append(self.child(owner, child, depth, ancestors))
        return tree

    def child(self, owner: SubjectSet, child, depth: int, ancestors: frozenset) -> ExpandNode:
        namespace, object_ = owner.namespace, owner.object
        if isinstance(child, ComputedSubjectSet):
            target = SubjectSet(namespace, object_, child.relation)
            inner = self.subject_set(target, depth - 1, ancestors)
            if self.schema.permit(namespace, child.relation) is None:
                inner.type = "computed_subject_set"  # a stored relation: its members hang below
                return inner
            return ExpandNode("computed_subject_set", target, [inner])
        if isinstance(child, TupleToSubjectSet):
            tree = ExpandNode("tuple_to_subject_set", SubjectSet(namespace, object_, child.relation))
            if depth > 1 and self.budget > 0:
                key = (namespace, object_, child.relation)
                self.pending.append(_Pending(tree, key, depth, ancestors, traverse_to=child.computed_relation))
            return tree
        if isinstance(child, InvertResult):
            inner = child.child
            if isinstance(inner, SubjectSetRewrite):
                return ExpandNode("not", None, [self.rewrite(owner, inner, depth, ancestors)])
            return ExpandNode("not", None, [self.child(owner, inner, depth, ancestors)])
        return self.rewrite(owner, child, depth, ancestors)

    # --- reading a level -------------------------------------------------------------------
    def run(self) -> None:
        while self.pending and self.budget > 0:
            level, self.pending = self.pending, []
            rows = self._read([p.node for p in level])
            for waiting in level:
                for subject in rows.get(waiting.node, ()):
                    if waiting.traverse_to is not None and not isinstance(subject, SubjectSet):
                        continue  # only subject sets can be traversed
                    if not self._take():
                        break
                    waiting.tree.children.append(self._expand_subject(waiting, subject))

    def _expand_subject(self, waiting: _Pending, subject: Subject) -> ExpandNode:
        if waiting.traverse_to is not None and isinstance(subject, SubjectSet):
            target = SubjectSet(subject.namespace, subject.object, waiting.traverse_to)
            declared = self.schema.namespace(subject.namespace)
            if declared is None or not declared.has(waiting.traverse_to):
                return ExpandNode("leaf", target)
            return self.subject_set(target, waiting.depth - 1, waiting.ancestors)
        if isinstance(subject, SubjectSet) and subject.relation:
            return self.subject_set(subject, waiting.depth - 1, waiting.ancestors)
        return ExpandNode("leaf", subject)

    def _read(self, nodes: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], list[Subject]]:
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for namespace, object_, relation in dict.fromkeys(nodes):
            grouped[(namespace, relation)].append(object_)
        found: dict[tuple[str, str, str], list[Subject]] = defaultdict(list)
        condition = Q()
        size = 0
        conditions = []
        for (namespace, relation), objects in grouped.items():
            for start in range(0, len(objects), CHUNK_SIZE):
                part = objects[start : start + CHUNK_SIZE]
                if size + len(part) > CHUNK_SIZE and condition:
                    conditions.append(condition)
                    condition, size = Q(), 0
                condition |= Q(namespace=namespace, relation=relation, object__in=part)
                size += len(part)
        if condition:
            conditions.append(condition)
        for condition in conditions:
            rows = RelationTuple.objects.filter(condition).order_by("id")[: self.budget + 1]
            for row in rows:
                found[(row.namespace, row.object, row.relation)].append(row.subject)
        return found


def expand(subject_set: SubjectSet, *, max_depth: int | None = None, schema: Schema | None = None) -> ExpandNode:
    """The tree of subjects in ``subject_set`` (a relation or permit of one object)."""
    schema = schema if schema is not None else active_schema()
    require_namespace(schema, subject_set.namespace)
    require_member(schema, subject_set.namespace, subject_set.relation, relations_only=False)
    depth = effective_depth(max_depth)

    def read() -> ExpandNode:
        builder = _Builder(schema, settings.PERMISSIONS_EXPAND_MAX_NODES)
        tree = builder.subject_set(subject_set, depth, frozenset())
        builder.run()
        return tree

    return in_snapshot(read)
