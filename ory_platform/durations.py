"""Go's duration syntax (``1h30m``, ``90s``, ``500ms``), which Ory's APIs and CLIs use for lifespans."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(?:\d+(?:ns|us|µs|ms|s|m|h))+")
_PART = re.compile(r"(\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def duration_seconds(text: str) -> float:
    """The seconds a Go duration names; ``ValueError`` for anything else (signs and fractions are
    not accepted: nothing here needs them)."""
    if not isinstance(text, str) or not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration such as 1h30m, 90s or 500ms")
    return sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(text))
