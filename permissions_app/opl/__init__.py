"""The Ory Permission Language: parsing and type-checking permission models.

>>> schema = parse_model("class User implements Namespace {}")
>>> list(schema.namespaces)
['User']
"""

from __future__ import annotations

from permissions_app.opl.ast import Schema
from permissions_app.opl.errors import InvalidModel, ParseError
from permissions_app.opl.parser import Parser
from permissions_app.opl.typecheck import TypeChecker

__all__ = ["InvalidModel", "ParseError", "Schema", "check_model", "parse_model"]


def _parse(source: str) -> tuple[Schema, list[ParseError]]:
    parser = Parser(source)
    parsed = parser.parse()
    errors = list(parsed.errors) if parsed.syntax_failed else TypeChecker(parser).run()
    schema = Schema()
    for namespace in parsed.namespaces:
        schema.namespaces.setdefault(namespace.name, namespace)
    errors.sort(key=lambda error: (error.span.start.line, error.span.start.column))
    return schema, errors


def check_model(source: str) -> list[ParseError]:
    """Every syntax and type error in ``source``, in source order (empty when valid)."""
    return _parse(source)[1]


def parse_model(source: str) -> Schema:
    """The schema declared by ``source``; raises :class:`InvalidModel` listing every error."""
    schema, errors = _parse(source)
    if errors:
        raise InvalidModel(errors)
    return schema
