"""``python manage.py import_relationships FILE``: bulk-load relation tuples.

Each line is a tuple in Keto's JSON shape (JSON lines) or in Keto's text notation
``namespace:object#relation@subject``; blank lines and ``//`` comments are skipped. Tuples are
validated against the active model and inserted in batches, each batch one transaction; a tuple
that exists already is left alone, so running an import twice is harmless.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ory_platform.errors import OryError
from permissions_app.schema import active_schema, validate_relationship
from permissions_app.services import relationships_import
from permissions_app.tuples import tuple_from_line

MAX_REPORTED_ERRORS = 20


class Progress:
    """A one-line progress bar on stderr (redrawn at most five times a second)."""

    def __init__(self, stream, total_bytes: int | None, enabled: bool):
        self.stream = stream
        self.total = total_bytes
        self.enabled = enabled
        self.started = time.monotonic()
        self.drawn_at = 0.0

    def update(self, done_bytes: int, tuples: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.drawn_at < 0.2):
            return
        self.drawn_at = now
        rate = tuples / max(now - self.started, 1e-6)
        if self.total:
            fraction = min(done_bytes / self.total, 1.0)
            bar = "#" * int(fraction * 30)
            text = f"\r[{bar:<30}] {fraction:6.1%} {tuples:>10,} tuples {rate:>9,.0f}/s"
        else:
            text = f"\r{tuples:>10,} tuples {rate:>9,.0f}/s"
        self.stream.write(text + ("\n" if final else ""))
        self.stream.flush()


class Command(BaseCommand):
    help = "Import relation tuples from a file of JSON lines or Keto's text notation (ns:obj#rel@subject)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import, or '-' for standard input.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Tuples per transaction (default 1000).")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, file: str, batch_size: int, no_progress: bool = False, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if file == "-":
            stream, total = sys.stdin.buffer, None
        else:
            try:
                stream, total = Path(file).open("rb"), Path(file).stat().st_size  # noqa: SIM115  closed below
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error}") from error
        progress = Progress(self.stderr, total, enabled=not no_progress)
        schema = active_schema()
        if not schema.namespaces:
            raise CommandError("No permission model is active: load one with load_permission_model first.")
        read = created = 0
        refused: list[str] = []
        batch: list = []
        done_bytes = 0
        started = time.monotonic()
        try:
            for number, raw in enumerate(stream, start=1):
                done_bytes += len(raw)
                line = raw.decode("utf-8", errors="replace").strip()
                if not line or line.startswith("//"):
                    continue
                read += 1
                try:
                    relationship = tuple_from_line(line)
                    validate_relationship(schema, relationship, for_write=True)
                except OryError as error:
                    refused.append(f"line {number}: {error.message} ({line[:80]})")
                    continue
                batch.append(relationship)
                if len(batch) >= batch_size:
                    created += relationships_import(relationships=batch, schema=schema)
                    batch = []
                    progress.update(done_bytes, read)
            if batch:
                created += relationships_import(relationships=batch, schema=schema)
        finally:
            if file != "-":
                stream.close()
        progress.update(done_bytes, read, final=True)
        self._summary(read, created, refused, time.monotonic() - started)

    def _summary(self, read: int, created: int, refused: list[str], seconds: float) -> None:
        valid = read - len(refused)
        for message in refused[:MAX_REPORTED_ERRORS]:
            self.stderr.write(message)
        if len(refused) > MAX_REPORTED_ERRORS:
            self.stderr.write(f"... and {len(refused) - MAX_REPORTED_ERRORS} more refused lines")
        self.stdout.write(
            f"Read {read:,} tuples in {seconds:.1f}s: {created:,} created, {valid - created:,} already present, "
            f"{len(refused):,} refused."
        )
        if refused:
            raise CommandError(f"{len(refused)} line(s) were refused; the others were imported.")
