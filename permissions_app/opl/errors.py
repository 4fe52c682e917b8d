"""Errors found in an OPL file, in Keto's ``ParseError`` shape."""

from __future__ import annotations

from dataclasses import dataclass

from permissions_app.opl.ast import Span


@dataclass(frozen=True, slots=True)
class ParseError:
    """A syntax or type error at ``span`` (1-based lines and columns)."""

    message: str
    span: Span

    def to_api(self) -> dict:
        """Keto's JSON form: ``{"message", "start": {"Line", "column"}, "end": {...}}``.

        The capital ``Line`` is Keto's (its Go struct tag), and what the SDKs read."""
        return {
            "message": self.message,
            "start": {"Line": self.span.start.line, "column": self.span.start.column},
            "end": {"Line": self.span.end.line, "column": self.span.end.column},
        }

    def __str__(self) -> str:
        return f"line {self.span.start.line}, column {self.span.start.column}: {self.message}"


class InvalidModel(Exception):
    """Raised by :func:`permissions_app.opl.parse_model` when the source has errors."""

    def __init__(self, errors: list[ParseError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))
