"""Identity schemas: JSON Schema files describing an identity's traits, with Kratos' ``ory.sh/kratos``
extension saying which traits identify a credential and which are verification or recovery addresses.

Schemas are named in settings (``IDENTITY_SCHEMAS``: id → file) and loaded once per process.
See https://www.ory.sh/docs/kratos/manage-identities/identity-schema.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator

from identity_app.flows import messages
from ory_platform.errors import BadRequest, NotFound

EXTENSION = "ory.sh/kratos"


class UnknownSchema(NotFound):
    error_id = "not_found"
    default_message = "The requested identity schema does not exist"


@dataclass(frozen=True)
class TraitField:
    """One leaf of the traits object, as a form field: ``path`` like ``name.first``."""

    path: str
    input_type: str
    title: str
    required: bool
    autocomplete: str = ""
    max_length: int | None = None


@dataclass(frozen=True)
class TraitError:
    """A validation failure: ``path`` is the trait (``""`` for the whole object)."""

    path: str
    message: dict


@dataclass
class IdentitySchema:
    id: str
    document: dict
    fields: list[TraitField] = field(default_factory=list)
    # credential type → trait paths whose values identify that credential (e.g. password → ["email"])
    identifier_paths: dict[str, list[str]] = field(default_factory=dict)
    verification_paths: list[str] = field(default_factory=list)
    recovery_paths: list[str] = field(default_factory=list)
    code_via: dict[str, str] = field(default_factory=dict)

    @property
    def traits_schema(self) -> dict:
        return self.document.get("properties", {}).get("traits", {})

    @property
    def encoded_id(self) -> str:
        return encode_schema_id(self.id)

    @property
    def url(self) -> str:
        return f"{settings.PUBLIC_URL}/schemas/{self.encoded_id}"

    def validate(self, traits: Any) -> list[TraitError]:
        """Every way ``traits`` breaks the schema, as Kratos UI messages on trait paths."""
        validator = _validator(self.id)
        errors = []
        for error in sorted(validator.iter_errors(traits), key=lambda e: list(e.absolute_path)):
            errors.append(_trait_error(error))
        return errors


def encode_schema_id(schema_id: str) -> str:
    return base64.urlsafe_b64encode(schema_id.encode()).decode().rstrip("=")


def _email_format(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        EmailValidator()(value)
    except DjangoValidationError:
        return False
    return True


_FORMAT_CHECKER = jsonschema.FormatChecker()
_FORMAT_CHECKER.checks("email")(_email_format)


@cache
def _validator(schema_id: str) -> jsonschema.protocols.Validator:
    schema = get_schema(schema_id).traits_schema
    validator_class = jsonschema.validators.validator_for(get_schema(schema_id).document, jsonschema.Draft7Validator)
    return validator_class(schema, format_checker=_FORMAT_CHECKER)


def _trait_error(error: jsonschema.ValidationError) -> TraitError:
    path = ".".join(str(part) for part in error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(value)
        full = f"{path}.{missing}" if path else missing
        return TraitError(full, messages.error_required(missing))
    if keyword == "format" and value == "email":
        return TraitError(path, messages.error_email(str(error.instance)))
    if keyword == "minLength":
        return TraitError(path, messages.error_min_length(value, len(error.instance)))
    if keyword == "maxLength":
        return TraitError(path, messages.error_max_length(value, len(error.instance)))
    if keyword == "pattern":
        return TraitError(path, messages.error_invalid_format(value))
    if keyword == "type":
        return TraitError(path, messages.error_wrong_type(str(value), _json_type(error.instance)))
    if keyword == "const":
        return TraitError(path, messages.error_const(value))
    return TraitError(path, messages.error_generic(error.message))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _input_type(node: dict) -> tuple[str, str]:
    """HTML input type and autocomplete hint for a trait's schema."""
    kind = node.get("type")
    fmt = node.get("format")
    if kind == "string" and fmt == "email":
        return "email", "email"
    if kind == "string" and fmt == "tel":
        return "tel", "tel"
    if kind == "string" and fmt in ("uri", "url"):
        return "url", "url"
    if kind == "string" and fmt == "date":
        return "date", ""
    if kind in ("number", "integer"):
        return "number", ""
    if kind == "boolean":
        return "checkbox", ""
    return "text", ""


def _walk(schema: IdentitySchema, node: dict, path: str, required: bool) -> None:
    if node.get("type") == "object" and "properties" in node:
        wanted = set(node.get("required", []))
        for name, child in node["properties"].items():
            _walk(schema, child, f"{path}.{name}" if path else name, required and name in wanted)
        return
    input_type, autocomplete = _input_type(node)
    extension = node.get(EXTENSION, {})
    for credential_type, options in extension.get("credentials", {}).items():
        if isinstance(options, dict) and options.get("identifier"):
            schema.identifier_paths.setdefault(credential_type, []).append(path)
            if credential_type == "code" and options.get("via"):
                schema.code_via[path] = options["via"]
    if extension.get("verification", {}).get("via"):
        schema.verification_paths.append(path)
    if extension.get("recovery", {}).get("via"):
        schema.recovery_paths.append(path)
    schema.fields.append(
        TraitField(
            path=path,
            input_type=input_type,
            title=node.get("title") or path.rsplit(".", 1)[-1].replace("_", " ").capitalize(),
            required=required,
            autocomplete=autocomplete,
            max_length=node.get("maxLength"),
        )
    )


def _load(schema_id: str, location: str | Path) -> IdentitySchema:
    path = Path(location)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    document = json.loads(path.read_text())
    jsonschema.validators.validator_for(document, jsonschema.Draft7Validator).check_schema(document)
    schema = IdentitySchema(id=schema_id, document=document)
    traits = schema.traits_schema
    _walk(schema, traits, "", True)
    return schema


@cache
def _registry() -> dict[str, IdentitySchema]:
    return {schema_id: _load(schema_id, location) for schema_id, location in settings.IDENTITY_SCHEMAS.items()}


def all_schemas() -> list[IdentitySchema]:
    return list(_registry().values())


def get_schema(schema_id: str | None = None) -> IdentitySchema:
    """The schema with this id (or the default one). Raises :class:`UnknownSchema`."""
    schema_id = schema_id or settings.IDENTITY_DEFAULT_SCHEMA_ID
    try:
        return _registry()[schema_id]
    except KeyError:
        raise UnknownSchema(reason=f"Identity schema {schema_id!r} does not exist.") from None


def get_schema_by_public_id(public_id: str) -> IdentitySchema:
    """Look a schema up by its id as it appears in URLs: the raw id or its base64url encoding."""
    registry = _registry()
    if public_id in registry:
        return registry[public_id]
    try:
        decoded = base64.urlsafe_b64decode(public_id + "=" * (-len(public_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if decoded in registry:
        return registry[decoded]
    raise UnknownSchema(reason=f"Identity schema {public_id!r} does not exist.")


def reset_cache() -> None:
    """Forget loaded schemas (tests that change ``IDENTITY_SCHEMAS`` call this)."""
    _registry.cache_clear()
    _validator.cache_clear()


def trait_value(traits: dict, path: str) -> Any:
    current: Any = traits
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def require_valid_traits(schema: IdentitySchema, traits: Any) -> None:
    """Raise a 400 naming the first invalid trait (admin API style)."""
    errors = schema.validate(traits)
    if errors:
        first = errors[0]
        where = f"traits.{first.path}" if first.path else "traits"
        raise BadRequest(
            "The request was malformed or contained invalid parameters",
            reason=f"{where}: {first.message['text']}",
            details={"errors": [{"path": f"traits.{e.path}" if e.path else "traits", **e.message} for e in errors]},
        )


def identifier_label(schema: IdentitySchema, credential_type: str) -> dict:
    """The label for the login ``identifier`` field: the title of the trait(s) that identify the
    credential (e.g. "E-Mail"), or Kratos' generic "ID" when they differ."""
    paths = schema.identifier_paths.get(credential_type, [])
    titles = {field.title for field in schema.fields if field.path in paths}
    if len(titles) == 1:
        return messages.label_generated(titles.pop(), "identifier")
    return messages.label_id()
