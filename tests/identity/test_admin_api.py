"""Kratos' admin API for identities and sessions."""

from __future__ import annotations

import uuid

import bcrypt
import pytest
from django.test import Client

from identity_app import passwords
from identity_app.models import Credential, Identity, Session
from identity_app.services.mfa import lookup_codes_set
from tests.identity.conftest import PASSWORD, make_identity, sign_in

pytestmark = pytest.mark.django_db


def create_body(email="new@example.com", **extra) -> dict:
    return {"schema_id": "default", "traits": {"email": email}, **extra}


def test_every_admin_route_needs_an_api_key(client, ada):
    routes = [
        ("get", "/admin/identities"),
        ("post", "/admin/identities"),
        ("patch", "/admin/identities"),
        ("get", f"/admin/identities/{ada.pk}"),
        ("put", f"/admin/identities/{ada.pk}"),
        ("patch", f"/admin/identities/{ada.pk}"),
        ("delete", f"/admin/identities/{ada.pk}"),
        ("get", "/admin/identities/by/external/x"),
        ("get", f"/admin/identities/{ada.pk}/sessions"),
        ("delete", f"/admin/identities/{ada.pk}/sessions"),
        ("get", "/admin/sessions"),
        ("get", f"/admin/sessions/{uuid.uuid4()}"),
        ("delete", f"/admin/sessions/{uuid.uuid4()}"),
        ("patch", f"/admin/sessions/{uuid.uuid4()}/extend"),
    ]
    for method, path in routes:
        response = getattr(client, method)(path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["id"] == "unauthorized"
    assert Identity.objects.count() == 1


def test_create_with_password(admin_api):
    body = create_body(
        "Grace@Example.com", credentials={"password": {"config": {"password": PASSWORD}}}, metadata_admin={"tier": 2}
    )
    response = admin_api.post("/admin/identities", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["traits"] == {"email": "Grace@Example.com"}
    assert created["state"] == "active"
    assert created["metadata_admin"] == {"tier": 2}
    assert created["credentials"]["password"]["identifiers"] == ["grace@example.com"]
    assert created["credentials"]["password"]["config"] == {}  # never the hash
    assert created["schema_url"].endswith("/schemas/ZGVmYXVsdA")
    assert created["verifiable_addresses"][0]["verified"] is False
    identity = Identity.objects.get(pk=created["id"])
    assert passwords.verify_password(
        PASSWORD, identity.credentials.get(type="password").config["hashed_password"]
    ).valid


def test_create_with_imported_bcrypt_hash(admin_api, client):
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    body = create_body(credentials={"password": {"config": {"hashed_password": hashed}}})
    assert admin_api.post("/admin/identities", body, format="json").status_code == 201
    flow = client.get("/self-service/login/api").json()
    response = client.post(
        f"/self-service/login?flow={flow['id']}",
        {"method": "password", "identifier": "new@example.com", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_create_with_verified_address(admin_api):
    body = create_body(
        verifiable_addresses=[{"value": "new@example.com", "via": "email", "verified": True, "status": "completed"}]
    )
    created = admin_api.post("/admin/identities", body, format="json").json()
    assert created["verifiable_addresses"][0]["verified"] is True
    assert created["verifiable_addresses"][0]["status"] == "completed"


@pytest.mark.parametrize(
    "body",
    [
        {"traits": {"email": "x@example.com"}},
        {"schema_id": "default", "traits": {"email": "not an email"}},
        {"schema_id": "default", "traits": {}},
        {"schema_id": "default", "traits": "a string"},
        {"schema_id": "nope", "traits": {"email": "x@example.com"}},
        {"schema_id": "default", "traits": {"email": "x@example.com"}, "state": "frozen"},
        {"schema_id": "default", "traits": {"email": "x@example.com", "unknown": 1}},
        create_body(credentials={"password": {"config": {"hashed_password": "$md5$notsupported"}}}),
        create_body(credentials={"password": {"config": {}}}),
        create_body(credentials={"oidc": {"config": {}}}),
        [],
    ],
    ids=[
        "no-schema",
        "bad-email",
        "no-email",
        "traits-not-object",
        "unknown-schema",
        "bad-state",
        "extra-trait",
        "bad-hash",
        "empty-password",
        "unsupported-credential",
        "not-object",
    ],
)
def test_bad_create_bodies_are_400_and_write_nothing(admin_api, body):
    response = admin_api.post("/admin/identities", body, format="json")
    assert response.status_code in (400, 404), response.content
    assert response.json()["error"]["code"] == response.status_code
    assert Identity.objects.count() == 0


def test_duplicates_are_409(admin_api, ada):
    response = admin_api.post(
        "/admin/identities",
        create_body("ADA@example.com", credentials={"password": {"config": {"password": PASSWORD}}}),
        format="json",
    )
    assert response.status_code == 409
    admin_api.post("/admin/identities", create_body("one@example.com", external_id="ext-1"), format="json")
    dup = admin_api.post("/admin/identities", create_body("two@example.com", external_id="ext-1"), format="json")
    assert dup.status_code == 409
    assert Identity.objects.count() == 2


def test_list_pages_through_every_identity_once(admin_api):
    for number in range(7):
        make_identity(f"user{number}@example.com")
    seen, url, pages = [], "/admin/identities?page_size=3", 0
    while url:
        response = admin_api.get(url)
        assert response.status_code == 200
        seen.extend(item["id"] for item in response.json())
        pages += 1
        links = {
            part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<") for part in response["Link"].split(",")
        }
        url = links.get("next")
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7


def test_list_filters_by_credentials_identifier(admin_api, ada):
    make_identity("bob@example.com")
    response = admin_api.get("/admin/identities", {"credentials_identifier": "ADA@example.com"})
    assert [item["id"] for item in response.json()] == [str(ada.pk)]


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 0},
        {"page_size": 5000},
        {"page_size": "x"},
        {"page_token": "???"},
        {"ids": "nope"},
        {"include_credential": "magic"},
    ],
)
def test_bad_list_parameters(admin_api, params):
    assert admin_api.get("/admin/identities", params).status_code == 400


def test_get_unknown_or_malformed_is_404(admin_api):
    assert admin_api.get(f"/admin/identities/{uuid.uuid4()}").status_code == 404
    assert admin_api.get("/admin/identities/not-a-uuid").status_code == 404


def test_update_replaces_traits_and_resyncs_identifiers(admin_api, ada):
    body = {
        "schema_id": "default",
        "traits": {"email": "ada.l@example.com"},
        "state": "active",
        "metadata_public": {"a": 1},
    }
    response = admin_api.put(f"/admin/identities/{ada.pk}", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["credentials"]["password"]["identifiers"] == ["ada.l@example.com"]
    assert response.json()["metadata_public"] == {"a": 1}
    assert [a["value"] for a in response.json()["verifiable_addresses"]] == ["ada.l@example.com"]


def test_update_with_invalid_traits_changes_nothing(admin_api, ada):
    body = {"schema_id": "default", "traits": {"email": "broken"}, "state": "active"}
    assert admin_api.put(f"/admin/identities/{ada.pk}", body, format="json").status_code == 400
    ada.refresh_from_db()
    assert ada.traits["email"] == "ada@example.com"


def test_deactivating_through_update_ends_sessions(admin_api, ada):
    sign_in(Client(), ada)
    body = {"schema_id": "default", "traits": ada.traits, "state": "inactive"}
    assert admin_api.put(f"/admin/identities/{ada.pk}", body, format="json").status_code == 200
    assert not Session.objects.filter(active=True).exists()


def test_json_patch(admin_api, ada):
    operations = [
        {"op": "replace", "path": "/traits/name/first", "value": "Augusta"},
        {"op": "add", "path": "/metadata_public", "value": {"role": "author"}},
        {"op": "replace", "path": "/credentials/password/config/password", "value": "an entirely new passphrase"},
    ]
    response = admin_api.patch(f"/admin/identities/{ada.pk}", operations, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["traits"]["name"]["first"] == "Augusta"
    assert response.json()["metadata_public"] == {"role": "author"}
    stored = Credential.objects.get(identity=ada, type="password").config["hashed_password"]
    assert passwords.verify_password("an entirely new passphrase", stored).valid


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "replace", "path": "/id", "value": "x"}],
        [{"op": "replace", "path": "/traits/email", "value": "broken"}],
        [{"op": "remove", "path": "/traits/nothing"}],
        [{"op": "explode", "path": "/traits/email"}],
        {"op": "replace"},
    ],
)
def test_bad_json_patches(admin_api, ada, operations):
    assert admin_api.patch(f"/admin/identities/{ada.pk}", operations, format="json").status_code == 400
    ada.refresh_from_db()
    assert ada.traits["email"] == "ada@example.com"


def test_delete(admin_api, ada):
    sign_in(Client(), ada)
    assert admin_api.delete(f"/admin/identities/{ada.pk}").status_code == 204
    assert not Identity.objects.exists() and not Session.objects.exists()
    assert admin_api.delete(f"/admin/identities/{ada.pk}").status_code == 404


def test_by_external_id(admin_api):
    make_identity("ext@example.com", external_id="crm-42")
    assert admin_api.get("/admin/identities/by/external/crm-42").json()["external_id"] == "crm-42"
    assert admin_api.get("/admin/identities/by/external/nope").status_code == 404


def test_batch_create(admin_api):
    hashed = bcrypt.hashpw(b"some password", bcrypt.gensalt(rounds=4)).decode()
    patches = [
        {
            "create": create_body("a@example.com", credentials={"password": {"config": {"hashed_password": hashed}}}),
            "patch_id": str(uuid.uuid4()),
        },
        {"create": create_body("b@example.com")},
        {"create": create_body("a@example.com")},
        {"create": {"schema_id": "default", "traits": {"email": "bad"}}},
    ]
    response = admin_api.patch("/admin/identities", {"identities": patches}, format="json")
    assert response.status_code == 200
    results = response.json()["identities"]
    assert [r["action"] for r in results] == ["create", "create", "error", "error"]
    assert results[0]["patch_id"] == patches[0]["patch_id"]
    assert results[2]["error"]["code"] == 409
    assert results[3]["error"]["code"] == 400
    assert Identity.objects.count() == 2


def test_batch_limits(admin_api):
    too_many = {"identities": [{"create": create_body(f"u{i}@example.com")} for i in range(1001)]}
    assert admin_api.patch("/admin/identities", too_many, format="json").status_code == 400
    plaintext = {
        "identities": [
            {"create": create_body(f"p{i}@example.com", credentials={"password": {"config": {"password": "x" * 10}}})}
            for i in range(201)
        ]
    }
    assert admin_api.patch("/admin/identities", plaintext, format="json").status_code == 400
    assert Identity.objects.count() == 0


def test_admin_sessions(admin_api, ada):
    issued = sign_in(Client(), ada)
    sign_in(Client(), ada)
    listed = admin_api.get(f"/admin/identities/{ada.pk}/sessions")
    assert listed.status_code == 200 and len(listed.json()) == 2
    every = admin_api.get("/admin/sessions", {"expand": "identity"}).json()
    assert {s["identity"]["id"] for s in every} == {str(ada.pk)}
    single = admin_api.get(f"/admin/sessions/{issued.session.pk}").json()
    assert single["identity"]["id"] == str(ada.pk)
    extended = admin_api.patch(f"/admin/sessions/{issued.session.pk}/extend")
    assert extended.status_code == 200
    assert admin_api.delete(f"/admin/sessions/{issued.session.pk}").status_code == 204
    assert admin_api.get("/admin/sessions", {"active": "true"}).json().__len__() == 1
    assert admin_api.get("/admin/sessions", {"active": "maybe"}).status_code == 400
    assert admin_api.get("/admin/sessions", {"expand": "everything"}).status_code == 400
    assert admin_api.delete(f"/admin/identities/{ada.pk}/sessions").status_code == 204
    assert not Session.objects.exists()
    assert admin_api.get(f"/admin/identities/{uuid.uuid4()}/sessions").status_code == 404


def test_schemas_are_public(client):
    listed = client.get("/schemas").json()
    assert listed[0]["id"] == "default"
    assert listed[0]["schema"]["properties"]["traits"]["required"] == ["email"]
    assert client.get("/schemas/default").json()["title"] == "Person"
    assert client.get("/schemas/ZGVmYXVsdA").json()["title"] == "Person"
    assert client.get("/schemas/nope").status_code == 404


def test_delete_identity_credentials_keeps_a_way_in(admin_api):
    identity = make_identity("keys@example.com")
    lookup_codes_set(identity_id=identity.pk, codes=[f"code{n:04d}" for n in range(12)])
    url = f"/admin/identities/{identity.pk}/credentials"
    assert admin_api.delete(f"{url}/lookup_secret").status_code == 204
    assert not Credential.objects.filter(identity=identity, type="lookup_secret").exists()
    assert admin_api.delete(f"{url}/lookup_secret").status_code == 404
    # The password may go while a one-time code by e-mail still signs the identity in...
    assert admin_api.delete(f"{url}/password").status_code == 204
    # ...which this API does not remove (as in Kratos).
    code = admin_api.delete(f"{url}/code")
    assert code.status_code == 400 and code.json()["error"]["reason"] == "Credentials type code cannot be deleted."

    only_password = make_identity("only-password@example.com")
    Credential.objects.filter(identity=only_password, type="code").delete()
    last = admin_api.delete(f"/admin/identities/{only_password.pk}/credentials/password")
    assert (
        last.status_code == 400
        and last.json()["error"]["reason"] == "You cannot remove the last first factor credential."
    )
    assert Credential.objects.filter(identity=only_password, type="password").exists()


def test_delete_identity_credentials_refuses_unknown_types_and_identities(admin_api):
    identity = make_identity("nobody@example.com")
    unknown = admin_api.delete(f"/admin/identities/{identity.pk}/credentials/fingerprint")
    assert unknown.status_code == 400 and unknown.json()["error"]["id"] == "bad_request"
    assert admin_api.delete("/admin/identities/not-a-uuid/credentials/totp").status_code == 404
    missing = admin_api.delete(f"/admin/identities/{uuid.uuid4()}/credentials/totp")
    assert missing.status_code == 404 and missing.json()["error"]["id"] == "not_found"
    assert Client().delete(f"/admin/identities/{identity.pk}/credentials/password").status_code == 401
