from django.core.management.base import BaseCommand, CommandError

from ory_platform.api_keys import api_key_create
from ory_platform.errors import OryError


class Command(BaseCommand):
    help = "Create an admin API key. The key is printed once, as the last line of output; store it safely."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What or who will use the key.")

    def handle(self, *args, name: str, **options):
        try:
            issued = api_key_create(name=name)
        except (OryError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stderr.write(f"Created API key {issued.api_key.name!r}. It is shown only now:")
        self.stdout.write(issued.secret)
