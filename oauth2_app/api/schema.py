"""OpenAPI description of Hydra's admin API (drf-spectacular): Hydra's operation ids, API-key security."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer <api key>`` on every ``/admin/...`` operation."""

    target_class = "ory_platform.authentication.ApiKeyAuthentication"
    name = "oryAccessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Admin API key"}


def hydra_operations(*, tag: str = "oAuth2", **operation_ids: str):
    """Name each method's operation, and tag it, as Hydra's spec does (``get="getOAuth2Client"``);
    bodies are Hydra's JSON."""
    return extend_schema_view(
        **{
            method: extend_schema(
                operation_id=operation_id, tags=[tag], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT
            )
            for method, operation_id in operation_ids.items()
        }
    )
