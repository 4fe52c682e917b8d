"""``python manage.py identity_cleanup [--keep-last 6h] [--batch-size 1000]`` (Kratos' ``kratos cleanup sql``)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from identity_app.services.cleanup import identity_data_purge_expired
from ory_platform.durations import duration_seconds


class Command(BaseCommand):
    help = (
        "Delete expired self-service flows (with their one-time codes) and expired sessions. "
        "Safe to run while serving, and to interrupt."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-last",
            default="",
            metavar="DURATION",
            help="Keep what expired less than this long ago (a duration such as 6h or 30m; default: nothing).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows examined per transaction.")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        keep = timedelta(0)
        if options["keep_last"]:
            try:
                keep = timedelta(seconds=duration_seconds(options["keep_last"]))
            except ValueError as error:
                raise CommandError(f"--keep-last: {error}.") from error
        deleted = identity_data_purge_expired(keep_last=keep, batch_size=options["batch_size"])
        for label, count in deleted.items():
            self.stdout.write(f"{label}: {count} deleted")
        self.stdout.write(self.style.SUCCESS(f"{sum(deleted.values())} expired row(s) deleted."))
