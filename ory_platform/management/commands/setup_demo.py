"""Demo data for a laptop: an admin API key (printed once) and whatever the apps offer as examples."""

import secrets

from django.core.management.base import BaseCommand

from ory_platform.api_keys import api_key_create
from ory_platform.models import ApiKey

DEMO_KEY_NAME = "demo"
DEMO_STAFF_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Create demo data. Safe to run again: what exists already is left alone."

    def handle(self, *args, **options):
        self._api_key()
        self._staff_identity()
        self._oauth2_client()
        self._permission_model()

    # --- A staff identity for the console (identity_app) ---------------------------------------
    def _staff_identity(self) -> None:
        from identity_app.models import Identity
        from identity_app.schemas import get_schema
        from identity_app.services.identities import (
            IdentityInput,
            PasswordInput,
            identity_create,
            identity_set_console_access,
        )

        if Identity.objects.filter(is_staff=True).exists():
            self.stdout.write("A staff identity exists already; sign in to /console/ with it.")
            return
        password = secrets.token_urlsafe(12)
        identity = identity_create(
            data=IdentityInput(
                schema_id=get_schema().id,
                traits={"email": DEMO_STAFF_EMAIL, "name": {"first": "Demo", "last": "Admin"}},
                password=PasswordInput(password=password),
            )
        )
        identity_set_console_access(identity_id=identity.pk, is_staff=True, is_superuser=True)
        self.stdout.write(self.style.SUCCESS("Staff identity for /console/ (password shown only now):"))
        self.stdout.write(f"  email:    {DEMO_STAFF_EMAIL}")
        self.stdout.write(f"  password: {password}")

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

    # --- OAuth2 (oauth2_app) -------------------------------------------------------------------
    def _oauth2_client(self) -> None:
        from oauth2_app.models import Client
        from oauth2_app.services.clients import client_create

        demo_client_id = "demo-app"
        if Client.objects.filter(client_id=demo_client_id).exists():
            self.stdout.write(
                f"OAuth2 client {demo_client_id!r} exists already (its secret was shown when it was created; "
                "rotate it in the console to get a new one)."
            )
            return
        _client, secret = client_create(
            metadata={
                "client_id": demo_client_id,
                "client_name": "Demo app",
                "redirect_uris": ["http://127.0.0.1:5555/callback"],
                "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
                "scope": "openid offline_access email profile",
            }
        )
        self.stdout.write(self.style.SUCCESS("OAuth2 client (secret shown only now):"))
        self.stdout.write(f"  client_id:     {demo_client_id}")
        self.stdout.write(f"  client_secret: {secret}")

    # --- Permissions (permissions_app) ----------------------------------------------------------
    def _permission_model(self) -> None:
        """The example OPL model and a few demo tuples, unless a model is active."""
        from permissions_app.demo import permissions_demo_setup

        self.stdout.write(permissions_demo_setup())
