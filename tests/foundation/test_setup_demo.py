"""setup_demo creates the demo data once (API key, staff identity, OAuth2 client) and shows each
secret only when it is created."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from identity_app.models import Identity
from oauth2_app.models import Client as OAuth2Client
from ory_platform.api_keys import api_key_verify

pytestmark = pytest.mark.django_db


def test_setup_demo_creates_everything_once_and_prints_secrets_once():
    first, second = StringIO(), StringIO()
    call_command("setup_demo", stdout=first)
    call_command("setup_demo", stdout=second)
    printed = first.getvalue()
    key = next(line.strip() for line in printed.splitlines() if line.strip().startswith("ory_ak_"))
    assert api_key_verify(key) is not None
    assert OAuth2Client.objects.filter(client_id="demo-app").count() == 1
    staff = Identity.objects.get(is_staff=True)
    assert staff.is_superuser and staff.traits["email"] == "admin@example.com"
    password = next(line.split(":", 1)[1].strip() for line in printed.splitlines() if "password:" in line)
    again = second.getvalue()
    assert key not in again and password not in again and "client_secret" not in again

    # The printed password signs the staff identity in; the console then opens.
    browser = Client()
    flow = browser.get("/self-service/login/browser", {"return_to": "/console/"}, HTTP_ACCEPT="application/json").json()
    csrf = next(n["attributes"]["value"] for n in flow["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")
    response = browser.post(
        f"/self-service/login?flow={flow['id']}",
        {"csrf_token": csrf, "identifier": "admin@example.com", "password": password, "method": "password"},
    )
    assert response["Location"] == "/console/"
    assert browser.get("/console/").status_code == 200
