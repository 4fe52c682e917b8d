"""``python manage.py rotate_signing_keys``: a new active ID-token signing key (RFC 7517 key rotation)."""

from django.core.management.base import BaseCommand

from oauth2_app.keys import signing_key_rotate, signing_keys_prune


class Command(BaseCommand):
    help = (
        "Create a new active RS256 signing key. The previous key is retired but stays in the JWKS for "
        "OAUTH2_RETIRED_KEY_PUBLISH_SECONDS so tokens it signed still verify; --prune deletes retired keys past that."
    )

    def add_arguments(self, parser):
        parser.add_argument("--prune", action="store_true", help="Also delete retired keys no longer published.")

    def handle(self, *args, **options):
        key = signing_key_rotate()
        self.stdout.write(self.style.SUCCESS(f"New active signing key: {key.kid}"))
        if options["prune"]:
            self.stdout.write(f"Deleted {signing_keys_prune()} retired key(s) no longer published.")
