"""Type checks of a parsed OPL file: every name a model uses must be declared.

Stricter than Keto where TypeScript itself would be: ``this.related.X`` must name a relation
and ``this.permits.X`` a permit. A cycle of permits that call each other without spending
depth (through ``&&`` or ``!``) is refused too; Keto would recurse until its call budget ran out.
"""

from __future__ import annotations

from permissions_app.opl.ast import (
    ComputedSubjectSet,
    InvertResult,
    Namespace,
    Operator,
    SubjectSetRewrite,
)
from permissions_app.opl.errors import ParseError
from permissions_app.opl.lexer import Token
from permissions_app.opl.parser import Parser

# Namespace, relation and permit names are stored in 64-character columns.
MAX_NAME_LENGTH = 64


class TypeChecker:
    def __init__(self, parser: Parser):
        self.parser = parser
        self.namespaces: dict[str, Namespace] = {}
        self._declared: set[str] = set()
        for namespace in parser.namespaces:
            self.namespaces.setdefault(namespace.name, namespace)

    def run(self) -> list[ParseError]:
        for check in self.parser.checks:
            check.run(self)
        self._zero_cost_cycles()
        return self.parser.errors

    def _error(self, token: Token, message: str) -> None:
        self.parser.error(token, message)

    # --- checks the parser schedules -------------------------------------------------------
    def namespace_declared_once(self, token: Token) -> None:
        if token.value in self._declared:
            self._error(token, f"class {token.value!r} is declared twice")
        self._declared.add(token.value)

    def name_fits(self, token: Token) -> None:
        if not token.value:
            self._error(token, "names must not be empty")
        elif len(token.value) > MAX_NAME_LENGTH:
            self._error(token, f"names are limited to {MAX_NAME_LENGTH} characters")

    def namespace_exists(self, token: Token) -> None:
        if token.value not in self.namespaces:
            self._error(token, f"namespace {token.value!r} was not declared")

    def namespace_has(self, namespace: Token, relation: Token) -> None:
        found = self.namespaces.get(namespace.value)
        if found is None:
            self._error(namespace, f"namespace {namespace.value!r} was not declared")
        elif not found.has(relation.value):
            self._error(relation, f"namespace {namespace.value!r} did not declare relation {relation.value!r}")

    def relation_exists(self, namespace: Namespace, token: Token) -> None:
        if token.value in namespace.relations:
            return
        if token.value in namespace.permits:
            self._error(
                token,
                f"{token.value!r} is a permit of namespace {namespace.name!r}, not a relation: "
                f"use this.permits.{token.value}(ctx)",
            )
        else:
            self._error(token, f"namespace {namespace.name!r} did not declare relation {token.value!r}")

    def permit_exists(self, namespace: Namespace, token: Token) -> None:
        if token.value in namespace.permits:
            return
        if token.value in namespace.relations:
            self._error(
                token,
                f"{token.value!r} is a relation of namespace {namespace.name!r}, not a permit: "
                f"use this.related.{token.value}.includes(ctx.subject)",
            )
        else:
            self._error(token, f"namespace {namespace.name!r} did not declare permit {token.value!r}")

    def traverse_targets_have(self, namespace: Namespace, relation: Token, target: Token, wants_permit: bool) -> None:
        """Every namespace a traversed relation may point to must declare the called member."""
        declared = namespace.relations.get(relation.value)
        if declared is None:
            return  # reported by relation_exists
        kind = "permit" if wants_permit else "relation"
        for relation_type in declared.types:
            other = self.namespaces.get(relation_type.namespace)
            if other is None:
                continue  # reported by namespace_exists
            members = other.permits if wants_permit else other.relations
            if target.value not in members:
                self._error(
                    target,
                    f"namespace {other.name!r} (a type of relation {relation.value!r}) "
                    f"did not declare {kind} {target.value!r}",
                )

    # --- whole-model checks ----------------------------------------------------------------
    def _zero_cost_cycles(self) -> None:
        for namespace in self.namespaces.values():
            edges = {name: _free_references(permit.rewrite) for name, permit in namespace.permits.items()}
            state: dict[str, int] = {}  # 1: on the current path, 2: done

            def visit(name: str, path: list[str], namespace=namespace, edges=edges, state=state) -> None:
                state[name] = 1
                for reference in edges.get(name, ()):
                    if state.get(reference) == 1:
                        cycle = [*path[path.index(reference) :], reference] if reference in path else [name, reference]
                        permit = namespace.permits[reference]
                        self.parser.errors.append(
                            ParseError(
                                f"permits {' -> '.join(cycle)} of namespace {namespace.name!r} call each other "
                                "through '&&' or '!' without ever consuming depth",
                                permit.span,
                            )
                        )
                    elif reference in edges and state.get(reference) is None:
                        visit(reference, [*path, reference])
                state[name] = 2

            for name in edges:
                if state.get(name) is None:
                    visit(name, [name])


def _free_references(rewrite: SubjectSetRewrite) -> set[str]:
    """Names this rewrite evaluates on the same object without spending depth: a computed
    reference directly under ``&&``, or under ``!`` (whose group runs at the same depth). Under
    ``||`` a computed reference costs one unit, as does a nested group (see the engine)."""
    found: set[str] = set()
    for child in rewrite.children:
        if isinstance(child, ComputedSubjectSet) and rewrite.operator is Operator.AND:
            found.add(child.relation)
        elif isinstance(child, InvertResult):
            inner = child.child
            if isinstance(inner, ComputedSubjectSet):
                found.add(inner.relation)
            elif isinstance(inner, SubjectSetRewrite):
                found |= _free_references(inner)
    return found
