"""The staff console: which factors an identity has, and removing one on the user's behalf."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry

from identity_app.models import Credential, Session
from identity_app.services.identities import IdentityInput, identity_create
from tests.conftest import sign_in
from tests.identity.mfa_support import app_for, authenticator, enrol_lookup, enrol_totp, register_passkey

pytestmark = pytest.mark.django_db


def run_action(client, action: str, *identities):
    return client.post(
        "/console/identity_app/identity/",
        {"action": action, "_selected_action": [str(i.pk) for i in identities]},
        follow=True,
    )


def test_the_console_lists_each_identitys_factors(client, staff_identity, ada, monkeypatch):
    app = app_for(ada)
    enrol_totp(app, monkeypatch)
    enrol_lookup(app)
    sign_in(client, staff_identity)
    listing = client.get("/console/identity_app/identity/").content.decode()
    assert "Password, One-time code, TOTP, Lookup secrets" in listing
    page = client.get(f"/console/identity_app/identity/{ada.pk}/change/").content.decode()
    assert "Password, One-time code, TOTP, Lookup secrets" in page
    assert "sealed_seed" not in page and "aesgcm:" not in page  # never the secrets


def test_staff_remove_a_lost_authenticator_app_and_it_is_recorded(client, staff_identity, ada, monkeypatch):
    enrol_totp(app_for(ada), monkeypatch)
    sign_in(client, staff_identity)
    response = run_action(client, "remove_totp", ada)
    assert b"Removed TOTP from 1 identity." in response.content
    assert not Credential.objects.filter(identity=ada, type="totp").exists()
    entry = LogEntry.objects.get(object_id=str(ada.pk))
    assert entry.user_id == staff_identity.pk and entry.action_time
    assert entry.get_change_message() == "Deleted factor “TOTP”."
    history = client.get(f"/console/identity_app/identity/{ada.pk}/history/").content.decode()
    assert "Deleted factor “TOTP”." in history and "staff@example.com" in history
    # Nothing to remove: nothing recorded.
    run_action(client, "remove_totp", ada)
    assert LogEntry.objects.count() == 1


def test_staff_cannot_remove_the_only_way_in(client, staff_identity):
    lin = identity_create(data=IdentityInput(schema_id="default", traits={"email": "lin@example.com"}))
    Credential.objects.filter(identity=lin, type="code").delete()  # no sign-in by e-mail code either
    register_passkey(app_for(lin), authenticator())
    sign_in(client, staff_identity)
    response = run_action(client, "remove_passkey", lin)
    assert "it is their only way to sign in" in response.content.decode()
    assert Credential.objects.filter(identity=lin, type="passkey").exists()
    assert not LogEntry.objects.exists()


def test_removing_factors_needs_the_change_permission(client, ada, monkeypatch):
    from identity_app.services.identities import identity_set_console_access

    enrol_totp(app_for(ada), monkeypatch)
    viewer = identity_create(data=IdentityInput(schema_id="default", traits={"email": "viewer@example.com"}))
    identity_set_console_access(identity_id=viewer.pk, is_staff=True, is_superuser=False)
    sign_in(client, viewer)
    response = client.post(
        "/console/identity_app/identity/", {"action": "remove_totp", "_selected_action": [str(ada.pk)]}
    )
    assert response.status_code == 403
    assert Credential.objects.filter(identity=ada, type="totp").exists()


def test_staff_with_a_second_factor_enter_the_console_with_it(client, staff_identity, monkeypatch):
    enrol_totp(app_for(staff_identity), monkeypatch)
    issued = sign_in(client, staff_identity)  # a password session: aal1
    index = client.get("/console/")
    assert index.status_code == 302 and index["Location"].startswith("/console/login/")
    login = client.get(index["Location"])
    assert login.status_code == 302
    assert "/self-service/login/browser?aal=aal2" in login["Location"] and "return_to=" in login["Location"]
    assert client.get("/console/identity_app/identity/").status_code == 302

    Session.objects.filter(pk=issued.session.pk).update(aal="aal2")  # as the second factor would
    assert client.get("/console/").status_code == 200
