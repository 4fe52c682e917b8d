"""Every error on an API path is Ory's envelope, whatever raised it; HTML pages get HTML."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.urls")]

ENVELOPE_KEYS = {"id", "code", "status", "message", "reason"}


def assert_envelope(response, status: int, error_id: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)["error"]
    assert set(body) >= ENVELOPE_KEYS
    assert body["code"] == status
    assert body["request"] == response["X-Request-Id"]
    if error_id:
        assert body["id"] == error_id
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/admin/does-not-exist",
        "/oauth2/nope",
        "/self-service/nope",
        "/sessions/x/y",
        "/relation-tuples/nope/deeper",
        "/namespaces/x",
        "/opl/nope",
        "/.well-known/nope",
        "/schemas/x/y/z",
        "/userinfo/x",
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_paths_are_404_envelopes(client, settings, path, debug):
    settings.DEBUG = debug
    body = assert_envelope(client.get(path), 404, "not_found")
    assert body["status"] == "Not Found"


def test_unknown_html_path_is_an_html_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"There is nothing at this address" in response.content


def test_method_not_allowed_on_drf_view(client):
    body = assert_envelope(client.delete("/health/alive"), 405, "method_not_allowed")
    assert "DELETE" in body["reason"]


def test_method_not_allowed_on_plain_django_view_keeps_allow_header(client):
    response = client.get("/self-service/test-form")
    assert_envelope(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_malformed_json_is_400(admin_api):
    response = admin_api.post("/admin/test-echo", data='{"broken": ', content_type="application/json")
    body = assert_envelope(response, 400, "bad_request")
    assert "parse" in body["reason"].lower()


@pytest.mark.urls("ory_platform.urls")
@pytest.mark.parametrize(
    "path", ["/admin/oauth2/introspect", "/oauth2/token", "/oauth2/revoke", "/oauth2/device/auth", "/userinfo"]
)
def test_a_malformed_multipart_body_is_400_where_views_read_the_form_themselves(api_key_secret, path):
    # These views read request.POST without DRF's parsers; a broken body must not become a 500.
    response = Client().post(
        path, b"--x\r\ngarbage", content_type="multipart/form-data", HTTP_AUTHORIZATION=f"Bearer {api_key_secret}"
    )
    body = assert_envelope(response, 400, "bad_request")
    assert "multipart" in body["reason"]


def test_wrong_content_type_is_415(admin_api):
    response = admin_api.post("/admin/test-echo", data="<x/>", content_type="application/xml")
    assert_envelope(response, 415, "unsupported_media_type")


def test_too_large_body_is_413(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = json.dumps({"blob": "x" * 5000})
    assert_envelope(admin_api.post("/admin/test-echo", data=payload, content_type="application/json"), 413)


def test_a_body_within_limits_goes_through(admin_api):
    response = admin_api.post("/admin/test-echo", data={"hello": "world"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"received": {"hello": "world"}}


def test_validation_errors_name_the_field(client):
    response = client.post("/self-service/test-invalid", data={}, content_type="application/json")
    body = assert_envelope(response, 400)
    assert body["reason"].startswith("traits: email: Enter a valid e-mail address")
    assert body["details"]["fields"]["traits"]["email"] == ["Enter a valid e-mail address."]


def test_missing_api_key_is_401_with_challenge(client):
    response = client.get("/admin/test-echo")
    body = assert_envelope(response, 401, "unauthorized")
    assert "API key" in body["reason"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_throttling_is_429_with_retry_after(client):
    response = client.get("/self-service/test-throttled")
    assert_envelope(response, 429, "too_many_requests")
    assert response["Retry-After"] == "7"


def test_domain_error_from_plain_view(client):
    body = assert_envelope(client.get("/self-service/test-conflict"), 409, "conflict")
    assert body["message"] == "That already exists."
    assert body["reason"] == "duplicate"


@pytest.mark.parametrize("path", ["/relation-tuples/test-boom", "/sessions/test-plain-boom"])
@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_exception_is_a_500_envelope_without_detail(settings, path, debug, caplog):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    body = assert_envelope(client.get(path), 500, "internal_server_error")
    assert "kaboom" not in json.dumps(body) and "a bug" not in json.dumps(body)
    assert "hunter2" not in json.dumps(body)


def test_unexpected_exception_on_html_page_is_an_html_500(settings):
    client = Client(raise_request_exception=False)
    response = client.get("/boom-html")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_csrf_failure_on_api_path_uses_kratos_error_id(settings):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/self-service/test-form", data={"a": "b"})
    body = assert_envelope(response, 403, "security_csrf_violation")
    assert "Cross-Site-Request-Forgery" in body["reason"]


def test_csrf_failure_on_html_form_is_an_html_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/console/login/", data={"username": "a", "password": "b"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"Form expired" in response.content


def test_disallowed_host_on_api_path_is_400_envelope(client):
    assert_envelope(client.get("/health/alive", HTTP_HOST="evil.example"), 400, "bad_request")


def test_request_id_is_echoed_when_safe_and_replaced_when_not(client):
    assert client.get("/health/alive", HTTP_X_REQUEST_ID="abc-123-def-456")["X-Request-Id"] == "abc-123-def-456"
    replaced = client.get("/health/alive", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-Id"]
    assert len(replaced) == 32 and "\n" not in replaced


@pytest.mark.parametrize(
    "path",
    [
        "/admin/clients/%00",
        "/admin/oauth2/auth/requests/login?login_challenge=%00",
        "/admin/oauth2/auth/requests/device/accept?device_challenge=x%00y",
        "/oauth2/register/a%00b",
        "/sessions/whoami?x=%00",
    ],
)
def test_a_nul_character_in_the_path_or_query_is_400(admin_api, path):
    # PostgreSQL cannot store U+0000: such an identifier is refused before any query sees it.
    response = admin_api.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "The request path or query contains a NUL character."


def test_an_escaped_percent_sign_is_not_a_nul(admin_api):
    assert admin_api.get("/admin/clients?client_name=%2500").status_code == 200
