"""The courier: queueing, delivery through a real SMTP server, retries, admin API, console."""

from __future__ import annotations

import socket
from datetime import timedelta
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from identity_app.courier import courier_send_batch, message_deliver, message_queue, message_retry
from identity_app.models import CourierMessage

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend delivers to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def queue(recipient="ada@example.com") -> CourierMessage:
    return message_queue(
        template_type="recovery_code_valid",
        recipient=recipient,
        context={"recovery_code": "123456", "to": recipient, "expires_in_minutes": 60},
    )


def test_an_email_really_leaves_through_smtp(smtp_server, settings):
    message = queue()
    delivered = message_deliver(message_id=message.pk)
    assert delivered.status == "sent" and delivered.send_count == 1
    assert delivered.dispatches.get().status == "success"
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert envelope.mail_from == settings.IDENTITY_COURIER_FROM
    raw = envelope.content.decode()
    assert "Subject: Recover access to your account" in raw
    assert "123456" in raw
    assert "text/html" in raw  # the HTML alternative travels too


def test_nothing_is_sent_when_the_step_rolls_back(settings):
    settings.IDENTITY_COURIER_DELIVER_ON_COMMIT = True
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the flow step failed")
    assert not CourierMessage.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_delivery_happens_after_commit():
    with transaction.atomic():
        message = queue()
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    assert CourierMessage.objects.get(pk=message.pk).status == "sent"


def test_failures_are_retried_with_backoff_then_abandoned(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 1
    settings.IDENTITY_COURIER_MAX_SENDS = 3
    message = queue()
    first = message_deliver(message_id=message.pk)
    assert first.status == "queued" and first.send_count == 1
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert first.dispatches.get().status == "failed"
    assert "ConnectionRefusedError" in first.dispatches.get().error["message"]
    assert message_deliver(message_id=message.pk) is None  # not due yet
    for _ in range(2):
        CourierMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        last = message_deliver(message_id=message.pk)
    assert last.status == "abandoned" and last.send_count == 3
    assert courier_send_batch() == {"sent": 0, "retry": 0, "abandoned": 0}
    retried = message_retry(message_id=message.pk)
    assert retried.status == "queued" and retried.send_count == 0


def test_courier_send_command(smtp_server):
    queue("one@example.com")
    queue("two@example.com")
    out = StringIO()
    call_command("courier", "send", stdout=out)
    assert "sent 2" in out.getvalue()
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == ["one@example.com", "two@example.com"]


def test_courier_watch_command_stops_after_max_batches(smtp_server):
    queue()
    call_command("courier", "watch", "--max-batches", "2", "--interval", "0", stdout=StringIO())
    assert len(smtp_server.envelopes) == 1


def test_a_message_is_sent_once_even_if_two_workers_try(smtp_server):
    message = queue()
    assert message_deliver(message_id=message.pk).status == "sent"
    assert message_deliver(message_id=message.pk) is None
    assert len(smtp_server.envelopes) == 1


def test_admin_api_lists_and_filters(admin_api):
    sent = queue("sent@example.com")
    message_deliver(message_id=sent.pk)
    queue("waiting@example.com")
    listed = admin_api.get("/admin/courier/messages")
    assert listed.status_code == 200 and len(listed.json()) == 2
    queued = admin_api.get("/admin/courier/messages", {"status": "queued"}).json()
    assert [m["recipient"] for m in queued] == ["waiting@example.com"]
    by_recipient = admin_api.get("/admin/courier/messages", {"recipient": "SENT@example.com"}).json()
    assert by_recipient[0]["status"] == "sent"
    one = admin_api.get(f"/admin/courier/messages/{sent.pk}").json()
    assert one["template_type"] == "recovery_code_valid" and one["dispatches"][0]["status"] == "success"
    assert admin_api.get("/admin/courier/messages", {"status": "lost"}).status_code == 400
    assert admin_api.get("/admin/courier/messages/nope").status_code == 404


def test_console_can_retry_abandoned_messages(staff_client):
    message = queue()
    CourierMessage.objects.filter(pk=message.pk).update(status="abandoned", send_count=5)
    response = staff_client.post(
        "/console/identity_app/couriermessage/",
        {"action": "retry", "_selected_action": [str(message.pk)]},
        follow=True,
    )
    assert b"Queued 1 message" in response.content
    assert CourierMessage.objects.get().status == "queued"


def test_templates_can_be_overridden(settings, tmp_path):
    override = tmp_path / "courier" / "recovery_code_valid"
    override.mkdir(parents=True)
    (override / "email.subject.txt").write_text("Custom subject")
    (override / "email.body.txt").write_text("Your code: {{ recovery_code }}")
    (override / "email.body.html").write_text("<p>{{ recovery_code }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    message = queue()
    assert message.subject == "Custom subject" and message.body == "Your code: 123456"
