"""Identities and sessions as Kratos' JSON (the shapes ``ory-kratos-client`` deserialises)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.conf import settings

from identity_app.models import Credential, Identity, Session
from identity_app.schemas import encode_schema_id


def iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _verifiable_address(address) -> dict[str, Any]:
    body = {
        "id": str(address.pk),
        "value": address.value,
        "via": address.via,
        "verified": address.verified,
        "status": address.status,
        "created_at": iso(address.created_at),
        "updated_at": iso(address.updated_at),
    }
    if address.verified_at:
        body["verified_at"] = iso(address.verified_at)
    return body


def _recovery_address(address) -> dict[str, Any]:
    return {
        "id": str(address.pk),
        "value": address.value,
        "via": address.via,
        "created_at": iso(address.created_at),
        "updated_at": iso(address.updated_at),
    }


def _credential(credential: Credential) -> dict[str, Any]:
    # Secrets (hashes, seeds, keys) never leave: config is always published empty.
    return {
        "type": credential.type,
        "identifiers": [row.identifier for row in credential.identifiers.all()],
        "version": credential.version,
        "created_at": iso(credential.created_at),
        "updated_at": iso(credential.updated_at),
        "config": {},
    }


def identity_json(identity: Identity, *, admin: bool = False) -> dict[str, Any]:
    """Kratos' ``identity``. ``admin`` adds ``metadata_admin``, ``external_id`` and credentials
    (types and identifiers, never secrets)."""
    body: dict[str, Any] = {
        "id": str(identity.pk),
        "schema_id": identity.schema_id,
        "schema_url": f"{settings.PUBLIC_URL}/schemas/{encode_schema_id(identity.schema_id)}",
        "state": identity.state,
        "state_changed_at": iso(identity.state_changed_at),
        "traits": identity.traits,
        "verifiable_addresses": [_verifiable_address(a) for a in identity.verifiable_addresses.all()],
        "recovery_addresses": [_recovery_address(a) for a in identity.recovery_addresses.all()],
        "metadata_public": identity.metadata_public,
        "created_at": iso(identity.created_at),
        "updated_at": iso(identity.updated_at),
        "organization_id": None,
    }
    if admin:
        body["metadata_admin"] = identity.metadata_admin
        body["external_id"] = identity.external_id
        body["credentials"] = {c.type: _credential(c) for c in identity.credentials.all()}
    return body


def session_json(session: Session, *, admin: bool = False, with_identity: bool = True) -> dict[str, Any]:
    """Kratos' ``session``."""
    body: dict[str, Any] = {
        "id": str(session.pk),
        "active": session.active,
        "expires_at": iso(session.expires_at),
        "authenticated_at": iso(session.authenticated_at),
        "authenticator_assurance_level": session.aal,
        "authentication_methods": session.authentication_methods,
        "issued_at": iso(session.issued_at),
        "devices": [
            {
                "id": str(device.pk),
                "ip_address": device.ip_address,
                "user_agent": device.user_agent,
                "location": device.location,
            }
            for device in session.devices.all()
        ],
    }
    if with_identity:
        body["identity"] = identity_json(session.identity, admin=admin)
    return body
