"""OpenAPI descriptions drf-spectacular cannot infer: how the admin API key is sent."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "ory_platform.authentication.ApiKeyAuthentication"
    name = "oryAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An admin API key (python manage.py create_api_key).",
        }
