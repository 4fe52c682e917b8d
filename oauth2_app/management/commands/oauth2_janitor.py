"""``python manage.py oauth2_janitor --tokens --requests [--keep-if-younger 24h]`` (Hydra's ``hydra janitor``)."""

from django.core.management.base import CommandError

from oauth2_app.services.janitor import REQUESTS, TOKENS, purge_expired
from ory_platform.management.purge import PurgeCommand


class Command(PurgeCommand):
    help = (
        "Delete expired OAuth2 data: --tokens (access, refresh and ID tokens, authorization codes, device "
        "grants) and --requests (login, consent, logout and device requests; remembered consents stay until "
        "revoked). Safe to run while serving, and to interrupt."
    )
    keep_option = "--keep-if-younger"

    def add_arguments(self, parser):
        parser.add_argument("--tokens", action="store_true", help="Delete expired tokens, codes and device grants.")
        parser.add_argument("--requests", action="store_true", help="Delete expired login/consent/logout requests.")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        what = [kind for kind, wanted in ((TOKENS, options["tokens"]), (REQUESTS, options["requests"])) if wanted]
        if not what:
            raise CommandError("Name at least one of --tokens and --requests.")
        keep = self.grace(options)
        self.report(purge_expired(what=what, keep_if_younger=keep, batch_size=options["batch_size"]))
