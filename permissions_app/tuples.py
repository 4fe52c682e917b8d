"""Relationships (relation tuples) as values: ``namespace:object#relation@subject``.

A subject is either a :class:`SubjectID` (an opaque id such as a user id) or a
:class:`SubjectSet` (everyone in ``namespace:object#relation``; the relation may be empty, as in
Keto's ``User:alice`` or ``Vault:root#``). These values are what the API parses, the engine
evaluates and the services store; :class:`permissions_app.models.RelationTuple` is their row.

The text notation and the JSON shapes are Keto's (``ketoapi``): ``subject_id`` or
``subject_set: {namespace, object, relation}``, never both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ory_platform.errors import BadRequest

# Column sizes (see models.RelationTuple); names come from the model and are limited there.
MAX_NAME_LENGTH = 64
MAX_VALUE_LENGTH = 256


class InvalidRelationTuple(BadRequest):
    error_id = "invalid_relation_tuple"


@dataclass(frozen=True, slots=True)
class SubjectID:
    id: str

    def __str__(self) -> str:
        return self.id

    def to_api(self) -> dict[str, Any]:
        return {"subject_id": self.id}


@dataclass(frozen=True, slots=True)
class SubjectSet:
    namespace: str
    object: str
    relation: str = ""

    def __str__(self) -> str:
        return f"{self.namespace}:{self.object}#{self.relation}" if self.relation else f"{self.namespace}:{self.object}"

    def to_api(self) -> dict[str, Any]:
        return {"subject_set": {"namespace": self.namespace, "object": self.object, "relation": self.relation}}


Subject = SubjectID | SubjectSet


@dataclass(frozen=True, slots=True)
class Relationship:
    namespace: str
    object: str
    relation: str
    subject: Subject

    def __str__(self) -> str:
        return f"{self.namespace}:{self.object}#{self.relation}@{self.subject}"

    def to_api(self) -> dict[str, Any]:
        """Keto's ``relationship`` JSON."""
        return {"namespace": self.namespace, "object": self.object, "relation": self.relation, **self.subject.to_api()}


@dataclass(frozen=True, slots=True)
class RelationQuery:
    """A filter over relation tuples; ``None`` matches anything."""

    namespace: str | None = None
    object: str | None = None
    relation: str | None = None
    subject: Subject | None = None

    def is_empty(self) -> bool:
        return self.namespace is None and self.object is None and self.relation is None and self.subject is None


# --- text notation ---------------------------------------------------------------------------
def parse_subject(text: str) -> Subject:
    """``id``, ``ns:obj``, ``ns:obj#rel`` or ``(ns:obj#rel)`` (Keto's brackets are optional)."""
    text = text.strip().strip("()")
    if ":" not in text:
        return SubjectID(text)
    namespace_and_object, _, relation = text.partition("#")
    namespace, _, object_ = namespace_and_object.partition(":")
    return SubjectSet(namespace, object_, relation)


def parse_tuple(text: str) -> Relationship:
    """A tuple in Keto's notation ``namespace:object#relation@subject``."""
    text = text.strip()
    namespace, colon, rest = text.partition(":")
    object_, hash_, rest = rest.partition("#")
    relation, at, subject = rest.partition("@")
    if not (colon and hash_ and at):
        raise InvalidRelationTuple(
            f"Malformed relation tuple {text!r}: expected 'namespace:object#relation@subject'.",
            error_id="malformed_relation_tuple",
        )
    return Relationship(namespace, object_, relation, parse_subject(subject))


# --- JSON ------------------------------------------------------------------------------------
def _string(payload: Mapping, key: str, where: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise InvalidRelationTuple(f"{where}{key} must be a string.")
    return value


def subject_from_api(payload: Mapping, where: str = "") -> Subject:
    """The subject of a Keto JSON tuple or query: ``subject_id`` xor a complete ``subject_set``."""
    has_id = payload.get("subject_id") is not None
    has_set = payload.get("subject_set") is not None
    if has_id and has_set:
        raise InvalidRelationTuple(f"{where}exactly one of subject_set or subject_id has to be provided.")
    if not has_id and not has_set:
        raise InvalidRelationTuple(f"{where}a subject is required: provide subject_id or subject_set.")
    if has_id:
        return SubjectID(_string(payload, "subject_id", where))
    subject_set = payload["subject_set"]
    if not isinstance(subject_set, Mapping):
        raise InvalidRelationTuple(f"{where}subject_set must be an object with namespace, object and relation.")
    missing = [key for key in ("namespace", "object", "relation") if key not in subject_set]
    if missing:
        raise InvalidRelationTuple(
            f"{where}incomplete subject_set: {', '.join(missing)} missing "
            "(the relation may be the empty string, but must be present)."
        )
    return SubjectSet(
        _string(subject_set, "namespace", f"{where}subject_set."),
        _string(subject_set, "object", f"{where}subject_set."),
        _string(subject_set, "relation", f"{where}subject_set."),
    )


def tuple_from_api(payload: Any, where: str = "") -> Relationship:
    """A tuple from Keto's JSON shape; raises :class:`InvalidRelationTuple`."""
    if not isinstance(payload, Mapping):
        raise InvalidRelationTuple(f"{where}a relation tuple must be a JSON object.")
    return Relationship(
        _string(payload, "namespace", where),
        _string(payload, "object", where),
        _string(payload, "relation", where),
        subject_from_api(payload, where),
    )


def tuple_from_line(line: str) -> Relationship:
    """One line of an import file: Keto JSON (starts with ``{``) or the text notation."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            payload = json.loads(stripped)
        except ValueError as error:
            raise InvalidRelationTuple(f"Malformed JSON: {error}.", error_id="malformed_relation_tuple") from None
        return tuple_from_api(payload)
    return parse_tuple(stripped)


# --- size limits -----------------------------------------------------------------------------
def check_sizes(relationship: Relationship) -> None:
    """Refuse values the database columns cannot hold (and empty objects or subject ids)."""
    values = {"namespace": relationship.namespace, "object": relationship.object}
    names = {"relation": relationship.relation}
    subject = relationship.subject
    if isinstance(subject, SubjectID):
        values["subject_id"] = subject.id
    else:
        names["subject_set.namespace"] = subject.namespace
        values["subject_set.object"] = subject.object
        names["subject_set.relation"] = subject.relation
    for key, value in values.items():
        limit = MAX_NAME_LENGTH if key == "namespace" else MAX_VALUE_LENGTH
        if not value:
            raise InvalidRelationTuple(f"{key} must not be empty.")
        if len(value) > limit:
            raise InvalidRelationTuple(f"{key} is longer than {limit} characters.")
        if "\x00" in value:
            raise InvalidRelationTuple(f"{key} must not contain NUL characters.")
    for key, value in names.items():
        if len(value) > MAX_NAME_LENGTH:
            raise InvalidRelationTuple(f"{key} is longer than {MAX_NAME_LENGTH} characters.")
