"""Tokens of the OPL subset of TypeScript: identifiers, string literals, punctuation, the
operators ``=>``, ``||``, ``&&``, ``!`` and ``|``, and comments (skipped)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import StrEnum

from permissions_app.opl.ast import Position, Span


class TokenKind(StrEnum):
    IDENTIFIER = "identifier"
    STRING = "string literal"
    PUNCTUATION = "punctuation"
    EOF = "end of input"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    value: str
    start: int  # offset of the first character
    end: int  # offset after the last character

    def describe(self) -> str:
        if self.kind is TokenKind.EOF:
            return "end of input"
        if self.kind is TokenKind.STRING:
            return f"string {self.value!r}"
        return f"{self.value!r}"


class LexError(Exception):
    def __init__(self, message: str, start: int, end: int):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


_MULTI = ("=>", "||", "&&")
_SINGLE = set("{}()[]<>,;:.=|!&")


def _is_identifier_start(char: str) -> bool:
    return char.isalpha() or char in "_$"


def _is_identifier_part(char: str) -> bool:
    return char.isalnum() or char in "_$"


def tokenize(source: str) -> list[Token]:
    """The tokens of ``source`` ending with an EOF token; raises :class:`LexError`."""
    tokens: list[Token] = []
    position = 0
    length = len(source)
    while position < length:
        char = source[position]
        if char.isspace():
            position += 1
            continue
        if source.startswith("//", position):
            newline = source.find("\n", position)
            position = length if newline < 0 else newline
            continue
        if source.startswith("/*", position):
            close = source.find("*/", position + 2)
            if close < 0:
                raise LexError("unclosed comment", position, length)
            position = close + 2
            continue
        multi = next((op for op in _MULTI if source.startswith(op, position)), None)
        if multi:
            tokens.append(Token(TokenKind.PUNCTUATION, multi, position, position + len(multi)))
            position += len(multi)
            continue
        if char in _SINGLE:
            tokens.append(Token(TokenKind.PUNCTUATION, char, position, position + 1))
            position += 1
            continue
        if char in "'\"":
            close = source.find(char, position + 1)
            newline = source.find("\n", position + 1)
            if close < 0 or (0 <= newline < close):
                raise LexError("unclosed string literal", position, newline if newline >= 0 else length)
            tokens.append(Token(TokenKind.STRING, source[position + 1 : close], position, close + 1))
            position = close + 1
            continue
        if _is_identifier_start(char):
            end = position + 1
            while end < length and _is_identifier_part(source[end]):
                end += 1
            tokens.append(Token(TokenKind.IDENTIFIER, source[position:end], position, end))
            position = end
            continue
        raise LexError(f"unexpected character {char!r}", position, position + 1)
    tokens.append(Token(TokenKind.EOF, "", length, length))
    return tokens


class SourceMap:
    """Turns character offsets into 1-based line and column numbers."""

    def __init__(self, source: str):
        self._line_starts = [0] + [index + 1 for index, char in enumerate(source) if char == "\n"]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(line=line + 1, column=offset - self._line_starts[line] + 1)

    def span(self, start: int, end: int) -> Span:
        return Span(self.position(start), self.position(max(start, end)))
