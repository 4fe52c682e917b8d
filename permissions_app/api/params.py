"""Parsing Keto's query parameters: tuples and queries in URLs, ``max-depth``, pagination.

The rules are Keto's (``ketoapi/enc_url_query.go``): ``subject_id`` or all three
``subject_set.*`` keys, never both; the old ``subject`` key is refused with a hint.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping

from ory_platform.errors import BadRequest
from permissions_app.tuples import RelationQuery, Relationship, Subject, SubjectID, SubjectSet

SUBJECT_SET_KEYS = ("subject_set.namespace", "subject_set.object", "subject_set.relation")
QUERY_KEYS = ("namespace", "object", "relation", "subject_id", *SUBJECT_SET_KEYS)

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _subject(params: Mapping[str, str]) -> Subject | None:
    if "subject" in params:
        raise BadRequest(
            'The "subject" parameter is no longer supported: provide "subject_id" or "subject_set.*".',
            error_id="dropped_subject_key",
        )
    has_set = [key for key in SUBJECT_SET_KEYS if key in params]
    if "subject_id" in params and has_set:
        raise BadRequest(
            "Exactly one of subject_set or subject_id has to be provided.",
            reason="Provide either subject_id or all of subject_set.namespace, subject_set.object and "
            "subject_set.relation.",
        )
    if "subject_id" in params:
        return SubjectID(params["subject_id"])
    if not has_set:
        return None
    if len(has_set) != len(SUBJECT_SET_KEYS):
        missing = ", ".join(key for key in SUBJECT_SET_KEYS if key not in params)
        raise BadRequest(
            'Incomplete subject: provide "subject_id" or a complete "subject_set.*".',
            reason=f"Missing: {missing} (subject_set.relation may be empty but must be present).",
        )
    return SubjectSet(*(params[key] for key in SUBJECT_SET_KEYS))


def query_from_params(params: Mapping[str, str]) -> RelationQuery:
    """A :class:`RelationQuery` from URL parameters (absent keys match anything)."""
    return RelationQuery(
        namespace=params.get("namespace"),
        object=params.get("object"),
        relation=params.get("relation"),
        subject=_subject(params),
    )


def relationship_from_params(params: Mapping[str, str]) -> Relationship:
    """A complete tuple from URL parameters (for checks)."""
    query = query_from_params(params)
    if query.subject is None:
        raise BadRequest("A subject is required: provide subject_id or subject_set.namespace/object/relation.")
    missing = [key for key in ("namespace", "object", "relation") if getattr(query, key) is None]
    if missing:
        raise BadRequest(
            'Incomplete relation tuple: provide "namespace", "object", "relation" and a subject.',
            reason=f"Missing: {', '.join(missing)}.",
        )
    return Relationship(query.namespace, query.object, query.relation, query.subject)


def max_depth_from_params(params: Mapping[str, str]) -> int | None:
    raw = params.get("max-depth")
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"Unable to parse 'max-depth' query parameter to int: {raw!r}.") from None


def refuse_unknown_params(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadRequest(f"Unknown query parameter(s): {', '.join(unknown)}.")


# --- pagination ------------------------------------------------------------------------------
def page_size_from_params(params: Mapping[str, str]) -> int:
    raw = params.get("page_size")
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise BadRequest(f"page_size must be an integer, got {raw!r}.") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    return size


def encode_page_token(last_id: uuid.UUID) -> str:
    """An opaque token naming the last tuple of a page (the next page starts after it)."""
    payload = json.dumps({"v": 1, "after": str(last_id)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_page_token(token: str | None) -> uuid.UUID | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload.get("v") != 1:
            raise ValueError("unknown version")
        return uuid.UUID(payload["after"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("The page_token is invalid; use the next_page_token of a previous response.") from None


def flatten_query(relationship: Mapping) -> dict[str, str]:
    """Keto's JSON tuple as URL parameters (``subject_set.namespace=...`` etc.)."""
    flat = {key: relationship[key] for key in ("namespace", "object", "relation")}
    if "subject_id" in relationship:
        flat["subject_id"] = relationship["subject_id"]
    else:
        flat.update({f"subject_set.{key}": value for key, value in relationship["subject_set"].items()})
    return flat
