"""Writing identities: create, update, change state, delete.

Every function here owns its transaction (through :func:`ory_platform.db.retrying`), validates
traits against the identity schema, and keeps the derived rows — credential identifiers,
verifiable and recovery addresses — in step with the traits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity_app import passwords, signals
from identity_app.identifiers import normalize_identifier
from identity_app.models import Credential, CredentialIdentifier, Identity, RecoveryAddress, VerifiableAddress
from identity_app.schemas import IdentitySchema, get_schema, require_valid_traits, trait_value
from ory_platform.db import retrying
from ory_platform.errors import BadRequest, Conflict


class DuplicateIdentity(Conflict):
    error_id = "conflict"
    default_message = "An identity with the same identifier already exists"


@dataclass
class PasswordInput:
    """A password to set: cleartext (hashed here) or an imported hash (checked for a known format)."""

    password: str | None = None
    hashed_password: str | None = None


@dataclass
class AddressInput:
    value: str
    via: str = "email"
    verified: bool = False
    status: str = "pending"
    verified_at: Any = None


@dataclass
class IdentityInput:
    schema_id: str
    traits: dict
    state: str = Identity.State.ACTIVE
    metadata_public: Any = None
    metadata_admin: Any = None
    external_id: str | None = None
    password: PasswordInput | None = None
    verifiable_addresses: list[AddressInput] = field(default_factory=list)
    is_staff: bool = False


def _password_hash(password: PasswordInput) -> str:
    if password.hashed_password:
        if not passwords.is_importable_hash(password.hashed_password):
            raise BadRequest(reason="credentials.password.config.hashed_password is not in a supported hash format.")
        return password.hashed_password
    if not password.password:
        raise BadRequest(reason="credentials.password.config needs password or hashed_password.")
    return passwords.hash_password(password.password)


def identifiers_for(schema: IdentitySchema, traits: dict, credential_type: str) -> list[str]:
    """The normalised identifiers that the schema derives from ``traits`` for a credential type."""
    email_paths = {f.path for f in schema.fields if f.input_type == "email"}
    found: list[str] = []
    for path in schema.identifier_paths.get(credential_type, []):
        value = trait_value(traits, path)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and item.strip():
                normalized = normalize_identifier(item, is_email=path in email_paths)
                if normalized not in found:
                    found.append(normalized)
    return found


def _addresses_for(schema: IdentitySchema, traits: dict, paths: list[str]) -> list[str]:
    values: list[str] = []
    for path in paths:
        value = trait_value(traits, path)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                normalized = normalize_identifier(item, is_email=True)
                if normalized not in values:
                    values.append(normalized)
    return values


def _sync_identifiers(identity: Identity, schema: IdentitySchema) -> None:
    """Point each credential's identifiers at the values the traits now hold."""
    for credential in identity.credentials.all():
        wanted = identifiers_for(schema, identity.traits, credential.type)
        if credential.type not in schema.identifier_paths:
            continue  # e.g. TOTP: its identifier is not a trait
        current = {row.identifier: row for row in credential.identifiers.all()}
        for stale in set(current) - set(wanted):
            current[stale].delete()
        for value in wanted:
            if value not in current:
                CredentialIdentifier.objects.create(credential=credential, type=credential.type, identifier=value)


def _sync_addresses(identity: Identity, schema: IdentitySchema, imported: list[AddressInput] | None = None) -> None:
    """Keep verifiable and recovery addresses equal to the traits that the schema marks.

    An unchanged address keeps its verification; a new one starts unverified.
    """
    imported_by_value = {normalize_identifier(a.value, is_email=True): a for a in imported or []}
    wanted = _addresses_for(schema, identity.traits, schema.verification_paths)
    current = {row.value: row for row in identity.verifiable_addresses.all()}
    for stale in set(current) - set(wanted):
        current[stale].delete()
    for value in wanted:
        if value in current:
            continue
        source = imported_by_value.get(value)
        verified = bool(source and source.verified)
        VerifiableAddress.objects.create(
            identity=identity,
            value=value,
            via="email",
            verified=verified,
            verified_at=(source.verified_at or timezone.now()) if verified else None,
            status=VerifiableAddress.Status.COMPLETED if verified else VerifiableAddress.Status.PENDING,
        )
    wanted_recovery = _addresses_for(schema, identity.traits, schema.recovery_paths)
    current_recovery = {row.value: row for row in identity.recovery_addresses.all()}
    for stale in set(current_recovery) - set(wanted_recovery):
        current_recovery[stale].delete()
    for value in wanted_recovery:
        if value not in current_recovery:
            RecoveryAddress.objects.create(identity=identity, value=value, via="email")


def _set_password_credential(identity: Identity, schema: IdentitySchema, password_hash: str) -> Credential:
    identifiers = identifiers_for(schema, identity.traits, Credential.Type.PASSWORD)
    if not identifiers:
        raise BadRequest(
            reason="The identity schema marks no trait as a password identifier, or the traits leave it empty."
        )
    credential, _ = Credential.objects.update_or_create(
        identity=identity,
        type=Credential.Type.PASSWORD,
        defaults={"config": {"hashed_password": password_hash}},
    )
    _sync_identifiers(identity, schema)
    return credential


def _ensure_code_credential(identity: Identity, schema: IdentitySchema) -> None:
    """Sign-in by e-mail code: a ``code`` credential whose identifiers are the traits the schema
    marks ``credentials.code.identifier`` (as Kratos keeps one)."""
    if not identifiers_for(schema, identity.traits, Credential.Type.CODE):
        return
    Credential.objects.get_or_create(identity=identity, type=Credential.Type.CODE, defaults={"config": {}})
    _sync_identifiers(identity, schema)


def _raise_if_identifier_taken(schema: IdentitySchema, traits: dict, *, exclude_identity=None) -> None:
    for credential_type in schema.identifier_paths:
        values = identifiers_for(schema, traits, credential_type)
        if not values:
            continue
        taken = CredentialIdentifier.objects.filter(type=credential_type, identifier__in=values)
        if exclude_identity is not None:
            taken = taken.exclude(credential__identity=exclude_identity)
        if taken.exists():
            raise DuplicateIdentity(reason="This identity conflicts with another identity that already exists.")


def _validate_state(state: str) -> str:
    if state not in Identity.State.values:
        raise BadRequest(reason=f"state must be one of {', '.join(Identity.State.values)}.")
    return state


@retrying
def identity_create(*, data: IdentityInput) -> Identity:
    """Create an identity (and its password credential, if given). Duplicate identifiers or
    external ids are a 409; invalid traits a 400."""
    schema = get_schema(data.schema_id)
    require_valid_traits(schema, data.traits)
    state = _validate_state(data.state or Identity.State.ACTIVE)
    password_hash = _password_hash(data.password) if data.password else None
    _raise_if_identifier_taken(schema, data.traits)
    if data.external_id and Identity.objects.filter(external_id=data.external_id).exists():
        raise DuplicateIdentity(reason="An identity with this external_id already exists.")
    try:
        with transaction.atomic():
            identity = Identity.objects.create(
                schema_id=schema.id,
                traits=data.traits,
                state=state,
                state_changed_at=timezone.now(),
                metadata_public=data.metadata_public,
                metadata_admin=data.metadata_admin,
                external_id=data.external_id or None,
                is_staff=data.is_staff,
            )
            if password_hash:
                _set_password_credential(identity, schema, password_hash)
            _ensure_code_credential(identity, schema)
            _sync_addresses(identity, schema, data.verifiable_addresses)
    except IntegrityError as error:
        raise DuplicateIdentity(reason="This identity conflicts with another identity that already exists.") from error
    return identity


@retrying
def identity_update(
    *,
    identity_id,
    schema_id: str,
    traits: dict,
    state: str | None = None,
    metadata_public: Any = None,
    metadata_admin: Any = None,
    external_id: str | None = None,
    password: PasswordInput | None = None,
) -> Identity:
    """Replace an identity's traits, schema, state and metadata (Kratos' PUT semantics)."""
    identity = Identity.objects.select_for_update().get(pk=identity_id)
    schema = get_schema(schema_id)
    require_valid_traits(schema, traits)
    _raise_if_identifier_taken(schema, traits, exclude_identity=identity)
    if external_id and Identity.objects.filter(external_id=external_id).exclude(pk=identity.pk).exists():
        raise DuplicateIdentity(reason="An identity with this external_id already exists.")
    deactivated = False
    if state and state != identity.state:
        _validate_state(state)
        deactivated = state == Identity.State.INACTIVE
        identity.state = state
        identity.state_changed_at = timezone.now()
    identity.schema_id = schema.id
    identity.traits = traits
    identity.metadata_public = metadata_public
    identity.metadata_admin = metadata_admin
    identity.external_id = external_id or None
    try:
        with transaction.atomic():
            identity.save()
            if password:
                _set_password_credential(identity, schema, _password_hash(password))
            _ensure_code_credential(identity, schema)
            _sync_identifiers(identity, schema)
            _sync_addresses(identity, schema)
    except IntegrityError as error:
        raise DuplicateIdentity(reason="This identity conflicts with another identity that already exists.") from error
    if deactivated:
        _announce_deactivation(identity)
    return identity


def _announce_deactivation(identity: Identity) -> None:
    from identity_app.services.sessions import sessions_revoke_for_identity

    sessions_revoke_for_identity(identity_id=identity.pk)
    transaction.on_commit(lambda: signals.identity_deactivated.send(sender=Identity, identity_id=identity.pk))


@retrying
def identity_set_state(*, identity_id, state: str) -> Identity:
    """Activate or deactivate an identity. Deactivation ends its sessions and tells other apps."""
    _validate_state(state)
    identity = Identity.objects.select_for_update().get(pk=identity_id)
    if identity.state == state:
        return identity
    identity.state = state
    identity.state_changed_at = timezone.now()
    identity.save(update_fields=["state", "state_changed_at", "updated_at"])
    if state == Identity.State.INACTIVE:
        _announce_deactivation(identity)
    return identity


@retrying
def identity_set_password(*, identity_id, password: str) -> Credential:
    """Set (or replace) the identity's password; the caller has checked the policy."""
    identity = Identity.objects.select_for_update().get(pk=identity_id)
    return _set_password_credential(identity, get_schema(identity.schema_id), passwords.hash_password(password))


@retrying
def address_mark_verified(*, identity_id, address: str) -> bool:
    """Mark the identity's verifiable ``address`` verified (proven by a code or link sent to it)."""
    updated = VerifiableAddress.objects.filter(
        identity_id=identity_id, value=normalize_identifier(address, is_email=True), verified=False
    ).update(
        verified=True,
        verified_at=timezone.now(),
        status=VerifiableAddress.Status.COMPLETED,
        updated_at=timezone.now(),
    )
    return bool(updated)


@retrying
def identity_set_console_access(*, identity_id, is_staff: bool, is_superuser: bool) -> Identity:
    """Let an identity into the staff console (``is_staff``), with every permission (``is_superuser``)."""
    identity = Identity.objects.select_for_update().get(pk=identity_id)
    identity.is_staff = is_staff
    identity.is_superuser = is_superuser
    identity.save(update_fields=["is_staff", "is_superuser", "updated_at"])
    return identity


@retrying
def identity_delete(*, identity_id) -> None:
    """Delete an identity with its credentials, addresses, flows and sessions, then tell other apps."""
    deleted, _ = Identity.objects.filter(pk=identity_id).delete()
    if not deleted:
        raise Identity.DoesNotExist
    transaction.on_commit(lambda: signals.identity_deleted.send(sender=Identity, identity_id=identity_id))
