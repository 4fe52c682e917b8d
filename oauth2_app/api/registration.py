"""``/oauth2/register`` (OpenID Connect Dynamic Client Registration 1.0, RFC 7592; Hydra's OIDC API):
public endpoints, the registration access token as bearer for reading, replacing and deleting.
Thin: parse, call one service, answer in Hydra's JSON; errors leave in Ory's envelope."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from oauth2_app.api.schema import hydra_operations
from oauth2_app.client_metadata import client_json
from oauth2_app.services import registration


def _bearer(request) -> str:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _registered(client, *, token: str, secret: str | None = None) -> dict:
    body = client_json(client, secret=secret)
    body["metadata"] = None  # Hydra never shows a dynamic client its metadata
    body["registration_access_token"] = token
    body["registration_client_uri"] = registration.registration_client_uri(client)
    return body


@hydra_operations(tag="oidc", post="createOidcDynamicClient")
class DynamicClientsView(APIView):
    authentication_classes: list = []

    def post(self, request):
        client, secret, token = registration.dynamic_client_register(metadata=request.data)
        return Response(_registered(client, token=token, secret=secret), status=status.HTTP_201_CREATED)


@hydra_operations(tag="oidc", get="getOidcDynamicClient", put="setOidcDynamicClient", delete="deleteOidcDynamicClient")
class DynamicClientView(APIView):
    authentication_classes: list = []

    def get(self, request, client_id: str):
        client = registration.dynamic_client_get(client_id=client_id, token=_bearer(request))
        body = client_json(client)
        body["metadata"] = None
        body["registration_client_uri"] = registration.registration_client_uri(client)
        return Response(body)

    def put(self, request, client_id: str):
        client, token = registration.dynamic_client_replace(
            client_id=client_id, token=_bearer(request), metadata=request.data
        )
        return Response(_registered(client, token=token))

    def delete(self, request, client_id: str):
        registration.dynamic_client_delete(client_id=client_id, token=_bearer(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
