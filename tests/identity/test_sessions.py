"""Sessions: whoami, my sessions, revocation, logout for browsers and apps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from identity_app.models import Identity, Session
from identity_app.services.identities import identity_set_state
from tests.identity.conftest import make_identity, sign_in

pytestmark = pytest.mark.django_db


def test_whoami_without_session_is_401_envelope(client):
    response = client.get("/sessions/whoami")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["id"] == "session_inactive"
    assert error["reason"] == "No active session was found in this request."


@pytest.mark.parametrize("how", ["cookie", "x-session-token", "bearer"])
def test_whoami_accepts_cookie_header_and_bearer(ada, how):
    client = Client()
    issued = sign_in(Client(), ada)
    headers = {
        "cookie": {},
        "x-session-token": {"HTTP_X_SESSION_TOKEN": issued.token},
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {issued.token}"},
    }[how]
    if how == "cookie":
        client.cookies[settings.IDENTITY_SESSION_COOKIE_NAME] = issued.token
    response = client.get("/sessions/whoami", **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(issued.session.pk)
    assert body["identity"]["id"] == str(ada.pk)
    assert "credentials" not in body["identity"] and "metadata_admin" not in body["identity"]
    assert response["X-Kratos-Authenticated-Identity-Id"] == str(ada.pk)
    assert body["devices"][0]["ip_address"] == "127.0.0.1"


def test_bearer_is_not_a_session_token_on_admin_paths(ada, client):
    issued = sign_in(Client(), ada)
    response = client.get("/admin/identities", HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "spoil",
    [
        lambda s: Session.objects.filter(pk=s.pk).update(expires_at=timezone.now() - timedelta(seconds=1)),
        lambda s: Session.objects.filter(pk=s.pk).update(active=False),
        lambda s: identity_set_state(identity_id=s.identity_id, state=Identity.State.INACTIVE),
    ],
    ids=["expired", "revoked", "identity-deactivated"],
)
def test_invalid_sessions_are_refused(client, ada, spoil):
    issued = sign_in(client, ada)
    spoil(issued.session)
    assert client.get("/sessions/whoami").status_code == 401


def test_deactivation_revokes_every_session(ada):
    sign_in(Client(), ada)
    sign_in(Client(), ada)
    identity_set_state(identity_id=ada.pk, state=Identity.State.INACTIVE)
    assert not Session.objects.filter(active=True).exists()


def test_list_and_revoke_my_other_sessions(client, ada):
    current = sign_in(client, ada)
    others = [sign_in(Client(), ada).session for _ in range(3)]
    stranger = sign_in(Client(), make_identity("eve@example.com")).session

    listed = client.get("/sessions", {"page_size": 2})
    assert listed.status_code == 200
    assert len(listed.json()) == 2
    assert 'rel="next"' in listed["Link"]
    all_ids = {s["id"] for s in client.get("/sessions").json()}
    assert all_ids == {str(s.pk) for s in others}

    one = others[0]
    assert client.delete(f"/sessions/{one.pk}").status_code == 204
    assert client.delete(f"/sessions/{stranger.pk}").status_code == 404
    assert client.delete(f"/sessions/{current.session.pk}").status_code == 400

    response = client.delete("/sessions")
    assert response.json() == {"count": 2}
    assert list(Session.objects.filter(active=True).values_list("pk", flat=True).order_by("pk")) == sorted(
        [current.session.pk, stranger.pk]
    )


def test_browser_logout_flow(client, ada):
    sign_in(client, ada)
    created = client.get("/self-service/logout/browser", {"return_to": "/bye"})
    assert created.status_code == 200
    body = created.json()
    assert body["logout_url"].endswith(f"/self-service/logout?token={body['logout_token']}&return_to=%2Fbye")
    response = client.get("/self-service/logout", {"token": body["logout_token"], "return_to": "/bye"})
    assert response.status_code == 303 and response["Location"] == "/bye"
    assert response.cookies[settings.IDENTITY_SESSION_COOKIE_NAME].value == ""
    assert Session.objects.get().active is False


def test_logout_token_must_match_the_cookie(client, ada):
    sign_in(client, ada)
    token = client.get("/self-service/logout/browser").json()["logout_token"]
    other = Client()
    sign_in(other, make_identity("bob@example.com"))
    assert other.get("/self-service/logout", {"token": token}).status_code == 403
    assert client.get("/self-service/logout", {"token": "wrong"}).status_code == 403
    assert client.get("/self-service/logout").status_code == 400
    assert Session.objects.filter(active=True).count() == 2


def test_logout_browser_needs_a_cookie_session(ada):
    issued = sign_in(Client(), ada)
    response = Client().get("/self-service/logout/browser", HTTP_X_SESSION_TOKEN=issued.token)
    assert response.status_code == 401


def test_native_logout(ada):
    app = Client()
    issued = sign_in(Client(), ada)
    response = app.delete("/self-service/logout/api", {"session_token": issued.token}, content_type="application/json")
    assert response.status_code == 204
    assert Session.objects.get().active is False
    again = app.delete("/self-service/logout/api", {"session_token": issued.token}, content_type="application/json")
    assert again.status_code == 403
    missing = app.delete("/self-service/logout/api", {}, content_type="application/json")
    assert missing.status_code == 400


def test_whoami_reads_a_fixed_number_of_rows_whatever_the_identity_holds(client, ada):
    """Session, identity, credentials, both address lists, devices: six plain reads, however many
    sessions, devices or factors the identity has."""
    sign_in(client, ada)
    for _ in range(3):
        sign_in(Client(), ada)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sessions/whoami").status_code == 200
    assert len(queries.captured_queries) == 6
