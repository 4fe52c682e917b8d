"""Token endpoint, refresh rotation and reuse, code replay, client credentials, introspection, revocation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext

from oauth2_app import validator
from oauth2_app.models import AccessToken, RefreshToken
from tests.conftest import sign_in
from tests.oauth2.conftest import (
    REDIRECT_URI,
    RegisteredClient,
    authorization_code_via_builtin_pages,
    authorize_params,
    exchange_code,
    register,
)

pytestmark = pytest.mark.django_db


def _tokens(identity, client, **extra):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, client, **extra)
    response = exchange_code(client, code, verifier)
    assert response.status_code == 200, response.content
    return response.json(), code, verifier


def _refresh(client, refresh_token):
    return BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=client.basic(),
    )


def _introspect(admin_api, token, **extra):
    return admin_api.post("/admin/oauth2/introspect", {"token": token, **extra}, format="multipart").json()


def test_refresh_rotates_and_retires_the_previous_pair(identity, web_client, admin_api):
    first, _, _ = _tokens(identity, web_client)
    response = _refresh(web_client, first["refresh_token"])
    assert response.status_code == 200, response.content
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["refresh_token"].startswith("ory_rt_") and first["access_token"].startswith("ory_at_")
    assert second["access_token"] != first["access_token"]
    assert "id_token" in second
    assert _introspect(admin_api, first["access_token"]) == {"active": False}
    assert _introspect(admin_api, second["access_token"])["active"] is True


def test_reusing_a_rotated_refresh_token_revokes_the_family(identity, web_client, admin_api):
    first, _, _ = _tokens(identity, web_client)
    second = _refresh(web_client, first["refresh_token"]).json()
    replay = _refresh(web_client, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert _introspect(admin_api, second["access_token"]) == {"active": False}
    assert _refresh(web_client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_redeeming_a_code_twice_fails_and_revokes_its_tokens(identity, web_client, admin_api):
    tokens, code, verifier = _tokens(identity, web_client)
    replay = exchange_code(web_client, code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert _introspect(admin_api, tokens["access_token"]) == {"active": False}
    assert _introspect(admin_api, tokens["refresh_token"]) == {"active": False}
    assert _refresh(web_client, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_wrong_pkce_verifier_is_invalid_grant(identity, web_client):
    browser = BrowserClient()
    sign_in(browser, identity)
    code, _verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    response = exchange_code(web_client, code, "x" * 64)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_bound_to_client_and_redirect_uri(identity, web_client):
    other = register(client_name="Other")
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    assert exchange_code(other, code, verifier).json()["error"] == "invalid_grant"


def test_introspection_has_hydra_shape_with_consent_claims(identity, web_client, admin_api):
    tokens, _, _ = _tokens(identity, web_client)
    body = _introspect(admin_api, tokens["access_token"])
    assert body["active"] is True
    assert body["sub"] == str(identity.pk)
    assert body["client_id"] == web_client.client_id
    assert set(body["scope"].split()) == {"openid", "offline_access", "email", "profile"}
    assert body["token_type"] == "Bearer" and body["token_use"] == "access_token"
    assert body["iss"] == "http://127.0.0.1:8000"
    assert body["exp"] > body["iat"] == body["nbf"]
    assert body["aud"] == [] and body["ext"] == {}
    refresh = _introspect(admin_api, tokens["refresh_token"])
    assert refresh["active"] is True and refresh["token_use"] == "refresh_token"
    assert _introspect(admin_api, tokens["access_token"], scope="openid email")["active"] is True
    assert _introspect(admin_api, tokens["access_token"], scope="admin") == {"active": False}
    assert _introspect(admin_api, "garbage") == {"active": False}


def test_introspection_needs_an_api_key_and_a_token(admin_api):
    assert BrowserClient().post("/admin/oauth2/introspect", {"token": "x"}).status_code == 401
    response = admin_api.post("/admin/oauth2/introspect", {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "invalid_request"


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic dXNlcjpwYXNz", "Bearer ", "Bearer ory_ak_wrong", "Bearer ory_ak_abcdefghij_" + "x" * 43],
)
def test_introspection_refuses_a_request_as_every_admin_endpoint_does(api_key_secret, authorization):
    # The view answers without DRF; its 401 must be the DRF admin views' 401, word for word.
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    introspection = BrowserClient().post("/admin/oauth2/introspect", {"token": "x"}, **headers)
    clients = BrowserClient().get("/admin/clients", **headers)
    assert introspection.status_code == clients.status_code == 401
    assert introspection["WWW-Authenticate"] == clients["WWW-Authenticate"] == 'Bearer realm="admin"'
    body, expected = introspection.json()["error"], clients.json()["error"]
    assert {k: body[k] for k in ("id", "code", "message", "reason")} == {
        k: expected[k] for k in ("id", "code", "message", "reason")
    }


def test_introspection_reads_forms_and_json_and_refuses_other_bodies(admin_api, machine_client):
    token = (
        BrowserClient()
        .post(
            "/oauth2/token",
            {"grant_type": "client_credentials", "scope": "read"},
            HTTP_AUTHORIZATION=machine_client.basic(),
        )
        .json()["access_token"]
    )
    form = admin_api.post(
        "/admin/oauth2/introspect", f"token={token}", content_type="application/x-www-form-urlencoded"
    )
    as_json = admin_api.post("/admin/oauth2/introspect", {"token": token, "scope": "read"}, format="json")
    assert form.json()["active"] is True and as_json.json()["active"] is True
    assert form["Content-Type"] == "application/json"
    broken = admin_api.post("/admin/oauth2/introspect", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["id"] == "bad_request"
    plain = admin_api.post("/admin/oauth2/introspect", "token=x", content_type="text/plain")
    assert plain.status_code == 415 and plain.json()["error"]["id"] == "unsupported_media_type"
    wrong_scope = admin_api.post("/admin/oauth2/introspect", {"token": token, "scope": ["read"]}, format="json")
    assert wrong_scope.status_code == 400 and wrong_scope.json()["error"]["id"] == "invalid_request"
    get = admin_api.get("/admin/oauth2/introspect")
    assert get.status_code == 405 and get["Allow"] == "POST" and get.json()["error"]["id"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_with_registered_auth_method(admin_api, method):
    client = register(
        grant_types=["client_credentials"],
        redirect_uris=[],
        scope="read write",
        audience=["https://api.example.com"],
        token_endpoint_auth_method=method,
    )
    form = {"grant_type": "client_credentials", "scope": "read", "audience": "https://api.example.com"}
    if method == "client_secret_basic":
        response = BrowserClient().post("/oauth2/token", form, HTTP_AUTHORIZATION=client.basic())
        wrong = BrowserClient().post(
            "/oauth2/token", {**form, "client_id": client.client_id, "client_secret": client.secret}
        )
    else:
        response = BrowserClient().post(
            "/oauth2/token", {**form, "client_id": client.client_id, "client_secret": client.secret}
        )
        wrong = BrowserClient().post("/oauth2/token", form, HTTP_AUTHORIZATION=client.basic())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read" and "refresh_token" not in body
    assert body["access_token"].startswith("ory_at_") and len(body["access_token"]) == 7 + 43  # 256 bits
    introspected = _introspect(admin_api, body["access_token"])
    assert introspected["sub"] == client.client_id and introspected["aud"] == ["https://api.example.com"]
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials", "scope": "admin"}, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "audience": "https://elsewhere.example.com"}, 400, "invalid_request"),
        ({"grant_type": "password", "username": "a", "password": "b"}, 400, "unsupported_grant_type"),
        (
            {"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT_URI},
            400,
            "unauthorized_client",
        ),
        ({}, 400, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_errors_follow_rfc6749(machine_client, form, status, error):
    response = BrowserClient().post("/oauth2/token", form, HTTP_AUTHORIZATION=machine_client.basic())
    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    assert response["Cache-Control"] == "no-store"


def test_a_rotated_secret_or_deleted_client_stops_working_at_the_next_request(machine_client):
    from oauth2_app.services.clients import client_delete, client_secret_rotate

    def issue(client):
        form = {"grant_type": "client_credentials", "scope": "read"}
        return BrowserClient().post("/oauth2/token", form, HTTP_AUTHORIZATION=client.basic()).status_code

    assert issue(machine_client) == 200
    _, new_secret = client_secret_rotate(client_id=machine_client.client_id)
    rotated = RegisteredClient(machine_client.client_id, new_secret, machine_client.model)
    assert (issue(machine_client), issue(rotated)) == (401, 200)
    client_delete(client_id=machine_client.client_id)
    assert issue(rotated) == 401


def test_bad_client_secret_is_401_with_basic_challenge(machine_client):
    machine_client.secret = "wrong-secret-wrong-secret-wrong-secret"
    response = BrowserClient().post(
        "/oauth2/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=machine_client.basic()
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")


def test_client_lifespan_overrides_default(admin_api, machine_client):
    admin_api.put(
        f"/admin/clients/{machine_client.client_id}/lifespans",
        {"client_credentials_grant_access_token_lifespan": "5m0s"},
        format="json",
    )
    body = (
        BrowserClient()
        .post("/oauth2/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=machine_client.basic())
        .json()
    )
    assert body["expires_in"] == 300


def test_revocation_of_access_token_and_refresh_family(identity, web_client, admin_api):
    tokens, _, _ = _tokens(identity, web_client)
    response = BrowserClient().post(
        "/oauth2/revoke", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=web_client.basic()
    )
    assert response.status_code == 200
    assert _introspect(admin_api, tokens["access_token"]) == {"active": False}
    tokens, _, _ = _tokens(identity, web_client)
    rotated = _refresh(web_client, tokens["refresh_token"]).json()
    BrowserClient().post(
        "/oauth2/revoke",
        {"token": rotated["refresh_token"], "token_type_hint": "refresh_token"},
        HTTP_AUTHORIZATION=web_client.basic(),
    )
    assert _introspect(admin_api, rotated["access_token"]) == {"active": False}
    unauthenticated = BrowserClient().post("/oauth2/revoke", {"token": rotated["access_token"]})
    assert unauthenticated.status_code == 401


def test_a_client_cannot_revoke_another_clients_token(identity, web_client, admin_api):
    tokens, _, _ = _tokens(identity, web_client)
    other = register(client_name="Other")
    BrowserClient().post("/oauth2/revoke", {"token": tokens["access_token"]}, HTTP_AUTHORIZATION=other.basic())
    assert _introspect(admin_api, tokens["access_token"])["active"] is True


def test_delete_tokens_of_a_client(identity, web_client, admin_api):
    tokens, _, _ = _tokens(identity, web_client)
    assert admin_api.delete("/admin/oauth2/tokens").status_code == 400
    response = admin_api.delete(f"/admin/oauth2/tokens?client_id={web_client.client_id}")
    assert response.status_code == 204
    assert _introspect(admin_api, tokens["access_token"]) == {"active": False}
    assert _introspect(admin_api, tokens["refresh_token"]) == {"active": False}


def test_tokens_are_stored_hashed(identity, web_client):
    tokens, code, _ = _tokens(identity, web_client)
    import hashlib

    from oauth2_app.models import AuthorizationCode

    access = AccessToken.objects.get()
    assert access.token == "" and access.token_checksum == hashlib.sha256(tokens["access_token"].encode()).hexdigest()
    assert not AuthorizationCode.objects.filter(code=code).exists()
    assert AuthorizationCode.objects.filter(code=hashlib.sha256(code.encode()).hexdigest()).exists()
    assert RefreshToken.objects.get().token == ""


def _statements(queries) -> list[str]:
    """The SQL statements a request ran, without the transaction control around them."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [query["sql"] for query in queries if not query["sql"].upper().startswith(control)]


@pytest.mark.django_db(transaction=True)  # outside a test transaction, as a server runs
def test_client_credentials_costs_one_read_and_one_insert_outside_a_transaction(machine_client, monkeypatch):
    inserts_in_transaction = []
    real_insert = validator.raw_insert

    def insert(instance):
        inserts_in_transaction.append(connection.in_atomic_block)
        real_insert(instance)

    monkeypatch.setattr(validator, "raw_insert", insert)
    browser = BrowserClient()
    form = {"grant_type": "client_credentials", "scope": "read"}
    with CaptureQueriesContext(connection) as queries:
        response = browser.post("/oauth2/token", form, HTTP_AUTHORIZATION=machine_client.basic())
    assert response.status_code == 200, response.content
    assert inserts_in_transaction == [False]  # the INSERT is its own implicit transaction
    statements = _statements(queries)
    assert len(statements) == 2, statements
    assert statements[0].startswith("SELECT") and "oauth2_clients" in statements[0]
    assert statements[1].startswith("INSERT") and "oauth2_access_tokens" in statements[1]
    assert not any(query["sql"].upper().startswith(("BEGIN", "SAVEPOINT")) for query in queries)
    assert AccessToken.objects.filter(application=machine_client.model).count() == 1


def test_code_exchange_answers_cors_for_the_clients_registered_origins_only(identity):
    # The Origin header must reach oauthlib (HydraOAuthLibCore hands it only the headers it reads).
    client = register(allowed_cors_origins=["https://spa.example.com"])
    answers = {}
    for origin in ("https://spa.example.com", "https://evil.example.com"):
        browser = BrowserClient()
        sign_in(browser, identity)
        code, verifier, _ = authorization_code_via_builtin_pages(browser, client)
        response = BrowserClient(HTTP_ORIGIN=origin).post(
            "/oauth2/token",
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
            HTTP_AUTHORIZATION=client.basic(),
        )
        assert response.status_code == 200, response.content
        answers[origin] = response.headers.get("Access-Control-Allow-Origin")
    assert answers == {"https://spa.example.com": "https://spa.example.com", "https://evil.example.com": None}


@pytest.mark.parametrize(
    ("path", "hidden"),
    [
        ("/oauth2/token", ("client_secret", "code", "refresh_token")),
        ("/oauth2/revoke", ("client_secret", "token")),
        ("/oauth2/device/auth", ("client_secret",)),
        ("/userinfo", None),
    ],
)
def test_machine_endpoints_skip_csrf_and_hide_their_secrets_from_error_reports(path, hidden, machine_client):
    from django.test import RequestFactory
    from django.urls import resolve

    # A client posting with its credentials and no CSRF token is answered by the endpoint itself.
    response = BrowserClient(enforce_csrf_checks=True).post(
        path, {"client_id": machine_client.client_id, "client_secret": "wrong"}
    )
    assert response.status_code != 403 and response["Content-Type"] == "application/json"
    request = RequestFactory().post(path, {"client_secret": "s3cret"})
    resolve(path).func(request)
    assert getattr(request, "sensitive_post_parameters", None) == hidden


def test_client_secrets_are_checked_by_their_hasher():
    from django.contrib.auth.hashers import make_password

    from oauth2_app.hashers import ClientSecretSHA256Hasher

    check = validator.HydraValidator()._check_secret
    secret = "s" * 43
    ours = make_password(secret, hasher=ClientSecretSHA256Hasher.algorithm)
    assert check(secret, ours) and not check(secret + "x", ours) and not check(None, ours)
    assert not check(secret, f"{ClientSecretSHA256Hasher.algorithm}$malformed")
    legacy = make_password(secret, hasher="pbkdf2_sha256")  # stored by another hasher: Django checks it
    assert check(secret, legacy) and not check("other", legacy)


def test_form_values_reach_oauthlib_decoded_exactly_once(admin_api):
    audience = "https://api.example.com/a+b?x=1&y=%2F"  # '+', '&', '%' survive one decoding only
    client = register(grant_types=["client_credentials"], redirect_uris=[], scope="read", audience=[audience])
    response = BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "client_credentials", "scope": "read", "audience": audience},
        HTTP_AUTHORIZATION=client.basic(),
    )
    assert response.status_code == 200, response.content
    assert _introspect(admin_api, response.json()["access_token"])["aud"] == [audience]


def test_pkce_for_public_clients_only_when_configured_like_hydra(identity, web_client, settings):
    from tests.oauth2.conftest import pkce_pair, query_of

    # By default every client must (test_builtin_flow: a missing code_challenge is invalid_request).
    settings.OAUTH2_PKCE_ENFORCED = "public"
    browser = BrowserClient()
    sign_in(browser, identity)
    code, _, _ = authorization_code_via_builtin_pages(browser, web_client, pkce=False)
    response = BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        HTTP_AUTHORIZATION=web_client.basic(),
    )
    assert response.status_code == 200, response.content  # a confidential client without PKCE
    code, _, _ = authorization_code_via_builtin_pages(browser, web_client, pkce=False)
    verifier, _ = pkce_pair()  # a verifier for a code issued without a challenge: a PKCE downgrade
    response = BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        HTTP_AUTHORIZATION=web_client.basic(),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    code, _, _ = authorization_code_via_builtin_pages(browser, web_client)  # one that sent a challenge
    response = BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        HTTP_AUTHORIZATION=web_client.basic(),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"  # must send the verifier
    public = register(token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    params = {k: v for k, v in authorize_params(public, challenge).items() if not k.startswith("code_challenge")}
    response = browser.get("/oauth2/auth", params)
    assert response.status_code == 302 and query_of(response["Location"])["error"] == "invalid_request"
