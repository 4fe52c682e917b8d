"""Kratos' admin API for identities (``/admin/identities``), behind an API key."""

from __future__ import annotations

import copy
import uuid

import jsonpatch
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from identity_app.identifiers import normalize_identifier
from identity_app.models import Credential, Identity
from identity_app.representations import identity_json
from identity_app.selectors import identities_with_details
from identity_app.services.credentials import credentials_delete
from identity_app.services.identities import (
    AddressInput,
    IdentityInput,
    PasswordInput,
    identity_create,
    identity_delete,
    identity_update,
)
from ory_platform.drf import AdminAPIView
from ory_platform.errors import BadRequest, NotFound, OryError
from ory_platform.pagination import link_header, paginate, parse_page_request

BATCH_LIMIT = 1000
BATCH_PLAINTEXT_PASSWORD_LIMIT = 200
CREDENTIAL_TYPES = [choice for choice, _ in Credential.Type.choices]


class PasswordConfigSerializer(serializers.Serializer):
    password = serializers.CharField(required=False, trim_whitespace=False, max_length=4096)
    hashed_password = serializers.CharField(required=False, max_length=2048)
    use_password_migration_hook = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs.get("password") and not attrs.get("hashed_password"):
            raise serializers.ValidationError("Set either password or hashed_password.")
        if attrs.get("password") and attrs.get("hashed_password"):
            raise serializers.ValidationError("Set password or hashed_password, not both.")
        return attrs


class PasswordCredentialSerializer(serializers.Serializer):
    config = PasswordConfigSerializer()


class CredentialsSerializer(serializers.Serializer):
    password = PasswordCredentialSerializer(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - {"password"}
            if unknown:
                raise serializers.ValidationError(
                    f"Importing credentials of type {', '.join(sorted(unknown))} is not supported; use password."
                )
        return super().to_internal_value(data)


class VerifiableAddressSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=400)
    via = serializers.ChoiceField(choices=["email"], default="email")
    verified = serializers.BooleanField(default=False)
    status = serializers.ChoiceField(choices=["pending", "sent", "completed"], default="pending")
    verified_at = serializers.DateTimeField(required=False, allow_null=True)


class IdentityBodySerializer(serializers.Serializer):
    schema_id = serializers.CharField(max_length=64)
    traits = serializers.JSONField()
    state = serializers.ChoiceField(choices=Identity.State.values, required=False)
    metadata_public = serializers.JSONField(required=False, allow_null=True)
    metadata_admin = serializers.JSONField(required=False, allow_null=True)
    external_id = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    credentials = CredentialsSerializer(required=False)
    verifiable_addresses = VerifiableAddressSerializer(many=True, required=False)
    recovery_addresses = serializers.ListField(child=serializers.DictField(), required=False)

    def validate_traits(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("traits must be a JSON object.")
        return value


class IdentityUpdateSerializer(IdentityBodySerializer):
    state = serializers.ChoiceField(choices=Identity.State.values)


def _password_input(validated: dict) -> PasswordInput | None:
    config = validated.get("credentials", {}).get("password", {}).get("config")
    if not config:
        return None
    return PasswordInput(password=config.get("password"), hashed_password=config.get("hashed_password"))


def identity_input(validated: dict) -> IdentityInput:
    return IdentityInput(
        schema_id=validated["schema_id"],
        traits=validated["traits"],
        state=validated.get("state") or Identity.State.ACTIVE,
        metadata_public=validated.get("metadata_public"),
        metadata_admin=validated.get("metadata_admin"),
        external_id=validated.get("external_id") or None,
        password=_password_input(validated),
        verifiable_addresses=[AddressInput(**address) for address in validated.get("verifiable_addresses", [])],
    )


def _validated(serializer_class, data) -> dict:
    if not isinstance(data, dict):
        raise BadRequest(reason="The request body must be a JSON object.")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _identity_or_404(identity_id) -> Identity:
    try:
        return identities_with_details().get(pk=uuid.UUID(str(identity_id)))
    except (Identity.DoesNotExist, ValueError):
        raise NotFound(reason="Unable to locate the resource") from None


PATCHABLE_ROOTS = {"schema_id", "traits", "state", "metadata_public", "metadata_admin", "external_id"}


def _patchable(path) -> bool:
    if path == "/credentials/password/config/password":
        return True
    return isinstance(path, str) and path.startswith("/") and path.split("/")[1] in PATCHABLE_ROOTS


def _include_credential(request) -> None:
    for value in request.GET.getlist("include_credential"):
        if value not in CREDENTIAL_TYPES:
            raise BadRequest(reason=f"Invalid value `{value}` for parameter `include_credential`.")


class IdentityCollection(AdminAPIView):
    @extend_schema(
        operation_id="listIdentities",
        tags=["identity"],
        parameters=[
            OpenApiParameter("page_size", int),
            OpenApiParameter("page_token", str),
            OpenApiParameter("credentials_identifier", str),
            OpenApiParameter("ids", str, many=True),
        ],
        responses={200: dict},
    )
    def get(self, request):
        _include_credential(request)
        page_request = parse_page_request(request.GET, default_size=250, max_size=1000)
        query = identities_with_details()
        identifier = request.GET.get("credentials_identifier")
        if identifier:
            query = query.filter(credentials__identifiers__identifier=normalize_identifier(identifier)).distinct()
        ids = request.GET.getlist("ids")
        if ids:
            try:
                query = query.filter(pk__in=[uuid.UUID(value) for value in ids])
            except ValueError:
                raise BadRequest(reason="ids must be identity UUIDs.") from None
        page = paginate(query, page_request)
        response = Response([identity_json(identity, admin=True) for identity in page.items])
        response["Link"] = link_header(request._request, page, page_request.page_size)
        return response

    @extend_schema(
        operation_id="createIdentity",
        tags=["identity"],
        request=IdentityBodySerializer,
        responses={201: dict, 400: dict, 409: dict},
    )
    def post(self, request):
        identity = identity_create(data=identity_input(_validated(IdentityBodySerializer, request.data)))
        return Response(identity_json(_identity_or_404(identity.pk), admin=True), status=201)

    @extend_schema(operation_id="batchPatchIdentities", tags=["identity"], request=dict, responses={200: dict})
    def patch(self, request):
        body = request.data
        patches = body.get("identities") if isinstance(body, dict) else None
        if not isinstance(patches, list):
            raise BadRequest(reason='The body must be {"identities": [...]}.')
        if len(patches) > BATCH_LIMIT:
            raise BadRequest(
                reason=f"The maximum number of identities per request that can be created or deleted at once is "
                f"{BATCH_LIMIT}."
            )
        plaintext = sum(
            1
            for patch in patches
            if isinstance(patch, dict)
            and isinstance(patch.get("create"), dict)
            and ((patch["create"].get("credentials") or {}).get("password") or {}).get("config", {}).get("password")
        )
        if plaintext > BATCH_PLAINTEXT_PASSWORD_LIMIT:
            raise BadRequest(
                reason="The maximum number of identities per request that can be created with a plaintext password "
                f"is {BATCH_PLAINTEXT_PASSWORD_LIMIT}."
            )
        results = [self._apply(patch) for patch in patches]
        return Response({"identities": results})

    @staticmethod
    def _apply(patch) -> dict:
        if not isinstance(patch, dict) or not isinstance(patch.get("create"), dict):
            return {
                "action": "error",
                "error": BadRequest(reason="Each patch needs a create object.").as_envelope()["error"],
            }
        result: dict = {"action": "create"}
        if patch.get("patch_id"):
            result["patch_id"] = str(patch["patch_id"])
        try:
            serializer = IdentityBodySerializer(data=patch["create"])
            if not serializer.is_valid():
                raise BadRequest(reason=str(serializer.errors))
            identity = identity_create(data=identity_input(serializer.validated_data))
        except OryError as error:
            return {**result, "action": "error", "error": error.as_envelope()["error"]}
        return {**result, "identity": str(identity.pk)}


class IdentityItem(AdminAPIView):
    @extend_schema(operation_id="getIdentity", tags=["identity"], responses={200: dict, 404: dict})
    def get(self, request, identity_id):
        _include_credential(request)
        return Response(identity_json(_identity_or_404(identity_id), admin=True))

    @extend_schema(
        operation_id="updateIdentity", tags=["identity"], request=IdentityUpdateSerializer, responses={200: dict}
    )
    def put(self, request, identity_id):
        existing = _identity_or_404(identity_id)
        validated = _validated(IdentityUpdateSerializer, request.data)
        identity_update(
            identity_id=existing.pk,
            schema_id=validated["schema_id"],
            traits=validated["traits"],
            state=validated["state"],
            metadata_public=validated.get("metadata_public"),
            metadata_admin=validated.get("metadata_admin"),
            external_id=validated.get("external_id", existing.external_id),
            password=_password_input(validated),
        )
        return Response(identity_json(_identity_or_404(identity_id), admin=True))

    @extend_schema(
        operation_id="patchIdentity",
        tags=["identity"],
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={200: dict},
    )
    def patch(self, request, identity_id):
        existing = _identity_or_404(identity_id)
        operations = request.data
        if not isinstance(operations, list):
            raise BadRequest(reason="The body must be a JSON Patch (RFC 6902) array.")
        document = {
            "schema_id": existing.schema_id,
            "traits": copy.deepcopy(existing.traits),
            "state": existing.state,
            "metadata_public": existing.metadata_public,
            "metadata_admin": existing.metadata_admin,
            "external_id": existing.external_id,
            "credentials": {"password": {"config": {"password": None}}},
        }
        for operation in operations:
            path = operation.get("path") if isinstance(operation, dict) else None
            if not _patchable(path):
                raise BadRequest(reason=f"The JSON Patch path {path!r} can not be changed.")
        try:
            patched = jsonpatch.apply_patch(document, operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError) as error:
            raise BadRequest(reason=f"The JSON Patch could not be applied: {error}") from None
        password = patched.get("credentials", {}).get("password", {}).get("config", {}).get("password")
        if not isinstance(patched.get("traits"), dict):
            raise BadRequest(reason="traits must be a JSON object.")
        identity_update(
            identity_id=existing.pk,
            schema_id=str(patched.get("schema_id") or ""),
            traits=patched["traits"],
            state=patched.get("state"),
            metadata_public=patched.get("metadata_public"),
            metadata_admin=patched.get("metadata_admin"),
            external_id=patched.get("external_id"),
            password=PasswordInput(password=password) if isinstance(password, str) and password else None,
        )
        return Response(identity_json(_identity_or_404(identity_id), admin=True))

    @extend_schema(operation_id="deleteIdentity", tags=["identity"], responses={204: None, 404: dict})
    def delete(self, request, identity_id):
        _identity_or_404(identity_id)
        try:
            identity_delete(identity_id=identity_id)
        except Identity.DoesNotExist:
            raise NotFound(reason="Unable to locate the resource") from None
        return HttpResponse(status=204)


class IdentityCredentials(AdminAPIView):
    @extend_schema(
        operation_id="deleteIdentityCredentials", tags=["identity"], responses={204: None, 400: dict, 404: dict}
    )
    def delete(self, request, identity_id, credential_type):
        if credential_type not in CREDENTIAL_TYPES:
            raise BadRequest(reason=f"Unknown credentials type {credential_type}.")
        try:
            identity_uuid = uuid.UUID(str(identity_id))
        except ValueError:
            raise NotFound(reason="Unable to locate the resource") from None
        credentials_delete(identity_id=identity_uuid, credential_type=credential_type)
        return HttpResponse(status=204)


class IdentityByExternalId(AdminAPIView):
    @extend_schema(operation_id="getIdentityByExternalID", tags=["identity"], responses={200: dict, 404: dict})
    def get(self, request, external_id):
        _include_credential(request)
        identity = identities_with_details().filter(external_id=external_id).first()
        if identity is None:
            raise NotFound(reason="Unable to locate the resource")
        return Response(identity_json(identity, admin=True))
