"""Demo data for a laptop: an admin API key (printed once) and whatever the apps offer as examples."""

from django.core.management.base import BaseCommand

from ory_platform.api_keys import api_key_create
from ory_platform.models import ApiKey

DEMO_KEY_NAME = "demo"


class Command(BaseCommand):
    help = "Create demo data. Safe to run again: what exists already is left alone."

    def handle(self, *args, **options):
        self._permission_model()
        self._api_key()  # last: the key is the final line of output

    def _api_key(self) -> None:
        if ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True).exists():
            self.stdout.write(
                f"Admin API key {DEMO_KEY_NAME!r} exists already (its secret was shown when it was created). "
                f"For a new one: python manage.py revoke_api_key {DEMO_KEY_NAME} && python manage.py setup_demo"
            )
            return
        issued = api_key_create(name=DEMO_KEY_NAME)
        self.stdout.write(self.style.SUCCESS("Admin API key (shown only now; send as 'Authorization: Bearer <key>'):"))
        self.stdout.write(f"  {issued.secret}")

    def _permission_model(self) -> None:
        # permissions_app: the example OPL model and demo tuples, unless a model is active.
        from permissions_app.demo import permissions_demo_setup

        self.stdout.write(permissions_demo_setup())
