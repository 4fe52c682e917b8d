from django.core.management.base import BaseCommand, CommandError

from ory_platform.api_keys import api_key_revoke
from ory_platform.errors import OryError


class Command(BaseCommand):
    help = "Revoke the active admin API key with the given name. It stops working at once."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        try:
            api_key = api_key_revoke(name=name)
        except OryError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Revoked API key {api_key.name!r}.")
