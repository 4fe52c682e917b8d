"""Create an identity that may use the staff console, with a password, from the command line."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from identity_app import passwords
from identity_app.schemas import get_schema
from identity_app.services.identities import (
    IdentityInput,
    PasswordInput,
    identity_create,
    identity_set_console_access,
)
from ory_platform.errors import OryError


class Command(BaseCommand):
    help = "Create a staff identity (console access) identified by an e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password", help="Prompted for when omitted (recommended: keeps it out of shell history)."
        )
        parser.add_argument("--superuser", action="store_true", help="Grant every console permission.")

    def handle(self, *args, email: str, password: str | None, superuser: bool, **options):
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        problems = passwords.check_password_policy(password, identifiers=[email.strip().lower()])
        if problems:
            raise CommandError("; ".join(problem["text"] for problem in problems))
        try:
            identity = identity_create(
                data=IdentityInput(
                    schema_id=get_schema().id,
                    traits={"email": email},
                    password=PasswordInput(password=password),
                    is_staff=True,
                )
            )
        except OryError as error:
            raise CommandError(error.reason or error.message) from error
        if superuser:
            identity_set_console_access(identity_id=identity.pk, is_staff=True, is_superuser=True)
        self.stdout.write(f"Created staff identity {identity.pk} ({email}).")
