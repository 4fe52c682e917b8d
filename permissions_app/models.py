"""Relation tuples and the versions of the permission model.

See Ory Keto's concepts (https://www.ory.sh/docs/keto/concepts/relation-tuples) and the
Zanzibar paper (§2.1, "Relation tuples").
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from permissions_app.tuples import MAX_NAME_LENGTH, MAX_VALUE_LENGTH, Relationship, SubjectID, SubjectSet


class RelationTupleQuerySet(models.QuerySet):
    def matching(self, query) -> RelationTupleQuerySet:
        """Rows matching a :class:`permissions_app.tuples.RelationQuery`."""
        filters = {}
        if query.namespace is not None:
            filters["namespace"] = query.namespace
        if query.object is not None:
            filters["object"] = query.object
        if query.relation is not None:
            filters["relation"] = query.relation
        subject = query.subject
        if isinstance(subject, SubjectID):
            filters.update(subject_id=subject.id, subject_set_namespace="")
        elif isinstance(subject, SubjectSet):
            filters.update(
                subject_id="",
                subject_set_namespace=subject.namespace,
                subject_set_object=subject.object,
                subject_set_relation=subject.relation,
            )
        return self.filter(**filters)


class RelationTuple(models.Model):
    """One relation tuple ``namespace:object#relation@subject``: the subject has ``relation``
    to ``object`` (Keto's ``relationship``).

    The subject is a subject id (``subject_id`` set, the ``subject_set_*`` columns empty) or a
    subject set (``subject_id`` empty, ``subject_set_namespace`` and ``subject_set_object`` set;
    ``subject_set_relation`` may be empty). Empty strings rather than NULLs, so that the unique
    constraint over the whole tuple holds on every database (NULLs never collide); writing a
    tuple twice is therefore a no-op.

    Indexes: the unique constraint's index leads with ``(namespace, object, relation,
    subject_id)`` and serves the forward lookups of the check engine (direct membership and the
    subject sets of a relation); two partial indexes serve the reverse lookups by subject.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    namespace = models.CharField(max_length=MAX_NAME_LENGTH)
    object = models.CharField(max_length=MAX_VALUE_LENGTH)
    relation = models.CharField(max_length=MAX_NAME_LENGTH)
    subject_id = models.CharField(max_length=MAX_VALUE_LENGTH, blank=True, default="")
    subject_set_namespace = models.CharField(max_length=MAX_NAME_LENGTH, blank=True, default="")
    subject_set_object = models.CharField(max_length=MAX_VALUE_LENGTH, blank=True, default="")
    subject_set_relation = models.CharField(max_length=MAX_NAME_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RelationTupleQuerySet.as_manager()

    class Meta:
        db_table = "permissions_relation_tuple"
        verbose_name = "relation tuple"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "namespace",
                    "object",
                    "relation",
                    "subject_id",
                    "subject_set_namespace",
                    "subject_set_object",
                    "subject_set_relation",
                ],
                name="relation_tuple_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_id__gt="", subject_set_namespace="", subject_set_object="", subject_set_relation="")
                    | Q(subject_id="", subject_set_namespace__gt="", subject_set_object__gt="")
                ),
                name="relation_tuple_one_subject",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subject_id", "namespace", "relation"],
                condition=Q(subject_set_namespace=""),
                name="relation_tuple_by_subject_id",
            ),
            models.Index(
                fields=["subject_set_namespace", "subject_set_object", "subject_set_relation"],
                condition=Q(subject_id=""),
                name="relation_tuple_by_subject_set",
            ),
        ]

    def __str__(self) -> str:
        return str(self.as_tuple())

    @property
    def subject(self) -> SubjectID | SubjectSet:
        if self.subject_set_namespace:
            return SubjectSet(self.subject_set_namespace, self.subject_set_object, self.subject_set_relation)
        return SubjectID(self.subject_id)

    def as_tuple(self) -> Relationship:
        return Relationship(self.namespace, self.object, self.relation, self.subject)

    @classmethod
    def from_tuple(cls, relationship: Relationship) -> RelationTuple:
        return cls(**row_fields(relationship))


def row_fields(relationship: Relationship) -> dict[str, str]:
    """The column values of a tuple."""
    subject = relationship.subject
    fields = {
        "namespace": relationship.namespace,
        "object": relationship.object,
        "relation": relationship.relation,
        "subject_id": "",
        "subject_set_namespace": "",
        "subject_set_object": "",
        "subject_set_relation": "",
    }
    if isinstance(subject, SubjectID):
        fields["subject_id"] = subject.id
    else:
        fields["subject_set_namespace"] = subject.namespace
        fields["subject_set_object"] = subject.object
        fields["subject_set_relation"] = subject.relation
    return fields


class PermissionModel(models.Model):
    """One version of the permission model: an OPL source file as it was loaded.

    Exactly one version is active at a time (a partial unique index enforces it); its classes
    are the namespaces the API accepts. Older versions stay as the model's history and can be
    activated again.
    """

    class Origin(models.TextChoices):
        COMMAND = "command", "load_permission_model command"
        SETTINGS = "settings", "PERMISSIONS_MODEL_FILE at start"
        CONSOLE = "console", "staff console"
        DEMO = "demo", "setup_demo"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(unique=True, editable=False)
    source = models.TextField(help_text="The OPL (TypeScript) source of the model.")
    digest = models.CharField(max_length=64, db_index=True, editable=False, help_text="SHA-256 of the source.")
    namespaces = models.JSONField(default=list, editable=False, help_text="The classes the model declares.")
    origin = models.CharField(max_length=16, choices=Origin.choices, editable=False)
    source_name = models.CharField(max_length=255, blank=True, editable=False, help_text="File the model came from.")
    is_active = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "permissions_model"
        verbose_name = "permission model version"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="permission_model_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"version {self.version}" + (" (active)" if self.is_active else "")
