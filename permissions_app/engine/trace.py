"""Explanations of a check: the tree of steps the engine took, each with its outcome.

For an allowed check the tree contains the proof (the chain of subject sets and tuples that
grants access); for a denied one it shows what was searched. The staff console renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_MEMBER, UNKNOWN, MEMBER = 0, 1, 2

OUTCOME_NAMES = {MEMBER: "member", NOT_MEMBER: "not_member", UNKNOWN: "unknown"}


@dataclass(slots=True)
class TraceNode:
    """One step: ``kind`` says what was evaluated, ``label`` on what, ``outcome`` with what result."""

    kind: str
    label: str
    outcome: int | None = None
    note: str = ""
    children: list[TraceNode] = field(default_factory=list)

    def add(self, kind: str, label: str, outcome: int | None = None, note: str = "") -> TraceNode:
        child = TraceNode(kind, label, outcome, note)
        self.children.append(child)
        return child

    @property
    def outcome_name(self) -> str:
        return OUTCOME_NAMES.get(self.outcome, "not evaluated")

    def proof(self) -> TraceNode | None:
        """The part of the tree that proves membership: for every step that succeeded, only
        the children that made it succeed (all of them under an intersection)."""
        if self.outcome != MEMBER:
            return None
        kept = (
            self.children if self.kind in ("intersection", "not") else [c for c in self.children if c.outcome == MEMBER]
        )
        if self.kind not in ("intersection", "not") and kept:
            kept = kept[:1]
        pruned = TraceNode(self.kind, self.label, self.outcome, self.note)
        for child in kept:
            if self.kind == "not":
                pruned.children.append(child)
            else:
                sub = child.proof()
                pruned.children.append(sub if sub is not None else child)
        return pruned

    def lines(self, depth: int = 0, limit: int = 400) -> list[tuple[int, TraceNode]]:
        """The tree flattened depth-first as ``(indent, node)``, at most ``limit`` entries."""
        out: list[tuple[int, TraceNode]] = []
        stack = [(depth, self)]
        while stack and len(out) < limit:
            indent, node = stack.pop()
            out.append((indent, node))
            stack.extend((indent + 1, child) for child in reversed(node.children))
        return out

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "outcome": self.outcome_name,
            "note": self.note,
            "children": [child.to_dict() for child in self.children],
        }
