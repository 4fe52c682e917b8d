"""Deleting expired self-service flows, their codes and expired sessions (Kratos' ``cleanup sql``).

Every login, registration, recovery and settings visit leaves a flow, and every sign-in a session;
nothing else removes them once they have expired.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from identity_app.models import Flow, OneTimeCode, Session
from ory_platform.cleanup import delete_in_pages


def identity_data_purge_expired(*, keep_last: timedelta = timedelta(0), batch_size: int = 1000) -> dict[str, int]:
    """Delete codes, flows and sessions that expired more than ``keep_last`` ago; returns how many
    rows of each model went (a session's devices go with it)."""
    cutoff = timezone.now() - keep_last
    expired = Q(expires_at__lt=cutoff)
    return {
        model._meta.label: delete_in_pages(model, expired, batch_size=batch_size)
        for model in (OneTimeCode, Flow, Session)
    }
