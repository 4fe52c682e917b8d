"""The parsed form of an Ory Permission Language (OPL) model.

An OPL file declares namespaces as TypeScript classes::

    class Document implements Namespace {
      related: { owners: User[]; viewers: (User | SubjectSet<Group, "members">)[] }
      permits = {
        view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx),
        edit: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
      }
    }

``related`` entries are *relations*: sets of subjects stored as relation tuples. ``permits``
entries are *permits*: computed from a rewrite expression, never stored. The rewrite tree keeps
Keto's shape (see ``keto/internal/namespace/ast``) because the check engine's depth accounting
depends on it: an ``Or``/``And`` node nested inside another costs one unit of depth, a computed
reference inside an ``Or`` costs one, inside an ``And`` or a ``!`` it costs none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Position:
    """A place in the source: 1-based line and column (Keto's ``SourcePosition``)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Span:
    start: Position
    end: Position


class Operator(StrEnum):
    OR = "or"
    AND = "and"


@dataclass(frozen=True, slots=True)
class ComputedSubjectSet:
    """``this.related.R.includes(ctx.subject)`` or ``this.permits.P(ctx)``: the subject is in
    relation or permit ``relation`` of the same object."""

    relation: str


@dataclass(frozen=True, slots=True)
class TupleToSubjectSet:
    """``this.related.R.traverse((x) => x.permits.P(ctx))``: for every subject set ``x`` in
    relation ``relation`` of the object, the subject is in ``computed_relation`` of ``x``'s object."""

    relation: str
    computed_relation: str


@dataclass(frozen=True, slots=True)
class InvertResult:
    """``!expr``: the negation of the child's result (unknown stays unknown)."""

    child: Child


@dataclass(frozen=True, slots=True)
class SubjectSetRewrite:
    """An n-ary ``||`` (union) or ``&&`` (intersection) of child expressions."""

    operator: Operator
    children: tuple[Child, ...]


Child = ComputedSubjectSet | TupleToSubjectSet | InvertResult | SubjectSetRewrite


@dataclass(frozen=True, slots=True)
class RelationType:
    """One allowed subject type of a relation: ``X`` (subjects of namespace ``X``) or
    ``SubjectSet<X, "r">`` (the subject set ``X:<object>#r``)."""

    namespace: str
    relation: str = ""

    def __str__(self) -> str:
        return f'SubjectSet<{self.namespace}, "{self.relation}">' if self.relation else self.namespace


@dataclass(frozen=True, slots=True)
class Relation:
    """A ``related`` entry: a set of subjects stored as relation tuples."""

    name: str
    types: tuple[RelationType, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Permit:
    """A ``permits`` entry: a set of subjects computed by ``rewrite``."""

    name: str
    rewrite: SubjectSetRewrite
    span: Span | None = field(default=None, compare=False)


@dataclass(slots=True)
class Namespace:
    """An OPL class: the relations and permits of objects in this namespace."""

    name: str
    relations: dict[str, Relation] = field(default_factory=dict)
    permits: dict[str, Permit] = field(default_factory=dict)
    span: Span | None = None

    def has(self, name: str) -> bool:
        return name in self.relations or name in self.permits


@dataclass(slots=True)
class Schema:
    """A whole, type-checked model: the namespaces by name, in declaration order."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    # Facts the engine derives from the model once (e.g. what a permit reads), by key.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    def namespace(self, name: str) -> Namespace | None:
        return self.namespaces.get(name)

    def permit(self, namespace: str, name: str) -> Permit | None:
        found = self.namespaces.get(namespace)
        return found.permits.get(name) if found else None

    def permits_by_name(self) -> dict[tuple[str, str], Permit]:
        """Every permit by ``(namespace, name)``: one dictionary lookup for the engine's hot paths."""
        index = self.derived.get("permits")
        if index is None:
            index = {(ns.name, name): permit for ns in self.namespaces.values() for name, permit in ns.permits.items()}
            self.derived["permits"] = index
        return index

    def is_relation(self, namespace: str, name: str) -> bool:
        found = self.namespaces.get(namespace)
        return bool(found and name in found.relations)
