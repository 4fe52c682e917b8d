"""Health, version, OpenAPI, the console entrance, security headers and structured logs."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import DatabaseError

from ory_platform import __version__, health
from ory_platform.structured_logging import JsonFormatter, scrub
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_alive(client):
    response = client.get("/health/alive")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_database_is_migrated(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_not_ready_when_migrations_are_pending(client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets, clean_start=False: [("m", False)] * 2
    )
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"errors": {"database": "2 migration(s) not applied"}}


def test_not_ready_when_database_is_unreachable(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connections", {"default": BrokenConnection()})
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"errors": {"database": "database unreachable"}}


def test_version(client):
    assert client.get("/version").json() == {"version": __version__}


def test_openapi_document(client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert {"/health/alive", "/health/ready", "/version"} <= set(document["paths"])


def test_swagger_ui_is_served_from_local_static_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page and "http://" not in page.replace("http://testserver", "")


def test_console_sends_anonymous_visitors_to_the_sign_in_page(client):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/"
    login = client.get(response["Location"])
    assert login["Location"] == "/login?return_to=%2Fconsole%2F"


def test_console_refuses_non_staff(client, identity):
    sign_in(client, identity)
    assert client.get("/console/").status_code == 302
    page = client.get("/console/login/?next=/console/")
    assert page.status_code == 403
    assert b"may not use the staff console" in page.content


def test_console_admits_staff(client, staff_identity):
    sign_in(client, staff_identity)
    response = client.get("/console/")
    assert response.status_code == 200
    assert b"Ory Platform console" in response.content


def test_security_headers_on_html(client):
    response = client.get("/login", follow=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_api_answers_are_not_cached_and_carry_no_csp(client):
    response = client.get("/health/alive")
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" not in response


def test_hsts_on_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/health/alive", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/health/alive")


def test_log_lines_are_json_with_request_id_and_no_secrets(client, caplog):
    caplog.set_level(logging.INFO, logger="ory_platform.access")
    response = client.get("/health/alive?token=supersecret", HTTP_AUTHORIZATION="Bearer ory_ak_abc_def")
    record = next(r for r in caplog.records if r.name == "ory_platform.access")
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["http_path"] == "/health/alive"
    assert entry["http_status"] == 200
    assert entry["request_id"] == response["X-Request-Id"]
    assert "supersecret" not in line and "ory_ak_" not in line


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer ory_ak_abcdefghij_SECRETSECRET",
        "login failed for password=hunter2 and csrf_token=zzz",
        '{"client_secret": "s3cr3t-value"}',
        "key ory_ak_abcdefghij_SECRETSECRET used",
    ],
)
def test_scrub_removes_secrets(text):
    cleaned = scrub(text)
    for secret in ("SECRETSECRET", "hunter2", "zzz", "s3cr3t-value"):
        assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_formatter_redacts_secret_extras():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    record.password = "hunter2"
    record.session_token = "abc"
    record.http_status = 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["password"] == "[redacted]" and entry["session_token"] == "[redacted]"
    assert entry["http_status"] == 200
