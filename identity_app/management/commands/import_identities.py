"""Bulk-import identities from JSON lines, each in the admin API's create shape.

Passwords should come hashed (``credentials.password.config.hashed_password``, any format the
platform verifies); they are upgraded to argon2id at the first sign-in. Running the command again
with the same file creates nothing twice: rows whose identifier or external id exists are skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from identity_app.api.admin_identities import IdentityBodySerializer, identity_input
from identity_app.models import CredentialIdentifier, Identity
from identity_app.schemas import get_schema
from identity_app.services.identities import DuplicateIdentity, identifiers_for, identity_create
from ory_platform.errors import OryError

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Import identities from a JSON-lines file (one admin-API create body per line)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--quiet-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, file: Path, batch_size: int, quiet_progress: bool, **options):
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        total = sum(1 for line in file.open(encoding="utf-8") if line.strip())
        created = skipped = 0
        refused: list[tuple[int, str]] = []
        batch: list[tuple[int, str]] = []
        done = 0
        with file.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                batch.append((number, line))
                if len(batch) >= batch_size:
                    c, s, r = self._import_batch(batch)
                    created, skipped, done = created + c, skipped + s, done + len(batch)
                    refused.extend(r)
                    batch = []
                    self._progress(done, total, quiet_progress)
            if batch:
                c, s, r = self._import_batch(batch)
                created, skipped, done = created + c, skipped + s, done + len(batch)
                refused.extend(r)
                self._progress(done, total, quiet_progress)
        if not quiet_progress and total:
            sys.stderr.write("\n")
        self.stdout.write(f"Created {created}, skipped {skipped} existing, refused {len(refused)} of {total} row(s).")
        for number, reason in refused[:100]:
            self.stdout.write(f"  line {number}: {reason}")
        if len(refused) > 100:
            self.stdout.write(f"  ... and {len(refused) - 100} more")

    def _progress(self, done: int, total: int, quiet: bool) -> None:
        if quiet or not total:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def _import_batch(self, batch: list[tuple[int, str]]) -> tuple[int, int, list[tuple[int, str]]]:
        parsed: list[tuple[int, dict]] = []
        refused: list[tuple[int, str]] = []
        for number, line in batch:
            try:
                body = json.loads(line)
                serializer = IdentityBodySerializer(data=body)
                serializer.is_valid(raise_exception=True)
                parsed.append((number, serializer.validated_data))
            except json.JSONDecodeError as error:
                refused.append((number, f"not JSON: {error.msg}"))
            except ValidationError as error:
                refused.append((number, f"invalid: {error.detail}"))
        existing_identifiers, existing_external_ids = self._existing(parsed)
        created = skipped = 0
        for number, data in parsed:
            try:
                schema = get_schema(data["schema_id"])
            except OryError as error:
                refused.append((number, error.reason or error.message))
                continue
            identifiers = {
                (kind, value)
                for kind in schema.identifier_paths
                for value in identifiers_for(schema, data["traits"], kind)
            }
            if identifiers & existing_identifiers or (data.get("external_id") in existing_external_ids):
                skipped += 1
                continue
            try:
                identity_create(data=identity_input(data))
            except DuplicateIdentity:
                skipped += 1
                continue
            except OryError as error:
                refused.append((number, error.reason or error.message))
                continue
            created += 1
            existing_identifiers |= identifiers
            if data.get("external_id"):
                existing_external_ids.add(data["external_id"])
        return created, skipped, refused

    @staticmethod
    def _existing(parsed: list[tuple[int, dict]]) -> tuple[set, set]:
        """Identifiers and external ids of this batch that exist already: two queries per batch."""
        values: set[str] = set()
        for _, data in parsed:
            try:
                schema = get_schema(data["schema_id"])
            except OryError:
                continue
            for kind in schema.identifier_paths:
                values.update(identifiers_for(schema, data["traits"], kind))
        identifiers = set(CredentialIdentifier.objects.filter(identifier__in=values).values_list("type", "identifier"))
        external = {data["external_id"] for _, data in parsed if data.get("external_id")}
        external_ids = set(Identity.objects.filter(external_id__in=external).values_list("external_id", flat=True))
        return identifiers, external_ids
