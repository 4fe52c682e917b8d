"""``python manage.py oauth2_janitor --tokens --requests [--keep-if-younger 24h]`` (Hydra's ``hydra janitor``)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from oauth2_app.services.janitor import REQUESTS, TOKENS, purge_expired
from ory_platform.durations import duration_seconds


class Command(BaseCommand):
    help = (
        "Delete expired OAuth2 data: --tokens (access, refresh and ID tokens, authorization codes, device "
        "grants) and --requests (login, consent, logout and device requests; remembered consents stay until "
        "revoked). Safe to run while serving, and to interrupt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tokens", action="store_true", help="Delete expired tokens, codes and device grants.")
        parser.add_argument("--requests", action="store_true", help="Delete expired login/consent/logout requests.")
        parser.add_argument(
            "--keep-if-younger",
            default="",
            metavar="DURATION",
            help="Keep what expired less than this long ago (a duration such as 24h or 30m; default: nothing).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows examined per transaction.")

    def handle(self, *args, **options):
        what = [kind for kind, wanted in ((TOKENS, options["tokens"]), (REQUESTS, options["requests"])) if wanted]
        if not what:
            raise CommandError("Name at least one of --tokens and --requests.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        keep = timedelta(0)
        if options["keep_if_younger"]:
            try:
                keep = timedelta(seconds=duration_seconds(options["keep_if_younger"]))
            except ValueError as error:
                raise CommandError(f"--keep-if-younger: {error}.") from error
        deleted = purge_expired(what=what, keep_if_younger=keep, batch_size=options["batch_size"])
        for label, count in deleted.items():
            self.stdout.write(f"{label}: {count} deleted")
        self.stdout.write(self.style.SUCCESS(f"{sum(deleted.values())} expired row(s) deleted."))
