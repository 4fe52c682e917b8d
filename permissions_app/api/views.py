"""Keto's HTTP API: exact paths, parameters, JSON shapes and status codes.

Read API (``/relation-tuples...``, ``/namespaces``, ``/opl/syntax/check``) needs an admin API
key unless ``PERMISSIONS_READ_API_PUBLIC`` is on (Keto leaves its read port to the network);
the write API (``/admin/relation-tuples``) always does. Every view parses, calls one engine
function, service or selector, and serializes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ory_platform.authentication import ApiKeyAuthentication
from ory_platform.drf import AdminAPIView, HasApiKey
from ory_platform.errors import BadRequest, OryError
from permissions_app import engine, opl, selectors, services
from permissions_app.api import params
from permissions_app.api import serializers as shapes
from permissions_app.engine.expand import expand
from permissions_app.tuples import InvalidRelationTuple, SubjectSet, tuple_from_api

ERROR = OpenApiResponse(description="Ory error envelope")
LIMITATION_HEADER = "Ory-Check-Limitation"


class ReadApiPermission(permissions.BasePermission):
    """Keto's read endpoints: open when ``PERMISSIONS_READ_API_PUBLIC``, else an API key."""

    def has_permission(self, request, view) -> bool:
        return settings.PERMISSIONS_READ_API_PUBLIC or HasApiKey().has_permission(request, view)


class ReadAPIView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ReadApiPermission]

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="permissions"'


def _json_object(data) -> dict:
    if not isinstance(data, dict):
        raise InvalidRelationTuple("The request body must be a JSON object.")
    return data


# --- read API --------------------------------------------------------------------------------
class RelationTuplesView(ReadAPIView):
    @extend_schema(
        operation_id="getRelationships",
        summary="Query relationships",
        parameters=[*shapes.TUPLE_PARAMETERS, *shapes.PAGE_PARAMETERS],
        responses={200: shapes.RelationshipsSerializer, 400: ERROR},
        tags=["relationship"],
    )
    def get(self, request):
        query = params.query_from_params(request.query_params)
        page = selectors.relationships_page(
            query=query,
            page_size=params.page_size_from_params(request.query_params),
            after=params.decode_page_token(request.query_params.get("page_token")),
        )
        return Response(
            {
                "relation_tuples": [relationship.to_api() for relationship in page.relationships],
                "next_page_token": params.encode_page_token(page.next_after) if page.next_after else "",
            }
        )


class _CheckView(ReadAPIView):
    mirror_status = True  # 403 when denied (Keto's /relation-tuples/check)

    def _answer(self, relationship, request) -> Response:
        result = engine.check(relationship, max_depth=params.max_depth_from_params(request.query_params))
        code = status.HTTP_200_OK if result.allowed or not self.mirror_status else status.HTTP_403_FORBIDDEN
        response = Response({"allowed": result.allowed}, status=code)
        if result.limitations:
            # Denied because the search was cut short, not because nothing grants it.
            response[LIMITATION_HEADER] = ", ".join(result.limitations)
        return response

    def get(self, request):
        return self._answer(params.relationship_from_params(request.query_params), request)

    def post(self, request):
        return self._answer(tuple_from_api(_json_object(request.data)), request)


_CHECK_QUERY = [*shapes.TUPLE_PARAMETERS, shapes.MAX_DEPTH_PARAMETER]


class CheckView(_CheckView):
    @extend_schema(
        operation_id="checkPermissionOrError",
        summary="Check a permission (403 when denied)",
        parameters=_CHECK_QUERY,
        responses={200: shapes.CheckResultSerializer, 403: shapes.CheckResultSerializer, 400: ERROR},
        tags=["permission"],
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        operation_id="postCheckPermissionOrError",
        summary="Check a permission given in the body (403 when denied)",
        parameters=[shapes.MAX_DEPTH_PARAMETER],
        request=shapes.RelationshipSerializer,
        responses={200: shapes.CheckResultSerializer, 403: shapes.CheckResultSerializer, 400: ERROR},
        tags=["permission"],
    )
    def post(self, request):
        return super().post(request)


class CheckOpenApiView(_CheckView):
    mirror_status = False

    @extend_schema(
        operation_id="checkPermission",
        summary="Check a permission (always 200)",
        parameters=_CHECK_QUERY,
        responses={200: shapes.CheckResultSerializer, 400: ERROR},
        tags=["permission"],
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        operation_id="postCheckPermission",
        summary="Check a permission given in the body (always 200)",
        parameters=[shapes.MAX_DEPTH_PARAMETER],
        request=shapes.RelationshipSerializer,
        responses={200: shapes.CheckResultSerializer, 400: ERROR},
        tags=["permission"],
    )
    def post(self, request):
        return super().post(request)


class BatchCheckView(ReadAPIView):
    @extend_schema(
        operation_id="batchCheckPermission",
        summary="Check many permissions at once",
        parameters=[shapes.MAX_DEPTH_PARAMETER],
        request=shapes.BatchCheckBodySerializer,
        responses={200: shapes.BatchCheckResultSerializer, 400: ERROR},
        tags=["permission"],
    )
    def post(self, request):
        tuples = _json_object(request.data).get("tuples")
        if not isinstance(tuples, list):
            raise BadRequest('The body must be {"tuples": [...]}.')
        limit = settings.PERMISSIONS_BATCH_CHECK_MAX_SIZE
        if len(tuples) > limit:
            raise BadRequest(f"The batch exceeds the maximum size of {limit} tuples.")
        parsed: list = []
        for index, payload in enumerate(tuples):
            try:
                parsed.append(tuple_from_api(payload, where=f"tuples[{index}]: "))
            except OryError as error:
                parsed.append(error)
        valid = [item for item in parsed if not isinstance(item, OryError)]
        checked = iter(engine.check_batch(valid, max_depth=params.max_depth_from_params(request.query_params)))
        results = []
        for item in parsed:
            outcome = item if isinstance(item, OryError) else next(checked)
            if isinstance(outcome, OryError):
                results.append({"allowed": False, "error": outcome.message})
            elif outcome.limitations:
                # Keto's strict-mode report: denied because a limit cut the search short.
                results.append({"allowed": False, "error": ", ".join(outcome.limitations)})
            else:
                results.append({"allowed": outcome.allowed})
        return Response({"results": results})


class ExpandView(ReadAPIView):
    @extend_schema(
        operation_id="expandPermissions",
        summary="Expand the subjects of a relation or permit",
        parameters=[
            shapes.query_parameter("namespace", "Namespace of the subject set", required=True),
            shapes.query_parameter("object", "Object of the subject set", required=True),
            shapes.query_parameter("relation", "Relation of the subject set", required=True),
            shapes.MAX_DEPTH_PARAMETER,
        ],
        responses={200: shapes.ExpandTreeSerializer, 400: ERROR},
        tags=["permission"],
    )
    def get(self, request):
        missing = [key for key in ("namespace", "object", "relation") if key not in request.query_params]
        if missing:
            raise BadRequest(f"Missing query parameter(s): {', '.join(missing)}.")
        subject_set = SubjectSet(*(request.query_params[key] for key in ("namespace", "object", "relation")))
        tree = expand(subject_set, max_depth=params.max_depth_from_params(request.query_params))
        return Response(tree.to_api())


class NamespacesView(ReadAPIView):
    @extend_schema(
        operation_id="listRelationshipNamespaces",
        summary="The namespaces of the active permission model",
        responses={200: shapes.NamespacesSerializer},
        tags=["relationship"],
    )
    def get(self, request):
        return Response({"namespaces": [{"name": name} for name in selectors.namespaces_list()]})


class OplSyntaxView(ReadAPIView):
    parser_classes: list = []  # the body is OPL source text, read as is

    @extend_schema(
        operation_id="checkOplSyntax",
        summary="Check the syntax and types of an OPL file",
        request={"text/plain": OpenApiTypes.STR},
        responses={200: shapes.OplSyntaxResultSerializer, 400: ERROR},
        tags=["relationship"],
    )
    def post(self, request):
        try:
            source = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The OPL source must be UTF-8 text.") from None
        return Response({"errors": [error.to_api() for error in opl.check_model(source)]})


# --- write API -------------------------------------------------------------------------------
class AdminRelationTuplesView(AdminAPIView):
    @extend_schema(
        operation_id="createRelationship",
        summary="Create a relationship",
        request=shapes.RelationshipSerializer,
        responses={201: shapes.RelationshipSerializer, 400: ERROR},
        tags=["relationship"],
    )
    def put(self, request):
        relationship = services.relationship_create(relationship=tuple_from_api(_json_object(request.data)))
        body = relationship.to_api()
        location = "/relation-tuples?" + urlencode(params.flatten_query(body))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        operation_id="deleteRelationships",
        summary="Delete every relationship matching the query",
        parameters=shapes.TUPLE_PARAMETERS,
        request=None,
        responses={204: None, 400: ERROR},
        tags=["relationship"],
    )
    def delete(self, request):
        query_params = request.query_params
        params.refuse_unknown_params(query_params, params.QUERY_KEYS)
        if "namespace" not in query_params:
            raise BadRequest("Query parameters must specify at least the namespace.")
        if request.body:
            raise BadRequest("The request body must be empty; the query selects what to delete.")
        services.relationships_delete(query=params.query_from_params(query_params))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="patchRelationships",
        summary="Insert and delete relationships atomically",
        request=shapes.RelationshipPatchSerializer(many=True),
        responses={204: None, 400: ERROR},
        tags=["relationship"],
    )
    def patch(self, request):
        if not isinstance(request.data, list):
            raise BadRequest("The body must be a JSON array of {action, relation_tuple}.")
        patches = []
        for index, delta in enumerate(request.data):
            where = f"[{index}]: "
            if not isinstance(delta, dict) or delta.get("relation_tuple") is None:
                raise BadRequest(f"{where}relation_tuple is missing.")
            try:
                action = services.PatchAction(delta.get("action"))
            except ValueError:
                raise BadRequest(f"{where}unknown action {delta.get('action')!r}: use insert or delete.") from None
            patches.append(services.RelationshipPatch(action, tuple_from_api(delta["relation_tuple"], where)))
        services.relationships_patch(patches=patches)
        return Response(status=status.HTTP_204_NO_CONTENT)
