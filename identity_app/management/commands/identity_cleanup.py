"""``python manage.py identity_cleanup [--keep-last 6h] [--batch-size 1000]`` (Kratos' ``kratos cleanup sql``)."""

from identity_app.services.cleanup import identity_data_purge_expired
from ory_platform.management.purge import PurgeCommand


class Command(PurgeCommand):
    help = (
        "Delete expired self-service flows (with their one-time codes) and expired sessions. "
        "Safe to run while serving, and to interrupt."
    )
    keep_option = "--keep-last"

    def handle(self, *args, **options):
        keep = self.grace(options)
        self.report(identity_data_purge_expired(keep_last=keep, batch_size=options["batch_size"]))
