"""A tiny reference evaluator: the check semantics written as plainly as possible.

One object at a time, straight recursion over the rewrite tree, tuples in a Python set, no
batching, no caching, no short-circuits. The property tests compare the engine with it.
Outcomes: 0 not a member, 1 unknown (a limit cut the search), 2 member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from permissions_app.opl.ast import ComputedSubjectSet, InvertResult, Operator, Schema, SubjectSetRewrite
from permissions_app.tuples import Relationship, Subject, SubjectSet

NOT, UNKNOWN, MEMBER = 0, 1, 2


class Reference:
    def __init__(self, schema: Schema, relationships: Iterable[Relationship]):
        self.schema = schema
        self.tuples = set(relationships)
        self.subjects: dict[tuple[str, str, str], list[Subject]] = defaultdict(list)
        for t in self.tuples:
            self.subjects[(t.namespace, t.object, t.relation)].append(t.subject)

    def check(self, relationship: Relationship, depth: int) -> int:
        r = relationship
        return self.allowed(r.namespace, r.object, r.relation, r.subject, depth, skip_direct=False)

    def is_permit(self, namespace: str, relation: str) -> bool:
        return self.schema.permit(namespace, relation) is not None

    def direct(self, namespace: str, object_: str, relation: str, subject: Subject) -> bool:
        return Relationship(namespace, object_, relation, subject) in self.tuples

    def allowed(self, namespace, object_, relation, subject, depth, skip_direct) -> int:
        if depth <= 0:
            return UNKNOWN
        permit = self.schema.permit(namespace, relation)
        if permit is not None:
            return self.rewrite(namespace, object_, permit.rewrite, subject, depth)
        outcome = self.expand(namespace, object_, relation, subject, depth)
        if not skip_direct and self.direct(namespace, object_, relation, subject):
            outcome = MEMBER
        return outcome

    def rewrite(self, namespace, object_, rewrite: SubjectSetRewrite, subject, depth) -> int:
        if depth <= 0:
            return UNKNOWN
        outcomes = []
        for child in rewrite.children:
            if isinstance(child, ComputedSubjectSet) and rewrite.operator is Operator.OR:
                direct = self.direct(namespace, object_, child.relation, subject)
                rest = self.allowed(namespace, object_, child.relation, subject, depth - 1, skip_direct=True)
                outcomes.append(MEMBER if direct else rest)
            else:
                outcomes.append(self.child(namespace, object_, child, subject, depth))
        return max(outcomes) if rewrite.operator is Operator.OR else min(outcomes)

    def child(self, namespace, object_, child, subject, depth) -> int:
        if isinstance(child, ComputedSubjectSet):
            return self.allowed(namespace, object_, child.relation, subject, depth, skip_direct=False)
        if isinstance(child, SubjectSetRewrite):
            return self.rewrite(namespace, object_, child, subject, depth - 1)
        if isinstance(child, InvertResult):
            inner = child.child
            if isinstance(inner, SubjectSetRewrite):
                return MEMBER - self.rewrite(namespace, object_, inner, subject, depth)
            return MEMBER - self.child(namespace, object_, inner, subject, depth)
        # traverse
        if depth <= 0:
            return UNKNOWN
        outcome = NOT
        for target in self.subjects[(namespace, object_, child.relation)]:
            if not isinstance(target, SubjectSet):
                continue
            declared = self.schema.namespace(target.namespace)
            if declared is None or not declared.has(child.computed_relation):
                continue
            outcome = max(
                outcome,
                self.allowed(target.namespace, target.object, child.computed_relation, subject, depth - 1, False),
            )
        return outcome

    def expand(self, namespace, object_, relation, subject, depth) -> int:
        """Subject sets breadth first, each once (the start is not marked as seen, as in Keto)."""
        outcome = NOT
        seen: set[tuple[str, str, str]] = set()
        level = [(namespace, object_, relation)]
        distance = 0
        while level:
            if distance >= 1:
                if any(not self.is_permit(n[0], n[2]) and self.direct(*n, subject) for n in level):
                    return MEMBER
                if distance == depth:
                    break
                for node in level:
                    if self.is_permit(node[0], node[2]):
                        outcome = max(outcome, self.allowed(*node, subject, depth - distance, skip_direct=True))
                if outcome == MEMBER:
                    return MEMBER
            following = []
            for node in level:
                if self.is_permit(node[0], node[2]):
                    continue
                sets = [s for s in self.subjects[node] if isinstance(s, SubjectSet)]
                if sets and distance == depth - 1:
                    outcome = max(outcome, UNKNOWN)
                for s in sets:
                    key = (s.namespace, s.object, s.relation)
                    if s.relation and key not in seen:
                        seen.add(key)
                        following.append(key)
            level = following
            distance += 1
        return outcome
