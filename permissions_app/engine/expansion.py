"""Breadth-first expansion of the subject sets in a relation, for many start objects at once.

Level *k* holds the subject sets at distance *k* from their start object. One statement reads a
whole level: whether the subject is directly in each subject set (then the start object's
outcome is *member*) and which subject sets each one contains (the next level). Subject sets
that are permits are evaluated through their rewrite, all of one kind together.

Depth (see :mod:`permissions_app.engine.evaluator`): a subject set at distance *k* is checked
for the subject at depth ``d - k`` and expanded while ``d - k > 1``; one that still holds subject
sets when ``d - k == 1`` makes the outcome *unknown* (unless the subject is found anyway).
"""

from __future__ import annotations

from collections import defaultdict

from permissions_app.engine.evaluator import MAX_DEPTH_EXCEEDED, MAX_WIDTH_EXCEEDED, Evaluator, Traces
from permissions_app.engine.store import Node
from permissions_app.engine.trace import MEMBER, NOT_MEMBER, UNKNOWN, TraceNode

# How many searched subject sets an explanation lists under a relation that did not match.
TRACE_SEARCHED_LIMIT = 50


class Expansion:
    def __init__(
        self, evaluator: Evaluator, namespace: str, relation: str, objects: list[str], depth: int, traces: Traces
    ):
        self.evaluator = evaluator
        self.reader = evaluator.reader
        self.schema = evaluator.schema
        self.permits = evaluator.permits
        self.depth = depth
        self.starts = {object_: (namespace, object_, relation) for object_ in objects}
        self.results = dict.fromkeys(objects, NOT_MEMBER)
        self.unknown: set[str] = set()
        self.active = set(objects)
        self.visited: dict[str, set[Node]] = {object_: set() for object_ in objects}
        self.traces = traces
        # For explanations: how each subject set was reached, per start object.
        self.parents: dict[str, dict[Node, Node]] | None = (
            {object_: {} for object_ in objects} if traces is not None else None
        )
        self.found_in: dict[str, Node] = {}

    def run(self) -> dict[str, int]:
        level: dict[Node, set[str]] = {node: {object_} for object_, node in self.starts.items()}
        distance = 0
        while level and self.active:
            if distance >= 1:
                self._check_level(level)
                if distance >= self.depth:
                    break
                self._evaluate_permits(level, distance)
            level = self._next_level(level, cut=distance == self.depth - 1)
            distance += 1
        for object_ in self.unknown:
            if self.results[object_] != MEMBER:
                self.results[object_] = UNKNOWN
        if self.traces is not None:
            self._explain()
        return self.results

    def _alive(self, sources: set[str]) -> set[str]:
        return sources & self.active

    def _member(self, sources: set[str], found: Node) -> None:
        for object_ in sources:
            self.results[object_] = MEMBER
            self.active.discard(object_)
            self.found_in.setdefault(object_, found)

    def _check_level(self, level: dict[Node, set[str]]) -> None:
        """Is the subject directly in any subject set of this level?"""
        stored = [
            node for node, sources in level.items() if sources & self.active and (node[0], node[2]) not in self.permits
        ]
        self.reader.load(stored)
        for node in stored:
            sources = self._alive(level[node])
            if sources and self.reader.get(node).direct:
                self._member(sources, node)

    def _evaluate_permits(self, level: dict[Node, set[str]], distance: int) -> None:
        """Subject sets that are permits: evaluate their rewrite at the remaining depth."""
        groups: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(dict)
        for node, sources in level.items():
            if (node[0], node[2]) in self.permits:
                alive = self._alive(sources)
                if alive:
                    groups[(node[0], node[2])][node[1]] = alive
        for (namespace, relation), by_object in groups.items():
            traces = None
            if self.traces is not None:
                traces = {}
                for object_, sources in by_object.items():
                    start = next(iter(sources))
                    if start in self.traces:
                        traces[object_] = self.traces[start].add("via", f"{namespace}:{object_}#{relation}")
            outcomes = self.evaluator.relation(
                namespace, relation, list(by_object), self.depth - distance, skip_direct=True, traces=traces
            )
            for object_, outcome in outcomes.items():
                sources = self._alive(by_object[object_])
                if outcome == MEMBER:
                    self._member(sources, (namespace, object_, relation))
                elif outcome == UNKNOWN:
                    self.unknown |= sources
            if traces:
                for object_, node in traces.items():
                    node.outcome = outcomes.get(object_)

    def _next_level(self, level: dict[Node, set[str]], *, cut: bool) -> dict[Node, set[str]]:
        stored = {node: self._alive(sources) for node, sources in level.items()}
        stored = {
            node: sources for node, sources in stored.items() if sources and (node[0], node[2]) not in self.permits
        }
        if cut:
            # Keto: a subject set expanded with one unit of depth left, holding subject sets
            # (even relation-less ones) among which the subject was not found, is unknown.
            for node, has_sets in self.evaluator._node_has_subject_sets(list(stored)).items():
                if has_sets:
                    self.unknown |= stored[node]
                    self.evaluator.limitations.add(MAX_DEPTH_EXCEEDED)
        following: dict[Node, set[str]] = {}
        for node, sources in stored.items():
            entry = self.reader.get(node)
            if entry.truncated:
                self.unknown |= sources
                self.evaluator.limitations.add(MAX_WIDTH_EXCEEDED)
            for subject_set in entry.children:
                child = (subject_set.namespace, subject_set.object, subject_set.relation)
                for object_ in sources:
                    seen = self.visited[object_]
                    if child not in seen:
                        seen.add(child)
                        following.setdefault(child, set()).add(object_)
                        if self.parents is not None:
                            self.parents[object_].setdefault(child, node)
        return following

    # --- explanations ----------------------------------------------------------------------
    def _explain(self) -> None:
        assert self.traces is not None and self.parents is not None
        for object_, trace in self.traces.items():
            parents = self.parents.get(object_, {})
            start = self.starts[object_]
            found = self.found_in.get(object_)
            if found is not None:
                chain = [found]
                while chain[-1] in parents and parents[chain[-1]] != start:
                    chain.append(parents[chain[-1]])
                parent = trace
                for node in reversed(chain):
                    parent = parent.add("subject_set", f"{node[0]}:{node[1]}#{node[2]}", MEMBER)
                if (found[0], found[2]) not in self.permits:
                    parent.add("tuple", f"{found[0]}:{found[1]}#{found[2]}@{self.reader.subject}", MEMBER)
                continue
            searched = list(parents)
            for node in searched[:TRACE_SEARCHED_LIMIT]:
                trace.add("searched", f"{node[0]}:{node[1]}#{node[2]}", NOT_MEMBER)
            if len(searched) > TRACE_SEARCHED_LIMIT:
                trace.add("searched", f"… and {len(searched) - TRACE_SEARCHED_LIMIT} more subject sets")


__all__ = ["Expansion", "TraceNode"]
