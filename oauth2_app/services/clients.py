"""Registering and changing OAuth 2.0 clients (Hydra's ``/admin/clients``)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import jsonpatch
from django.contrib.auth.hashers import make_password
from oauth2_provider.models import AbstractApplication
from oauth2_provider.settings import oauth2_settings

from oauth2_app import revocation
from oauth2_app.client_metadata import client_json, parse_duration, validate_client_metadata
from oauth2_app.errors import ClientExists, ClientNotFound, InvalidClientMetadata
from oauth2_app.models import Client
from oauth2_app.models.clients import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_DEVICE_CODE,
    LIFESPAN_FIELDS,
)
from ory_platform.db import retrying
from ory_platform.queries import unique_row

_READ_ONLY_PATHS = ("/client_id", "/created_at", "/updated_at")


def generate_client_secret() -> str:
    """256 random bits (see oauth2_app.hashers for why that lets the hash be fast)."""
    return secrets.token_urlsafe(32)


def _hash(secret: str) -> str:
    return make_password(secret, hasher=oauth2_settings.CLIENT_SECRET_HASHER)


def _dot_grant(grant_types: list[str]) -> str:
    for ours, dots in (
        (GRANT_AUTHORIZATION_CODE, AbstractApplication.GRANT_AUTHORIZATION_CODE),
        (GRANT_CLIENT_CREDENTIALS, AbstractApplication.GRANT_CLIENT_CREDENTIALS),
        (GRANT_DEVICE_CODE, AbstractApplication.GRANT_DEVICE_CODE),
    ):
        if ours in grant_types:
            return dots
    return AbstractApplication.GRANT_AUTHORIZATION_CODE


def _assign(client: Client, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(client, name, value)
    client.client_type = Client.CLIENT_PUBLIC if client.is_public else Client.CLIENT_CONFIDENTIAL
    client.authorization_grant_type = _dot_grant(client.grant_types)
    client.algorithm = Client.RS256_ALGORITHM


def _get(client_id: str, *, lock: bool = False) -> Client:
    queryset = Client.objects.select_for_update() if lock else Client.objects.all()
    client = unique_row(queryset.filter(client_id=client_id))
    if client is None:
        raise ClientNotFound()
    return client


def _set_secret(client: Client, secret: str | None) -> str | None:
    """Store the hash of ``secret`` (or of a new one); returns the plain secret to show once.
    Public clients get an unusable random secret nobody ever sees."""
    if client.is_public:
        client.client_secret = _hash(generate_client_secret())
        return None
    secret = secret or generate_client_secret()
    client.client_secret = _hash(secret)
    return secret


@retrying
def client_create(*, metadata: Any) -> tuple[Client, str | None]:
    """Register a client from Hydra's JSON; returns it and its plain secret (shown once)."""
    validated = validate_client_metadata(metadata, secret_required=True)
    client_id = validated["client_id"] or str(uuid.uuid4())
    if Client.objects.filter(client_id=client_id).exists():
        raise ClientExists()
    client = Client(client_id=client_id, hash_client_secret=True)
    _assign(client, validated["fields"])
    secret = _set_secret(client, validated["client_secret"])
    client.save()
    return client, secret


@retrying
def client_replace(*, client_id: str, metadata: Any) -> tuple[Client, str | None]:
    """``PUT``: replace the client's metadata; its secret changes only when one is given."""
    client = _get(client_id, lock=True)
    if isinstance(metadata, dict) and metadata.get("client_id") not in (None, client_id):
        raise InvalidClientMetadata(reason="The client_id cannot be changed.")
    return _replace_locked(client, metadata)


@retrying
def client_patch(*, client_id: str, operations: Any) -> tuple[Client, str | None]:
    """``PATCH`` with a JSON Patch (RFC 6902) applied to the client's JSON."""
    client = _get(client_id, lock=True)
    if isinstance(operations, list):
        for operation in operations:
            paths = [operation.get("path"), operation.get("from")] if isinstance(operation, dict) else []
            if any(isinstance(p, str) and p.startswith(_READ_ONLY_PATHS) for p in paths):
                raise InvalidClientMetadata(reason="client_id, created_at and updated_at cannot be patched.")
    try:
        patched = jsonpatch.apply_patch(client_json(client), operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError, KeyError) as error:
        raise InvalidClientMetadata(f"The JSON Patch could not be applied: {error}", error_id="bad_request") from error
    return _replace_locked(client, patched)


def _replace_locked(client: Client, document: Any) -> tuple[Client, str | None]:
    validated = validate_client_metadata(document, secret_required=False)
    was_public = client.is_public
    _assign(client, validated["fields"])
    secret = None
    if validated["client_secret"] or was_public != client.is_public:
        secret = _set_secret(client, validated["client_secret"])
    client.save()
    return client, secret


@retrying
def client_set_lifespans(*, client_id: str, lifespans: Any) -> Client:
    """``PUT /admin/clients/{id}/lifespans``: replace every per-grant lifespan."""
    client = _get(client_id, lock=True)
    if not isinstance(lifespans, dict):
        raise InvalidClientMetadata(reason="The request body must be a JSON object.")
    unknown = set(lifespans) - set(LIFESPAN_FIELDS)
    if unknown:
        raise InvalidClientMetadata(reason=f"Unknown lifespan fields: {sorted(unknown)}.")
    client.token_lifespans = {
        field: parse_duration(value, field) for field, value in lifespans.items() if value is not None
    }
    client.save(update_fields=["token_lifespans", "updated"])
    return client


@retrying
def client_delete(*, client_id: str) -> None:
    """Remove the client and, with it, every code, token and flow it had."""
    client = _get(client_id, lock=True)
    revocation.revoke_tokens(client=client)
    client.delete()


@retrying
def client_secret_rotate(*, client_id: str) -> tuple[Client, str]:
    """Give a confidential client a new random secret (the old one stops working at once)."""
    client = _get(client_id, lock=True)
    if client.is_public:
        raise InvalidClientMetadata(reason="A public client has no secret to rotate.")
    secret = generate_client_secret()
    client.client_secret = _hash(secret)
    client.save(update_fields=["client_secret", "updated"])
    return client, secret
