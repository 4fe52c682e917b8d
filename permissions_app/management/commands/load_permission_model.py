"""``python manage.py load_permission_model PATH``: parse, type-check and activate an OPL model."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from permissions_app.models import PermissionModel, RelationTuple
from permissions_app.opl import InvalidModel, check_model, parse_model
from permissions_app.services import permission_model_load


def format_errors(source: str, errors, path: str) -> str:
    """Every error as ``path:line:column: message`` followed by the line and a caret."""
    lines = source.splitlines()
    out = []
    for error in errors:
        start = error.span.start
        out.append(f"{path}:{start.line}:{start.column}: {error.message}")
        if 1 <= start.line <= len(lines):
            text = lines[start.line - 1]
            out.append(f"    {text}")
            width = max(1, error.span.end.column - start.column) if error.span.end.line == start.line else 1
            out.append("    " + "".join(c if c == "\t" else " " for c in text[: start.column - 1]) + "^" * width)
    return "\n".join(out)


class Command(BaseCommand):
    help = (
        "Parse and type-check an Ory Permission Language (OPL) file and make it the active permission model. "
        "An invalid file is refused with every error and the active model stays."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The OPL (TypeScript) file, e.g. permissions_app/examples/documents.ts.")
        parser.add_argument("--check", action="store_true", help="Only check the file; activate nothing.")

    def handle(self, *args, path: str, check: bool = False, **options):
        try:
            source = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        errors = check_model(source)
        if errors:
            self.stderr.write(format_errors(source, errors, path))
            raise CommandError(f"{path} has {len(errors)} error(s); the active permission model was not changed.")
        if check:
            self.stdout.write(self.style.SUCCESS(f"{path} is a valid permission model."))
            return
        try:
            loaded = permission_model_load(source=source, origin=PermissionModel.Origin.COMMAND, source_name=path)
        except InvalidModel as error:  # pragma: no cover - checked above
            raise CommandError(str(error)) from error
        version = loaded.version
        namespaces = ", ".join(version.namespaces) or "none"
        if not loaded.changed:
            self.stdout.write(f"{path} is already the active model (version {version.version}); nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS(f"Activated version {version.version} (namespaces: {namespaces})."))
        self._warn_about_orphans(source)

    def _warn_about_orphans(self, source: str) -> None:
        """Tuples whose namespace or relation the new model no longer declares stay, unused."""
        schema = parse_model(source)
        orphans = 0
        pairs = RelationTuple.objects.values_list("namespace", "relation").distinct()
        for namespace, relation in pairs.iterator():
            if not schema.is_relation(namespace, relation):
                orphans += RelationTuple.objects.filter(namespace=namespace, relation=relation).count()
        if orphans:
            self.stderr.write(
                self.style.WARNING(
                    f"{orphans} stored tuple(s) use a namespace or relation this model does not declare; "
                    "checks ignore them until a model declares them again."
                )
            )
