"""Hydra's client admin API: JSON shape, validation (400 envelope, nothing written), patch, lifespans, paging."""

from __future__ import annotations

import pytest

from oauth2_app.models import Client

pytestmark = pytest.mark.django_db

VALID = {
    "client_name": "Web App",
    "redirect_uris": ["https://app.example.com/cb"],
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
    "scope": "openid offline_access",
    "owner": "team-a",
    "metadata": {"tier": "gold"},
}


def test_create_returns_hydra_json_with_secret_once(admin_api):
    response = admin_api.post("/admin/clients", VALID, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["client_secret"]) >= 43
    assert body["client_name"] == "Web App" and body["owner"] == "team-a"
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["subject_type"] == "public" and body["metadata"] == {"tier": "gold"}
    assert body["authorization_code_grant_access_token_lifespan"] is None
    assert response["Location"] == f"/admin/clients/{body['client_id']}"
    fetched = admin_api.get(f"/admin/clients/{body['client_id']}").json()
    assert "client_secret" not in fetched
    stored = Client.objects.get(client_id=body["client_id"])
    assert stored.client_secret.startswith("oauth2_client_secret_sha256$")
    assert body["client_secret"] not in stored.client_secret


def test_create_with_chosen_id_and_secret_then_conflict(admin_api):
    body = {**VALID, "client_id": "my-app", "client_secret": "s" * 40}
    assert admin_api.post("/admin/clients", body, format="json").json()["client_secret"] == "s" * 40
    again = admin_api.post("/admin/clients", body, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["id"] == "client_exists"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"redirect_uris": ["/relative/cb"]}, "redirect_uris"),
        ({"redirect_uris": ["https://app.example.com/cb#frag"]}, "fragments"),
        ({"redirect_uris": ["ftp://app.example.com/cb"]}, "redirect_uris"),
        ({"redirect_uris": []}, "redirect_uris"),
        ({"grant_types": ["implicit"]}, "grant_types"),
        ({"grant_types": ["password"]}, "grant_types"),
        ({"grant_types": ["urn:example:unknown"]}, "grant_types"),
        ({"response_types": ["token"]}, "response_types"),
        ({"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]}, "client_credentials"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "token_endpoint_auth_method"),
        ({"client_secret": "short"}, "client_secret"),
        ({"scope": 'openid bad"scope'}, "scope"),
        ({"logo_uri": "javascript:alert(1)"}, "logo_uri"),
        ({"allowed_cors_origins": ["https://app.example.com/path"]}, "Origin"),
        ({"post_logout_redirect_uris": ["https://elsewhere.example.com/bye"]}, "post_logout_redirect_uri"),
        ({"subject_type": "pairwise"}, "pairwise"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"redirect_uris": "https://app.example.com/cb"}, "redirect_uris"),
        ({"client_id": "has spaces"}, "client_id"),
        ({"authorization_code_grant_access_token_lifespan": "forever"}, "lifespan"),
    ],
)
def test_bad_metadata_is_a_400_envelope_and_writes_nothing(admin_api, change, fragment):
    response = admin_api.post("/admin/clients", {**VALID, **change}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == 400 and error["id"] in ("invalid_client_metadata", "invalid_redirect_uri")
    assert fragment.lower() in (error["reason"] + error["message"]).lower()
    assert not Client.objects.exists()


def test_malformed_json_body_is_400(admin_api):
    response = admin_api.generic("POST", "/admin/clients", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "bad_request"


def test_put_replaces_and_keeps_secret_unless_given(admin_api):
    created = admin_api.post("/admin/clients", VALID, format="json").json()
    client_id = created["client_id"]
    response = admin_api.put(f"/admin/clients/{client_id}", {**VALID, "client_name": "Renamed"}, format="json")
    assert response.status_code == 200
    assert response.json()["client_name"] == "Renamed" and "client_secret" not in response.json()
    stored_hash = Client.objects.get(client_id=client_id).client_secret
    bad = admin_api.put(f"/admin/clients/{client_id}", {**VALID, "grant_types": ["implicit"]}, format="json")
    assert bad.status_code == 400
    assert Client.objects.get(client_id=client_id).name == "Renamed"
    assert Client.objects.get(client_id=client_id).client_secret == stored_hash
    assert admin_api.put("/admin/clients/missing", VALID, format="json").status_code == 404


def test_json_patch(admin_api):
    client_id = admin_api.post("/admin/clients", VALID, format="json").json()["client_id"]
    patch = [
        {"op": "replace", "path": "/client_name", "value": "Patched"},
        {"op": "add", "path": "/redirect_uris/-", "value": "https://app.example.com/cb2"},
        {"op": "add", "path": "/metadata/region", "value": "eu"},
        {"op": "remove", "path": "/metadata/tier"},
    ]
    response = admin_api.patch(f"/admin/clients/{client_id}", patch, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["client_name"] == "Patched"
    assert body["redirect_uris"] == ["https://app.example.com/cb", "https://app.example.com/cb2"]
    assert body["metadata"] == {"region": "eu"}
    for bad in (
        [{"op": "replace", "path": "/client_id", "value": "other"}],
        [{"op": "replace", "path": "/grant_types", "value": ["implicit"]}],
        [{"op": "remove", "path": "/nope/deeper"}],
        [{"op": "test", "path": "/client_name", "value": "Other"}],
        {"op": "replace"},
    ):
        response = admin_api.patch(f"/admin/clients/{client_id}", bad, format="json")
        assert response.status_code == 400, (bad, response.content)
    assert Client.objects.get(client_id=client_id).name == "Patched"


def test_lifespans(admin_api):
    client_id = admin_api.post("/admin/clients", VALID, format="json").json()["client_id"]
    lifespans = {
        "authorization_code_grant_access_token_lifespan": "31h0m0s",
        "refresh_token_grant_id_token_lifespan": "90m",
    }
    body = admin_api.put(f"/admin/clients/{client_id}/lifespans", lifespans, format="json").json()
    assert body["authorization_code_grant_access_token_lifespan"] == "31h0m0s"
    assert body["refresh_token_grant_id_token_lifespan"] == "1h30m0s"
    bad = admin_api.put(f"/admin/clients/{client_id}/lifespans", {"unknown_lifespan": "1h"}, format="json")
    assert bad.status_code == 400
    assert (
        Client.objects.get(client_id=client_id).lifespan("authorization_code_grant_access_token_lifespan") == 31 * 3600
    )


def test_delete(admin_api):
    client_id = admin_api.post("/admin/clients", VALID, format="json").json()["client_id"]
    assert admin_api.delete(f"/admin/clients/{client_id}").status_code == 204
    assert admin_api.get(f"/admin/clients/{client_id}").status_code == 404
    assert admin_api.delete(f"/admin/clients/{client_id}").status_code == 404


def test_list_pages_and_filters(admin_api):
    for index in range(5):
        admin_api.post(
            "/admin/clients",
            {**VALID, "client_name": f"app-{index}", "owner": "even" if index % 2 == 0 else "odd"},
            format="json",
        )
    first = admin_api.get("/admin/clients?page_size=2")
    assert [c["client_name"] for c in first.json()] == ["app-0", "app-1"]
    next_url = first["Link"].split(";")[0].strip("<>")
    second = admin_api.get(next_url[next_url.index("/admin") :])
    assert [c["client_name"] for c in second.json()] == ["app-2", "app-3"]
    assert [c["client_name"] for c in admin_api.get("/admin/clients?owner=even").json()] == ["app-0", "app-2", "app-4"]
    assert [c["client_name"] for c in admin_api.get("/admin/clients?client_name=app-3").json()] == ["app-3"]
    assert admin_api.get("/admin/clients?page_size=0").status_code == 400
    assert admin_api.get("/admin/clients?page_token=%%%").status_code == 400


def test_admin_api_needs_a_key(api_client):
    response = api_client.get("/admin/clients")
    assert response.status_code == 401
    assert response.json()["error"]["id"] == "unauthorized"


@pytest.mark.parametrize(
    "change",
    [{"client_name": "a\x00b"}, {"metadata": {"k\x00": "v"}}, {"contacts": ["a\x00@example.com"]}],
)
def test_nul_characters_in_metadata_are_a_400(admin_api, change):
    body = {"grant_types": ["client_credentials"], **change}
    response = admin_api.post("/admin/clients", body, format="json")
    assert response.status_code == 400 and "NUL" in response.json()["error"]["reason"]
    assert not Client.objects.exists()


def test_nul_characters_in_a_login_acceptance_are_a_400(admin_api):
    response = admin_api.put(
        "/admin/oauth2/auth/requests/login/accept?login_challenge=anything", {"subject": "a\x00b"}, format="json"
    )
    assert response.status_code == 400 and "NUL" in response.json()["error"]["reason"]
