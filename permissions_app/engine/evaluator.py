"""The check evaluator: Keto's semantics, evaluated on sets of objects with batched reads.

Outcomes are three-valued, as in Keto: member, not a member, or unknown (the search was cut by
the depth or width limit). ``||`` is the maximum and ``&&`` the minimum of
not-member < unknown < member, and ``!`` swaps member and not-member and leaves unknown alone.
A check is allowed only when the outcome is *member*.

Depth is spent exactly where Keto's step engine (``internal/check/step``) spends it:

* every step on depth <= 0 is *unknown*;
* a relation: its direct tuple is checked at the current depth; its subject sets are expanded
  breadth-first, a subject set at distance *k* being checked for the subject's tuple at depth
  ``d - k`` and expanded only while ``d - k > 1``; a subject set that still has subject sets when
  ``d - k == 1`` is *unknown*;
* ``||``: the direct tuples of every computed reference at the current depth, then each computed
  reference at ``d - 1``; ``&&`` and ``!``: computed references at ``d``; a nested group at
  ``d - 1`` (under ``!`` at ``d``); ``traverse``: the targets at ``d - 1``.

Where this engine differs from Keto, on purpose: (1) each subject set is expanded once per
expansion, at its shortest distance, where Keto's depth-first walk shares one visited set per
check and may reach a subject set first on a longer path (its answer then depends on the order
rows come back); (2) tuples are never stored on permits, so a permit is only its rewrite (Keto's
"strict mode" behaviour); (3) a traversed subject set whose namespace lacks the called relation
contributes *not a member* rather than failing the check.

Instead of following one object at a time, every step takes the set of objects it is asked
about: the subject sets of all objects on one level are read in one statement, a ``traverse``
over 200 parents evaluates the 200 parents together, and a union stops asking about an object
as soon as it is a member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from permissions_app.engine.store import Node, TupleReader
from permissions_app.engine.trace import MEMBER, NOT_MEMBER, UNKNOWN, TraceNode
from permissions_app.opl.ast import (
    ComputedSubjectSet,
    InvertResult,
    Operator,
    Schema,
    SubjectSetRewrite,
    TupleToSubjectSet,
)

MAX_DEPTH_EXCEEDED = "max_depth_exceeded"
MAX_WIDTH_EXCEEDED = "max_width_exceeded"

Traces = dict[str, TraceNode] | None


class CyclicModel(Exception):
    """A permit reached itself at the same depth (the type checker refuses such models)."""


def _label(namespace: str, object_: str, relation: str) -> str:
    return f"{namespace}:{object_}#{relation}"


class Evaluator:
    """Evaluates checks for one subject against one schema, reading through ``reader``."""

    def __init__(self, schema: Schema, reader: TupleReader):
        self.schema = schema
        self.reader = reader
        self.permits = schema.permits_by_name()
        self.limitations: set[str] = set()
        self._memo: dict[tuple, int] = {}
        self._active: set[tuple] = set()

    # --- helpers ---------------------------------------------------------------------------
    def _unknown(self, limitation: str) -> int:
        self.limitations.add(limitation)
        return UNKNOWN

    @staticmethod
    def _open(traces: Traces, objects: Iterable[str], kind: str, label) -> Traces:
        if traces is None:
            return None
        opened = {}
        for object_ in objects:
            parent = traces.get(object_)
            if parent is not None:
                opened[object_] = parent.add(kind, label(object_))
        return opened

    @staticmethod
    def _close(traces: Traces, results: dict[str, int]) -> None:
        if traces:
            for object_, node in traces.items():
                node.outcome = results.get(object_)

    def _prefetch_plan(self, namespace: str, permit: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Relations of the same object that evaluating ``permit`` may read: the ones it
        includes (directly or through other permits) and the ones it traverses."""
        key = ("prefetch", namespace, permit)
        plan = self.schema.derived.get(key)
        if plan is None:
            included: set[str] = set()
            traversed: set[str] = set()
            pending, seen = [permit], set()
            while pending:
                name = pending.pop()
                if name in seen:
                    continue
                seen.add(name)
                definition = self.permits.get((namespace, name))
                if definition is None:
                    included.add(name)
                    continue
                stack: list = [definition.rewrite]
                while stack:
                    item = stack.pop()
                    if isinstance(item, SubjectSetRewrite):
                        stack.extend(item.children)
                    elif isinstance(item, InvertResult):
                        stack.append(item.child)
                    elif isinstance(item, ComputedSubjectSet):
                        pending.append(item.relation)
                    elif isinstance(item, TupleToSubjectSet):
                        traversed.add(item.relation)
            plan = (tuple(sorted(included)), tuple(sorted(traversed)))
            self.schema.derived[key] = plan
        return plan

    # --- a relation or permit of a set of objects (Keto's IsAllowed step) -------------------
    def relation(
        self,
        namespace: str,
        relation: str,
        objects: Iterable[str],
        depth: int,
        *,
        skip_direct: bool = False,
        traces: Traces = None,
    ) -> dict[str, int]:
        results: dict[str, int] = {}
        todo: list[str] = []
        for object_ in objects:
            key = (namespace, relation, object_, depth, skip_direct)
            known = self._memo.get(key)
            if known is not None:
                results[object_] = known
                if traces and object_ in traces:
                    traces[object_].add("cached", _label(namespace, object_, relation), known, "evaluated before")
            elif key in self._active:
                raise CyclicModel(f"{_label(namespace, object_, relation)} depends on itself at depth {depth}")
            else:
                todo.append(object_)
        if not todo:
            return results
        permit = self.permits.get((namespace, relation))
        kind = "permit" if permit else "relation"
        opened = self._open(traces, todo, kind, lambda o: _label(namespace, o, relation))
        if depth <= 0:
            computed = {object_: self._unknown(MAX_DEPTH_EXCEEDED) for object_ in todo}
            for node in (opened or {}).values():
                node.note = "maximum depth reached"
        else:
            keys = [(namespace, relation, object_, depth, skip_direct) for object_ in todo]
            self._active.update(keys)
            try:
                if permit is not None:
                    included, traversed = self._prefetch_plan(namespace, relation)
                    self.reader.load_mixed(
                        [(namespace, o, name) for o in todo for name in included],
                        [(namespace, o, name) for o in todo for name in traversed],
                    )
                    computed = self.rewrite(namespace, permit.rewrite, todo, depth, opened)
                else:
                    computed = self._tuple_set(namespace, relation, todo, depth, skip_direct, opened)
            finally:
                self._active.difference_update(keys)
        for object_, outcome in computed.items():
            self._memo[(namespace, relation, object_, depth, skip_direct)] = outcome
        self._close(opened, computed)
        results.update(computed)
        return results

    def _tuple_set(
        self, namespace: str, relation: str, objects: list[str], depth: int, skip_direct: bool, traces: Traces
    ) -> dict[str, int]:
        """A stored relation: the direct tuple, then the subject sets (Keto's Direct + Expand)."""
        reader = self.reader
        reader.load((namespace, o, relation) for o in objects)
        results: dict[str, int] = {}
        pending: list[str] = []
        for object_ in objects:
            if not skip_direct and reader.get((namespace, object_, relation)).direct:
                results[object_] = MEMBER
                if traces and object_ in traces:
                    traces[object_].add("tuple", f"{_label(namespace, object_, relation)}@{reader.subject}", MEMBER)
            else:
                pending.append(object_)
        if pending:
            results.update(self.expand(namespace, relation, pending, depth, traces))
        return results

    # --- rewrites --------------------------------------------------------------------------
    def rewrite(
        self, namespace: str, rewrite: SubjectSetRewrite, objects: Iterable[str], depth: int, traces: Traces = None
    ) -> dict[str, int]:
        objects = list(objects)
        is_union = rewrite.operator is Operator.OR
        opened = self._open(traces, objects, "union" if is_union else "intersection", lambda o: "")
        if depth <= 0:
            results = {object_: self._unknown(MAX_DEPTH_EXCEEDED) for object_ in objects}
        elif is_union:
            results = self._union(namespace, rewrite, objects, depth, opened)
        else:
            results = self._intersection(namespace, rewrite, objects, depth, opened)
        self._close(opened, results)
        return results

    def _union(
        self, namespace: str, rewrite: SubjectSetRewrite, objects: list[str], depth: int, traces: Traces
    ) -> dict[str, int]:
        results = dict.fromkeys(objects, NOT_MEMBER)
        remaining = set(objects)

        def merge(outcomes: dict[str, int]) -> None:
            for object_, outcome in outcomes.items():
                if outcome > results[object_]:
                    results[object_] = outcome
                if outcome == MEMBER:
                    remaining.discard(object_)

        computed = [child.relation for child in rewrite.children if isinstance(child, ComputedSubjectSet)]
        if computed:
            # Keto's OR shortcut: the direct tuples of every included relation first, at this depth.
            stored = [name for name in computed if (namespace, name) not in self.permits]
            if stored:
                self.reader.load((namespace, o, name) for o in objects for name in stored)
                for object_ in objects:
                    hit = next((n for n in stored if self.reader.get((namespace, object_, n)).direct), None)
                    if hit is not None:
                        merge({object_: MEMBER})
                        if traces and object_ in traces:
                            label = f"{_label(namespace, object_, hit)}@{self.reader.subject}"
                            traces[object_].add("tuple", label, MEMBER)
            for name in sorted(computed, key=lambda name: self._cost(namespace, ComputedSubjectSet(name), objects)):
                if not remaining:
                    break
                merge(self.relation(namespace, name, remaining, depth - 1, skip_direct=True, traces=traces))
        others = [child for child in rewrite.children if not isinstance(child, ComputedSubjectSet)]
        for child in sorted(others, key=lambda child: self._cost(namespace, child, objects)):
            if not remaining:
                break
            merge(self._child(namespace, child, sorted(remaining), depth, traces))
        return results

    def _intersection(
        self, namespace: str, rewrite: SubjectSetRewrite, objects: list[str], depth: int, traces: Traces
    ) -> dict[str, int]:
        results = dict.fromkeys(objects, MEMBER)
        remaining = set(objects)
        for child in sorted(rewrite.children, key=lambda child: self._cost(namespace, child, objects)):
            if not remaining:
                break
            for object_, outcome in self._child(namespace, child, sorted(remaining), depth, traces).items():
                if outcome < results[object_]:
                    results[object_] = outcome
                if outcome == NOT_MEMBER:
                    remaining.discard(object_)
        return results

    def _cost(self, namespace: str, child, objects: list[str]) -> int:
        """How much evaluating ``child`` may read, roughly: children of a union or intersection
        are evaluated cheapest first (the outcome does not depend on the order, only how soon a
        union finds a member or an intersection a non-member). A relation already read and
        holding no subject sets costs nothing more; one with subject sets to expand costs most."""
        if isinstance(child, InvertResult):
            return self._cost(namespace, child.child, objects)
        if isinstance(child, ComputedSubjectSet):
            if (namespace, child.relation) in self.permits:
                return 1
            nodes = self.reader.nodes
            for object_ in objects:
                entry = nodes.get((namespace, object_, child.relation))
                if entry is None or entry.children:
                    return 3
            return 0
        return 2 if isinstance(child, SubjectSetRewrite) else 4

    def _child(self, namespace: str, child, objects: list[str], depth: int, traces: Traces) -> dict[str, int]:
        """A child of a rewrite other than a computed reference under ``||``."""
        if isinstance(child, ComputedSubjectSet):
            return self.relation(namespace, child.relation, objects, depth, traces=traces)
        if isinstance(child, TupleToSubjectSet):
            return self.traverse(namespace, child, objects, depth, traces)
        if isinstance(child, SubjectSetRewrite):
            return self.rewrite(namespace, child, objects, depth - 1, traces)
        return self.invert(namespace, child, objects, depth, traces)

    def invert(
        self, namespace: str, invert: InvertResult, objects: list[str], depth: int, traces: Traces
    ) -> dict[str, int]:
        opened = self._open(traces, objects, "not", lambda o: "")
        inner = invert.child
        if isinstance(inner, ComputedSubjectSet):
            outcomes = self.relation(namespace, inner.relation, objects, depth, traces=opened)
        elif isinstance(inner, TupleToSubjectSet):
            outcomes = self.traverse(namespace, inner, objects, depth, opened)
        else:
            outcomes = self.rewrite(namespace, inner, objects, depth, opened)
        results = {object_: MEMBER - outcome for object_, outcome in outcomes.items()}
        self._close(opened, results)
        return results

    # --- traverse (tuple to subject set) ---------------------------------------------------
    def traverse(
        self, namespace: str, step: TupleToSubjectSet, objects: list[str], depth: int, traces: Traces
    ) -> dict[str, int]:
        label = f"{step.relation}.traverse(…{step.computed_relation})"
        opened = self._open(traces, objects, "traverse", lambda o: f"{_label(namespace, o, step.relation)} → {label}")
        if depth <= 0:
            results = {object_: self._unknown(MAX_DEPTH_EXCEEDED) for object_ in objects}
            self._close(opened, results)
            return results
        reader = self.reader
        reader.load(((namespace, o, step.relation) for o in objects), leaves=True)
        results = dict.fromkeys(objects, NOT_MEMBER)
        targets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))  # ns -> target -> sources
        for object_ in objects:
            node = reader.get((namespace, object_, step.relation))
            if node.truncated:
                results[object_] = self._unknown(MAX_WIDTH_EXCEEDED)
            for subject_set in (*node.children, *(node.leaves or ())):
                targets[subject_set.namespace][subject_set.object].append(object_)
        for target_namespace, by_target in targets.items():
            declared = self.schema.namespace(target_namespace)
            if declared is None or not declared.has(step.computed_relation):
                continue  # such a target cannot contain the subject
            child_traces = None
            if opened is not None:
                child_traces = {}
                for target, sources in by_target.items():
                    parent = opened.get(sources[0])
                    if parent is not None:
                        child_traces[target] = parent
            outcomes = self.relation(
                target_namespace, step.computed_relation, list(by_target), depth - 1, traces=child_traces
            )
            for target, outcome in outcomes.items():
                for source in by_target[target]:
                    if outcome > results[source]:
                        results[source] = outcome
        self._close(opened, results)
        return results

    # --- expansion of subject sets (Keto's ExpandSubject step), breadth-first --------------
    def expand(
        self, namespace: str, relation: str, objects: list[str], depth: int, traces: Traces = None
    ) -> dict[str, int]:
        from permissions_app.engine.expansion import Expansion

        return Expansion(self, namespace, relation, objects, depth, traces).run()

    def _node_has_subject_sets(self, nodes: list[Node]) -> dict[Node, bool]:
        unknown = [node for node in nodes if self.reader.get(node).has_subject_sets() is None]
        if unknown:
            self.reader.load(unknown, leaves=True)
        return {node: bool(self.reader.get(node).has_subject_sets()) for node in nodes}
