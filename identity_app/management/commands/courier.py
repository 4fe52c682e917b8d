"""Deliver queued e-mail: ``courier send`` (one batch) or ``courier watch`` (keep going)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from identity_app.courier import courier_send_batch


class Command(BaseCommand):
    help = "Deliver queued courier messages, retrying failures with backoff."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["send", "watch"])
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between batches (watch).")
        parser.add_argument(
            "--max-batches", type=int, default=0, help="Stop after this many batches (watch; 0: never)."
        )

    def handle(self, *args, action: str, batch_size: int, interval: float, max_batches: int, **options):
        batches = 0
        while True:
            outcome = courier_send_batch(limit=batch_size)
            if any(outcome.values()) or action == "send":
                self.stdout.write(
                    f"sent {outcome['sent']}, to retry {outcome['retry']}, abandoned {outcome['abandoned']}"
                )
            batches += 1
            if action == "send" or (max_batches and batches >= max_batches):
                return
            time.sleep(interval)
