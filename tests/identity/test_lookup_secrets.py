"""Lookup (backup) codes: generate, confirm, reveal, disable; each code signs in once, also under races."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from identity_app.models import Credential, Flow, Session
from identity_app.services.mfa import Outcome, lookup_code_redeem, lookup_codes_set
from tests.identity.conftest import make_identity, message_ids, node
from tests.identity.mfa_support import (
    aal2_flow,
    app_for,
    enrol_lookup,
    node_by_id,
    settings_flow,
    shown_codes,
    submit_login,
    submit_settings,
)

pytestmark = pytest.mark.django_db


def test_without_codes_settings_offer_to_generate_them(ada):
    flow = settings_flow(app_for(ada))
    regenerate = node(flow, "lookup_secret_regenerate")
    assert regenerate["group"] == "lookup_secret"
    assert regenerate["attributes"]["type"] == "submit" and regenerate["attributes"]["value"] == "true"
    assert regenerate["meta"]["label"]["id"] == 1050008
    for absent in ("lookup_secret_reveal", "lookup_secret_disable", "lookup_secret_confirm"):
        with pytest.raises(AssertionError):
            node(flow, absent)


def test_regenerate_shows_twelve_codes_to_confirm_before_anything_is_saved(ada):
    app = app_for(ada)
    flow = settings_flow(app)
    response = submit_settings(app, flow, {"method": "lookup_secret", "lookup_secret_regenerate": True})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "show_form" and message_ids(body) == []  # nothing "saved" yet
    codes_node = node_by_id(body, "lookup_secret_codes")
    assert codes_node["type"] == "text" and codes_node["meta"]["label"]["id"] == 1050010
    text = codes_node["attributes"]["text"]
    assert text["id"] == 1050015
    codes = shown_codes(body)
    assert len(codes) == 12 and len(set(codes)) == 12
    assert all(len(code) == 8 and code.isalnum() and code == code.lower() for code in codes)
    assert text["text"] == ", ".join(codes)
    assert {s["id"] for s in text["context"]["secrets"]} == {1050009}
    assert node(body, "lookup_secret_confirm")["meta"]["label"]["id"] == 1050011
    assert not Credential.objects.filter(identity=ada, type="lookup_secret").exists()
    internal = json.dumps(Flow.objects.get(pk=flow["id"]).internal_context)
    assert codes[0] not in internal  # the pending codes are sealed


def test_confirm_without_generating_is_refused(ada):
    app = app_for(ada)
    response = submit_settings(app, settings_flow(app), {"method": "lookup_secret", "lookup_secret_confirm": True})
    assert response.status_code == 400
    assert "generate" in response.json()["error"]["reason"]


def test_confirmed_codes_are_hashed_and_count_as_a_second_factor(ada):
    app = app_for(ada)
    codes = enrol_lookup(app)
    credential = Credential.objects.get(identity=ada, type="lookup_secret")
    stored = json.dumps(credential.config)
    assert not any(code in stored for code in codes)
    assert len(credential.config["codes"]) == 12
    assert all(len(entry["hash"]) == 64 and entry["used_at"] is None for entry in credential.config["codes"])
    session = Session.objects.get(identity=ada)
    assert session.aal == "aal2"
    assert [m["method"] for m in session.authentication_methods] == ["password", "lookup_secret"]
    flow = settings_flow(app)
    assert node(flow, "lookup_secret_reveal") and node(flow, "lookup_secret_disable")


def test_each_code_signs_in_exactly_once(ada):
    codes = enrol_lookup(app_for(ada))
    app = app_for(ada)
    assert app.get("/sessions/whoami").status_code == 403
    flow = aal2_flow(app)
    assert node(flow, "lookup_secret")["meta"]["label"]["id"] == 1010007
    response = submit_login(app, flow, {"method": "lookup_secret", "lookup_secret": codes[3]})
    assert response.status_code == 200, response.content
    assert response.json()["session"]["authenticator_assurance_level"] == "aal2"

    again = app_for(ada)
    replay = submit_login(again, aal2_flow(again), {"method": "lookup_secret", "lookup_secret": codes[3]})
    assert replay.status_code == 400
    assert message_ids(replay.json()) == [4000012]
    wrong = submit_login(again, aal2_flow(again), {"method": "lookup_secret", "lookup_secret": "notacode"})
    assert message_ids(wrong.json()) == [4000016]
    typed = submit_login(again, aal2_flow(again), {"method": "lookup_secret", "lookup_secret": f" {codes[4].upper()} "})
    assert typed.status_code == 200
    used = [entry["used_at"] for entry in Credential.objects.get(identity=ada, type="lookup_secret").config["codes"]]
    assert [index for index, at in enumerate(used) if at] == [3, 4]


def test_codes_of_one_identity_do_not_work_for_another(ada):
    codes = enrol_lookup(app_for(ada))
    grace = make_identity("grace@example.com")
    lookup_codes_set(identity_id=grace.pk, codes=["grace001"] * 12)
    app = app_for(grace)
    response = submit_login(app, aal2_flow(app), {"method": "lookup_secret", "lookup_secret": codes[0]})
    assert message_ids(response.json()) == [4000016]


def test_reveal_shows_unused_codes_and_when_the_others_were_used(ada):
    app = app_for(ada)
    codes = enrol_lookup(app)
    assert lookup_code_redeem(identity_id=ada.pk, code=codes[0]) is Outcome.ACCEPTED
    flow = settings_flow(app)
    response = submit_settings(app, flow, {"method": "lookup_secret", "lookup_secret_reveal": True})
    assert response.status_code == 200
    body = response.json()
    secrets = node_by_id(body, "lookup_secret_codes")["attributes"]["text"]["context"]["secrets"]
    assert secrets[0]["id"] == 1050014 and "used_at" in secrets[0]["context"]
    assert shown_codes(body) == codes[1:]
    assert node(body, "lookup_secret_disable") and node(body, "lookup_secret_regenerate")
    # Revealing is one-shot: the next change in the flow hides the codes again.
    later = submit_settings(app, flow, {"method": "profile", "traits": {"email": "ada@example.com"}})
    with pytest.raises(AssertionError):
        node_by_id(later.json(), "lookup_secret_codes")


def test_disable_removes_the_codes(ada):
    app = app_for(ada)
    enrol_lookup(app)
    response = submit_settings(app, settings_flow(app), {"method": "lookup_secret", "lookup_secret_disable": True})
    assert response.status_code == 200
    assert not Credential.objects.filter(identity=ada, type="lookup_secret").exists()
    assert node(response.json(), "lookup_secret_regenerate")


def test_used_up_codes_no_longer_demand_aal2(ada):
    codes = enrol_lookup(app_for(ada))
    for code in codes:
        assert lookup_code_redeem(identity_id=ada.pk, code=code) is Outcome.ACCEPTED
    assert app_for(ada).get("/sessions/whoami").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_code_redeemed_concurrently_works_once():
    identity = make_identity("race@example.com")
    lookup_codes_set(identity_id=identity.pk, codes=[f"race{n:04d}" for n in range(12)])
    contenders = 6
    barrier = threading.Barrier(contenders, timeout=10)
    outcomes: list[Outcome] = []

    def redeem():
        try:
            barrier.wait()
            outcomes.append(lookup_code_redeem(identity_id=identity.pk, code="race0007"))
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.value for o in outcomes) == ["accepted"] + ["already_used"] * (contenders - 1)
    entries = Credential.objects.get(identity=identity, type="lookup_secret").config["codes"]
    assert [bool(entry["used_at"]) for entry in entries].count(True) == 1


def test_guessing_backup_codes_is_throttled_per_identity(ada):
    codes = enrol_lookup(app_for(ada))
    app = app_for(ada)
    for n in range(5):
        guess = submit_login(app, aal2_flow(app), {"method": "lookup_secret", "lookup_secret": f"guess{n:03d}"})
        assert guess.status_code == 400
    refused = submit_login(app, aal2_flow(app), {"method": "lookup_secret", "lookup_secret": codes[0]})
    assert refused.status_code == 429 and refused.json()["error"]["id"] == "too_many_requests"
    # Refused unchecked: the code was not spent.
    assert not any(
        entry["used_at"] for entry in Credential.objects.get(identity=ada, type="lookup_secret").config["codes"]
    )
