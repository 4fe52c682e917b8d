"""JSON shapes of Keto's API, for the OpenAPI document and the SDKs.

Request bodies are parsed by :mod:`permissions_app.tuples` (which reports Keto's error
messages); these serializers describe the shapes, with Keto's component names.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(component_name="subjectSet")
class SubjectSetSerializer(serializers.Serializer):
    namespace = serializers.CharField(help_text="Namespace of the subject set")
    object = serializers.CharField(help_text="Object of the subject set")
    relation = serializers.CharField(allow_blank=True, help_text="Relation of the subject set (may be empty)")


@extend_schema_serializer(component_name="relationship")
class RelationshipSerializer(serializers.Serializer):
    namespace = serializers.CharField()
    object = serializers.CharField()
    relation = serializers.CharField()
    subject_id = serializers.CharField(required=False, help_text="Either subject_id or subject_set")
    subject_set = SubjectSetSerializer(required=False)


@extend_schema_serializer(component_name="relationships")
class RelationshipsSerializer(serializers.Serializer):
    relation_tuples = RelationshipSerializer(many=True)
    next_page_token = serializers.CharField(
        allow_blank=True, help_text="Token of the next page; the empty string on the last page."
    )


@extend_schema_serializer(component_name="relationshipPatch")
class RelationshipPatchSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["insert", "delete"])
    relation_tuple = RelationshipSerializer()


@extend_schema_serializer(component_name="checkPermissionResult")
class CheckResultSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()


@extend_schema_serializer(component_name="checkPermissionResultWithError")
class CheckResultWithErrorSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    error = serializers.CharField(required=False)


@extend_schema_serializer(component_name="batchCheckPermissionBody")
class BatchCheckBodySerializer(serializers.Serializer):
    tuples = RelationshipSerializer(many=True)


@extend_schema_serializer(component_name="batchCheckPermissionResult")
class BatchCheckResultSerializer(serializers.Serializer):
    results = CheckResultWithErrorSerializer(many=True)


@extend_schema_serializer(component_name="expandedPermissionTree")
class ExpandTreeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[
            "union",
            "exclusion",
            "intersection",
            "leaf",
            "tuple_to_subject_set",
            "computed_subject_set",
            "not",
            "unspecified",
        ]
    )
    tuple = RelationshipSerializer(required=False)
    children = serializers.ListField(child=serializers.DictField(), required=False)


@extend_schema_serializer(component_name="namespace")
class NamespaceSerializer(serializers.Serializer):
    name = serializers.CharField()


@extend_schema_serializer(component_name="relationshipNamespaces")
class NamespacesSerializer(serializers.Serializer):
    namespaces = NamespaceSerializer(many=True)


@extend_schema_serializer(component_name="SourcePosition")
class SourcePositionSerializer(serializers.Serializer):
    Line = serializers.IntegerField()  # Keto spells it with a capital L
    column = serializers.IntegerField()


@extend_schema_serializer(component_name="ParseError")
class ParseErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    start = SourcePositionSerializer()
    end = SourcePositionSerializer()


@extend_schema_serializer(component_name="checkOplSyntaxResult")
class OplSyntaxResultSerializer(serializers.Serializer):
    errors = ParseErrorSerializer(many=True)


def query_parameter(name: str, description: str, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.QUERY, required=required, description=description)


TUPLE_PARAMETERS = [
    query_parameter("namespace", "Namespace of the relation tuple"),
    query_parameter("object", "Object of the relation tuple"),
    query_parameter("relation", "Relation of the relation tuple"),
    query_parameter("subject_id", "Subject id (either subject_id or subject_set.*)"),
    query_parameter("subject_set.namespace", "Namespace of the subject set"),
    query_parameter("subject_set.object", "Object of the subject set"),
    query_parameter("subject_set.relation", "Relation of the subject set"),
]
MAX_DEPTH_PARAMETER = OpenApiParameter(
    "max-depth", int, OpenApiParameter.QUERY, description="Lowers the maximum depth of this request"
)
PAGE_PARAMETERS = [
    OpenApiParameter("page_size", int, OpenApiParameter.QUERY, description="Items per page, 1-1000 (default 100)"),
    query_parameter("page_token", "next_page_token of the previous page"),
]
