"""setup_demo creates the demo OAuth2 client once and prints its secret once."""

from io import StringIO

import pytest
from django.core.management import call_command

from oauth2_app.models import Client

pytestmark = pytest.mark.django_db


def test_setup_demo_creates_the_demo_client_once():
    first, second = StringIO(), StringIO()
    call_command("setup_demo", stdout=first)
    call_command("setup_demo", stdout=second)
    assert Client.objects.filter(client_id="demo-app").count() == 1
    assert "client_secret:" in first.getvalue()
    assert "client_secret:" not in second.getvalue() and "exists already" in second.getvalue()
