"""``manage.py identity_cleanup``: expired flows, their codes and expired sessions go; live ones stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as BrowserClient
from django.utils import timezone

from identity_app.models import Flow, OneTimeCode, Session, SessionDevice
from identity_app.services.cleanup import identity_data_purge_expired
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _cleanup(*args) -> str:
    out = StringIO()
    call_command("identity_cleanup", *args, stdout=out)
    return out.getvalue()


def _login_flow() -> Flow:
    response = BrowserClient().get("/self-service/login/api")
    assert response.status_code == 200, response.content
    return Flow.objects.get(pk=response.json()["id"])


def test_expired_flows_codes_and_sessions_go(ada):
    expired_flow, live_flow = _login_flow(), _login_flow()
    OneTimeCode.objects.create(
        flow=expired_flow, purpose="login", address="ada@example.com", code_hash="0" * 64, expires_at=timezone.now()
    )
    expired_session = sign_in(BrowserClient(), ada).session
    live_session = sign_in(BrowserClient(), ada).session
    assert SessionDevice.objects.filter(session=expired_session).exists()
    Flow.objects.filter(pk=expired_flow.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    Session.objects.filter(pk=expired_session.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    output = _cleanup()

    assert "identity_app.Flow: 1 deleted" in output and "identity_app.Session: 1 deleted" in output
    assert list(Flow.objects.values_list("pk", flat=True)) == [live_flow.pk]
    assert list(Session.objects.values_list("pk", flat=True)) == [live_session.pk]
    assert not OneTimeCode.objects.exists()  # expired, and its flow is gone too
    assert not SessionDevice.objects.filter(session_id=expired_session.pk).exists()


def test_keep_last_keeps_what_expired_recently(ada):
    flow = _login_flow()
    Flow.objects.filter(pk=flow.pk).update(expires_at=timezone.now() - timedelta(minutes=10))
    _cleanup("--keep-last", "1h")
    assert Flow.objects.filter(pk=flow.pk).exists()
    assert identity_data_purge_expired(keep_last=timedelta(minutes=5), batch_size=1)["identity_app.Flow"] == 1


def test_bad_options_are_refused():
    with pytest.raises(CommandError, match="keep-last"):
        _cleanup("--keep-last", "six hours")
    with pytest.raises(CommandError, match="batch-size"):
        _cleanup("--batch-size", "0")
