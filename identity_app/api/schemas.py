"""Kratos' identity schema endpoints (``/schemas``): public, so forms can be built from them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from identity_app.schemas import all_schemas, get_schema_by_public_id


class SchemaCollection(APIView):
    authentication_classes: list = []

    @extend_schema(operation_id="listIdentitySchemas", tags=["identity"], responses={200: dict})
    def get(self, request):
        schemas = sorted(all_schemas(), key=lambda schema: schema.id)
        return Response([{"id": schema.id, "schema": schema.document} for schema in schemas])


class SchemaItem(APIView):
    authentication_classes: list = []

    @extend_schema(operation_id="getIdentitySchema", tags=["identity"], responses={200: dict, 404: dict})
    def get(self, request, schema_id):
        return Response(get_schema_by_public_id(schema_id).document)
