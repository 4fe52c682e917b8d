"""A recursive-descent parser for the OPL subset of TypeScript that Keto accepts.

Operators follow Keto, not TypeScript: ``||`` and ``&&`` have equal precedence and group left
to right (``a || b && c`` is ``(a || b) && c``), and ``!`` applies to one call or one
parenthesised group. The rewrite tree is simplified as Keto simplifies it, so the engine spends
depth exactly where Keto does.

A syntax error ends the current class; parsing resumes at the next ``class`` so that one run
reports every broken class. Type checks run once the whole file parsed cleanly
(:mod:`permissions_app.opl.typecheck`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from permissions_app.opl.ast import (
    Child,
    ComputedSubjectSet,
    InvertResult,
    Namespace,
    Operator,
    Permit,
    Relation,
    RelationType,
    SubjectSetRewrite,
    TupleToSubjectSet,
)
from permissions_app.opl.errors import ParseError
from permissions_app.opl.lexer import LexError, SourceMap, Token, TokenKind, tokenize

# Keto's limit on nested '(' and '!' inside one permit.
EXPRESSION_NESTING_MAX_DEPTH = 10

_OPERATORS = {"||": Operator.OR, "&&": Operator.AND}


class _SyntaxError(Exception):
    def __init__(self, token: Token, message: str):
        super().__init__(message)
        self.token = token
        self.message = message


@dataclass(slots=True)
class _Group:
    """A rewrite under construction (Keto builds binary nodes, then flattens them)."""

    operator: Operator
    children: list = field(default_factory=list)


@dataclass(slots=True)
class _TypeCheck:
    """A deferred check: runs once every class is known."""

    run: Callable[..., None]


@dataclass(slots=True)
class ParsedFile:
    namespaces: list[Namespace]
    errors: list[ParseError]
    checks: list[_TypeCheck]
    source_map: SourceMap
    syntax_failed: bool


class Parser:
    def __init__(self, source: str):
        self.source_map = SourceMap(source)
        self.errors: list[ParseError] = []
        self.syntax_failed = False  # type checks only make sense on a file that parsed
        self.checks: list[_TypeCheck] = []
        self.namespaces: list[Namespace] = []
        try:
            self.tokens = tokenize(source)
        except LexError as error:
            self.tokens = []
            self.syntax_failed = True
            self.errors.append(ParseError(error.message, self.source_map.span(error.start, error.end)))
        self.index = 0

    # --- token helpers ---------------------------------------------------------------------
    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _next(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.EOF:
            self.index += 1
        return token

    def _at(self, value: str) -> bool:
        token = self._peek()
        return token.kind is TokenKind.PUNCTUATION and token.value == value

    def _at_word(self, value: str) -> bool:
        token = self._peek()
        return token.kind is TokenKind.IDENTIFIER and token.value == value

    def _expect(self, value: str) -> Token:
        token = self._next()
        if token.kind in (TokenKind.PUNCTUATION, TokenKind.IDENTIFIER) and token.value == value:
            return token
        raise _SyntaxError(token, f"expected {value!r}, got {token.describe()}")

    def _skip(self, value: str) -> bool:
        if self._at(value):
            self._next()
            return True
        return False

    def _name(self, what: str = "a name") -> Token:
        """An identifier or a quoted name (``"scope.relation"``)."""
        token = self._next()
        if token.kind in (TokenKind.IDENTIFIER, TokenKind.STRING):
            return token
        raise _SyntaxError(token, f"expected {what}, got {token.describe()}")

    def span(self, token: Token):
        return self.source_map.span(token.start, token.end)

    def error(self, token: Token, message: str) -> None:
        self.errors.append(ParseError(message, self.span(token)))

    def check(self, run: Callable[..., None]) -> None:
        self.checks.append(_TypeCheck(run))

    # --- file and classes ------------------------------------------------------------------
    def parse(self) -> ParsedFile:
        if self.tokens:
            while self._peek().kind is not TokenKind.EOF:
                try:
                    self._top_level()
                except _SyntaxError as error:
                    self.error(error.token, error.message)
                    self.syntax_failed = True
                    self._recover()
        return ParsedFile(self.namespaces, self.errors, self.checks, self.source_map, self.syntax_failed)

    def _recover(self) -> None:
        """Skip to the next ``class`` keyword, so the following classes are still checked."""
        while self._peek().kind is not TokenKind.EOF and not self._at_word("class"):
            self._next()

    def _top_level(self) -> None:
        token = self._peek()
        if self._skip(";"):
            return
        if self._at_word("import"):
            self._import()
            return
        if self._at_word("export"):
            self._next()
        if self._at_word("class"):
            self._class()
            return
        raise _SyntaxError(token, f"expected 'class' or 'import', got {token.describe()}")

    def _import(self) -> None:
        """``import ... from '...'``: imports of the OPL type library are ignored."""
        self._next()
        while self._peek().kind is not TokenKind.EOF:
            token = self._next()
            if token.kind is TokenKind.STRING:
                break
        self._skip(";")

    def _class(self) -> None:
        self._expect("class")
        name = self._name("a class name")
        self._expect("implements")
        interface = self._name("'Namespace'")
        if interface.value != "Namespace":
            raise _SyntaxError(interface, f"expected 'Namespace', got {interface.describe()}")
        self._expect("{")
        namespace = Namespace(name=name.value, span=self.span(name))
        names: dict[str, Token] = {}
        while not self._skip("}"):
            token = self._next()
            if token.kind is TokenKind.PUNCTUATION and token.value in (";", ","):
                continue
            if token.kind is TokenKind.IDENTIFIER and token.value == "related":
                self._related(namespace, names)
            elif token.kind is TokenKind.IDENTIFIER and token.value == "permits":
                self._permits(namespace, names)
            else:
                raise _SyntaxError(token, f"expected 'related', 'permits' or '}}', got {token.describe()}")
        self.namespaces.append(namespace)
        self.check(lambda checker, token=name: checker.namespace_declared_once(token))
        self.check(lambda checker, token=name: checker.name_fits(token))

    def _declare(self, names: dict[str, Token], token: Token) -> None:
        if token.value in names:
            self.error(token, f"{token.value!r} is declared twice in this class")
        names[token.value] = token
        self.check(lambda checker, token=token: checker.name_fits(token))

    # --- related: { name: Type[] } ---------------------------------------------------------
    def _related(self, namespace: Namespace, names: dict[str, Token]) -> None:
        self._expect(":")
        self._expect("{")
        while not self._skip("}"):
            if self._skip(";") or self._skip(","):
                continue
            name = self._name("a relation name")
            self._expect(":")
            types = self._relation_types()
            self._declare(names, name)
            namespace.relations.setdefault(name.value, Relation(name.value, tuple(types), self.span(name)))

    def _relation_types(self) -> list[RelationType]:
        token = self._peek()
        if self._at_word("Array"):
            self._next()
            self._expect("<")
            types = self._type_union(">")
            return types
        if self._skip("("):
            types = self._type_union(")")
        elif token.kind is TokenKind.IDENTIFIER:
            types = [self._single_type()]
        else:
            raise _SyntaxError(token, f"expected a type, got {token.describe()}")
        self._expect("[")
        self._expect("]")
        return types

    def _type_union(self, closing: str) -> list[RelationType]:
        types = [self._single_type()]
        while self._skip("|"):
            types.append(self._single_type())
        self._expect(closing)
        return types

    def _single_type(self) -> RelationType:
        token = self._next()
        if token.kind is not TokenKind.IDENTIFIER:
            raise _SyntaxError(token, f"expected a class name or 'SubjectSet', got {token.describe()}")
        if token.value != "SubjectSet":
            self.check(lambda checker: checker.namespace_exists(token))
            return RelationType(token.value)
        self._expect("<")
        namespace = self._name("a class name")
        self._expect(",")
        relation = self._name("a relation name")
        self._expect(">")
        self.check(lambda checker: checker.namespace_has(namespace, relation))
        return RelationType(namespace.value, relation.value)

    # --- permits = { name: (ctx: Context): boolean => expression } -------------------------
    def _permits(self, namespace: Namespace, names: dict[str, Token]) -> None:
        self._expect("=")
        self._expect("{")
        while not self._skip("}"):
            if self._skip(",") or self._skip(";"):
                continue
            name = self._name("a permit name")
            self._expect(":")
            self._expect("(")
            context = self._next()
            if context.kind is not TokenKind.IDENTIFIER:
                raise _SyntaxError(context, f"expected the context parameter, got {context.describe()}")
            if self._skip(":"):
                annotation = self._next()
                if annotation.value != "Context":
                    self.error(annotation, f"unexpected type annotation {annotation.describe()}, expected 'Context'")
            self._expect(")")
            if self._skip(":"):
                annotation = self._next()
                if annotation.value != "boolean":
                    self.error(annotation, f"unexpected type annotation {annotation.describe()}, expected 'boolean'")
            self._expect("=>")
            expression = _Expression(self, namespace, context.value)
            rewrite = expression.parse()
            self._declare(names, name)
            namespace.permits.setdefault(name.value, Permit(name.value, rewrite, self.span(name)))


class _Expression:
    """One permit body. ``||``/``&&`` chains are built like Keto builds them, then flattened."""

    def __init__(self, parser: Parser, namespace: Namespace, context: str):
        self.parser = parser
        self.namespace = namespace
        self.context = context

    def parse(self) -> SubjectSetRewrite:
        group = self._chain(EXPRESSION_NESTING_MAX_DEPTH, closing=None)
        return _simplify(group)

    def _chain(self, depth: int, closing: str | None) -> _Group:
        p = self.parser
        root: _Group | None = None
        while True:
            root = _add_child(root, self._operand(depth))
            token = p._peek()
            if token.kind is TokenKind.PUNCTUATION and token.value in _OPERATORS:
                p._next()
                root = _Group(_OPERATORS[token.value], [root])
                continue
            if closing is not None and p._skip(closing):
                return root
            if closing is None and (p._skip(",") or p._at("}")):
                return root
            expected = f"'||', '&&' or {closing!r}" if closing else "'||', '&&', ',' or '}'"
            raise _SyntaxError(token, f"expected {expected}, got {token.describe()}")

    def _operand(self, depth: int) -> Child | _Group:
        p = self.parser
        token = p._peek()
        if depth <= 0:
            raise _SyntaxError(
                token, f"expression nested too deeply; the maximal nesting depth is {EXPRESSION_NESTING_MAX_DEPTH}"
            )
        if p._skip("("):
            return self._chain(depth - 1, closing=")")
        if p._skip("!"):
            if p._skip("("):
                return InvertResult(self._chain(depth - 1, closing=")"))
            return InvertResult(self._call())
        return self._call()

    def _access(self) -> Token:
        """``.name`` or ``["name"]``."""
        p = self.parser
        if p._skip("["):
            name = p._name()
            p._expect("]")
            return name
        p._expect(".")
        return p._name()

    def _context_subject(self) -> None:
        p = self.parser
        p._expect(self.context)
        p._expect(".")
        p._expect("subject")

    def _call(self) -> Child:
        p = self.parser
        this = p._next()
        if this.value != "this" or this.kind is not TokenKind.IDENTIFIER:
            raise _SyntaxError(this, f"expected 'this', got {this.describe()}")
        p._expect(".")
        verb = p._next()
        if verb.value == "permits":
            name = self._access()
            p._expect("(")
            p._expect(self.context)
            p._expect(")")
            namespace = self.namespace
            p.check(lambda checker: checker.permit_exists(namespace, name))
            return ComputedSubjectSet(name.value)
        if verb.value != "related":
            raise _SyntaxError(verb, f"expected 'related' or 'permits', got {verb.describe()}")
        name = self._access()
        p._expect(".")
        method = p._next()
        namespace = self.namespace
        if method.value == "includes":
            p._expect("(")
            self._context_subject()
            p._expect(")")
            p.check(lambda checker: checker.relation_exists(namespace, name))
            return ComputedSubjectSet(name.value)
        if method.value == "traverse":
            return self._traverse(name)
        raise _SyntaxError(method, f"expected 'includes' or 'traverse', got {method.describe()}")

    def _traverse(self, relation: Token) -> TupleToSubjectSet:
        """``.traverse((x) => x.related.S.includes(ctx.subject))`` or ``... => x.permits.P(ctx))``."""
        p = self.parser
        p._expect("(")
        if p._skip("("):
            argument = p._next()
            p._expect(")")
        else:
            argument = p._next()
        if argument.kind is not TokenKind.IDENTIFIER:
            raise _SyntaxError(argument, f"expected a parameter name, got {argument.describe()}")
        p._expect("=>")
        p._expect(argument.value)
        p._expect(".")
        verb = p._next()
        if verb.value == "related":
            target = self._access()
            p._expect(".")
            p._expect("includes")
            p._expect("(")
            self._context_subject()
            p._skip(",")
            p._expect(")")
            wants_permit = False
        elif verb.value == "permits":
            target = self._access()
            p._expect("(")
            p._expect(self.context)
            p._expect(")")
            wants_permit = True
        else:
            raise _SyntaxError(verb, f"expected 'related' or 'permits', got {verb.describe()}")
        p._skip(",")
        p._expect(")")
        namespace = self.namespace
        p.check(lambda checker: checker.relation_exists(namespace, relation))
        p.check(lambda checker: checker.traverse_targets_have(namespace, relation, target, wants_permit))
        return TupleToSubjectSet(relation.value, target.value)


def _add_child(root: _Group | None, child: Child | _Group) -> _Group:
    if root is None:
        return child if isinstance(child, _Group) else _Group(Operator.OR, [child])
    root.children.append(child)
    return root


def _simplify(group: _Group) -> SubjectSetRewrite:
    """Keto's ``simplifyExpression``: a nested group with one child, or with the parent's
    operator, is merged into the parent; a negated group is simplified but kept."""
    children: list[Child] = []
    for child in group.children:
        if isinstance(child, _Group):
            simplified = _simplify(child)
            if len(simplified.children) == 1 or simplified.operator is group.operator:
                children.extend(simplified.children)
            else:
                children.append(simplified)
        elif isinstance(child, InvertResult) and isinstance(child.child, _Group):
            children.append(InvertResult(_simplify(child.child)))
        else:
            children.append(child)
    return SubjectSetRewrite(group.operator, tuple(children))
