"""The courier: queue e-mail inside a flow's transaction, deliver it after commit, retry failures.

Templates are Django templates under ``courier/<template_type>/`` (``email.subject.txt``,
``email.body.txt``, ``email.body.html``) and can be overridden like any other template.
Delivery goes through Django's e-mail backend (SMTP from ``SMTP_URL``; the console in
development). A failed delivery is retried with exponential backoff and abandoned after
``IDENTITY_COURIER_MAX_SENDS`` attempts. See https://www.ory.sh/docs/kratos/emails-sms/overview.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from identity_app.models import CourierDispatch, CourierMessage
from ory_platform.db import retrying

logger = logging.getLogger(__name__)

TEMPLATE_TYPES = {
    "recovery_code_valid",
    "recovery_code_invalid",
    "recovery_valid",
    "recovery_invalid",
    "verification_code_valid",
    "verification_code_invalid",
    "login_code_valid",
    "registration_code_valid",
}

# A message left "processing" this long was claimed by a worker that died; it is retried.
STALE_PROCESSING = timedelta(minutes=10)


def _render(template_type: str, context: dict) -> tuple[str, str, str]:
    base = f"courier/{template_type}"
    context = {"public_url": settings.PUBLIC_URL, **context}
    subject = " ".join(render_to_string(f"{base}/email.subject.txt", context).split())
    body = render_to_string(f"{base}/email.body.txt", context)
    html = render_to_string(f"{base}/email.body.html", context)
    return subject, body, html


def message_queue(*, template_type: str, recipient: str, context: dict) -> CourierMessage:
    """Queue one e-mail. Call inside the transaction of the step that causes it: if that rolls
    back, no mail leaves; once it commits, delivery is attempted at once."""
    if template_type not in TEMPLATE_TYPES:
        raise ValueError(f"unknown courier template {template_type!r}")
    subject, body, html = _render(template_type, context)
    message = CourierMessage.objects.create(
        recipient=recipient, subject=subject, body=body, html_body=html, template_type=template_type
    )
    if settings.IDENTITY_COURIER_DELIVER_ON_COMMIT:
        message_id = message.pk
        transaction.on_commit(lambda: message_deliver(message_id=message_id))
    return message


@retrying
def _claim(message_id) -> CourierMessage | None:
    """Mark a due message ``processing`` so exactly one worker sends it."""
    now = timezone.now()
    claimed = CourierMessage.objects.filter(
        pk=message_id, status=CourierMessage.Status.QUEUED, next_attempt_at__lte=now
    ).update(status=CourierMessage.Status.PROCESSING, updated_at=now)
    return CourierMessage.objects.get(pk=message_id) if claimed else None


@retrying
def _record(message_id, *, error: str | None) -> CourierMessage:
    message = CourierMessage.objects.select_for_update().get(pk=message_id)
    message.send_count += 1
    if error is None:
        message.status = CourierMessage.Status.SENT
        CourierDispatch.objects.create(message=message, status=CourierDispatch.Status.SUCCESS)
    else:
        CourierDispatch.objects.create(
            message=message, status=CourierDispatch.Status.FAILED, error={"message": error[:1000]}
        )
        if message.send_count >= settings.IDENTITY_COURIER_MAX_SENDS:
            message.status = CourierMessage.Status.ABANDONED
        else:
            message.status = CourierMessage.Status.QUEUED
            delay = settings.IDENTITY_COURIER_RETRY_BASE_DELAY * (2 ** (message.send_count - 1))
            message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    message.save(update_fields=["send_count", "status", "next_attempt_at", "updated_at"])
    return message


def message_deliver(*, message_id) -> CourierMessage | None:
    """Try to send one message now. Returns it, or ``None`` when it was not due or taken."""
    message = _claim(message_id)
    if message is None:
        return None
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.IDENTITY_COURIER_FROM,
        to=[message.recipient],
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    try:
        email.send(fail_silently=False)
    except Exception as error:  # noqa: BLE001  any transport failure is a failed attempt, to retry
        logger.warning(
            "courier delivery failed",
            extra={"courier_message_id": str(message.pk), "error_class": type(error).__name__},
        )
        return _record(message.pk, error=f"{type(error).__name__}: {error}")
    return _record(message.pk, error=None)


@retrying
def _release_stale() -> int:
    cutoff = timezone.now() - STALE_PROCESSING
    return CourierMessage.objects.filter(status=CourierMessage.Status.PROCESSING, updated_at__lt=cutoff).update(
        status=CourierMessage.Status.QUEUED, updated_at=timezone.now()
    )


def courier_send_batch(*, limit: int = 100) -> dict[str, int]:
    """Deliver up to ``limit`` due messages; returns counts by outcome."""
    _release_stale()
    due = list(
        CourierMessage.objects.filter(status=CourierMessage.Status.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcome = {"sent": 0, "retry": 0, "abandoned": 0}
    for message_id in due:
        message = message_deliver(message_id=message_id)
        if message is None:
            continue
        key = {"sent": "sent", "queued": "retry", "abandoned": "abandoned"}.get(message.status)
        if key:
            outcome[key] += 1
    return outcome


@retrying
def message_retry(*, message_id) -> CourierMessage:
    """Give an abandoned message a new round of attempts (staff action)."""
    message = CourierMessage.objects.select_for_update().get(pk=message_id)
    if message.status == CourierMessage.Status.ABANDONED:
        message.status = CourierMessage.Status.QUEUED
        message.send_count = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["status", "send_count", "next_attempt_at", "updated_at"])
    return message
