"""What the commands that delete expired data share: a grace period in Go duration syntax, the page
size, and one line per model deleted from."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ory_platform.durations import duration_seconds


class PurgeCommand(BaseCommand):
    """Subclasses name their grace option (``--keep-last`` as Kratos, ``--keep-if-younger`` as Hydra)."""

    keep_option = "--keep-last"

    def add_arguments(self, parser):
        parser.add_argument(
            self.keep_option,
            default="",
            metavar="DURATION",
            help="Keep what expired less than this long ago (a duration such as 6h or 30m; default: nothing).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows examined per transaction.")

    def grace(self, options) -> timedelta:
        """The grace period and page size asked for, checked."""
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        text = options[self.keep_option.lstrip("-").replace("-", "_")]
        if not text:
            return timedelta(0)
        try:
            return timedelta(seconds=duration_seconds(text))
        except ValueError as error:
            raise CommandError(f"{self.keep_option}: {error}.") from error

    def report(self, deleted: dict[str, int]) -> None:
        for label, count in deleted.items():
            self.stdout.write(f"{label}: {count} deleted")
        self.stdout.write(self.style.SUCCESS(f"{sum(deleted.values())} expired row(s) deleted."))
