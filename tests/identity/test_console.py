"""The staff console for identities and sessions, entered through the platform's own sign-in."""

from __future__ import annotations

import pytest
from django.test import Client

from identity_app.models import Identity, Session
from tests.conftest import sign_in
from tests.identity.conftest import PASSWORD, csrf_from_page, make_identity

pytestmark = pytest.mark.django_db


def test_staff_sign_in_through_the_login_page_lands_in_the_console():
    make_identity("boss@example.com", is_staff=True)
    browser = Client()
    to_login = browser.get("/console/login/?next=/console/")
    assert to_login["Location"] == "/login?return_to=%2Fconsole%2F"
    assert browser.get(to_login["Location"])["Location"] == "/self-service/login/browser?return_to=%2Fconsole%2F"
    start = browser.get("/self-service/login/browser", {"return_to": "/console/"})
    flow_id = start["Location"].split("flow=")[1]
    page = browser.get(start["Location"]).content.decode()
    response = browser.post(
        f"/self-service/login?flow={flow_id}",
        {
            "csrf_token": csrf_from_page(page),
            "identifier": "boss@example.com",
            "password": PASSWORD,
            "method": "password",
        },
    )
    assert response["Location"] == "/console/"
    assert browser.get("/console/").status_code == 200


def test_console_search_by_identifier_and_traits(staff_client):
    make_identity("findme@example.com")
    make_identity("other@example.com")
    page = staff_client.get("/console/identity_app/identity/", {"q": "findme"}).content.decode()
    assert "findme@example.com" in page and "other@example.com" not in page
    by_name = staff_client.get("/console/identity_app/identity/", {"q": "Lovelace"}).content.decode()
    assert "findme@example.com" in by_name


def test_console_shows_credentials_without_secrets(staff_client, ada):
    page = staff_client.get(f"/console/identity_app/identity/{ada.pk}/change/").content.decode()
    assert "ada@example.com" in page and "password" in page
    assert "argon2" not in page and "hashed_password" not in page


def test_console_deactivates_through_the_service(staff_client, ada):
    sign_in(Client(), ada)
    response = staff_client.post(
        "/console/identity_app/identity/", {"action": "deactivate", "_selected_action": [str(ada.pk)]}, follow=True
    )
    assert b"Deactivated" in response.content
    ada.refresh_from_db()
    assert ada.state == "inactive"
    assert not Session.objects.filter(identity=ada, active=True).exists()


def test_console_revokes_sessions(staff_client, ada):
    issued = sign_in(Client(), ada)
    response = staff_client.post(
        "/console/identity_app/session/",
        {"action": "revoke", "_selected_action": [str(issued.session.pk)]},
        follow=True,
    )
    assert b"Revoked 1 session" in response.content
    assert not Session.objects.get(pk=issued.session.pk).active


def test_console_grants_staff_access_through_the_service(staff_client, ada):
    inline_management = {
        f"{prefix}-{field}": value
        for prefix in ("credentials", "sessions")
        for field, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }
    response = staff_client.post(
        f"/console/identity_app/identity/{ada.pk}/change/", {"is_staff": "on", **inline_management}
    )
    assert response.status_code == 302
    assert Identity.objects.get(pk=ada.pk).is_staff


def test_console_cannot_add_identities_directly(staff_client):
    assert staff_client.get("/console/identity_app/identity/add/").status_code == 403
