"""The authorization code flow end to end through the built-in login and consent pages."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient

from tests.oauth2.conftest import authorization_code_via_builtin_pages, exchange_code

pytestmark = pytest.mark.django_db


def test_code_flow_through_builtin_pages_issues_tokens(identity, web_client):
    browser = BrowserClient()
    browser.force_login(identity)
    code, verifier, params = authorization_code_via_builtin_pages(browser, web_client)
    assert params["state"] == "state-123456"
    assert params["iss"] == "http://127.0.0.1:8000"
    response = exchange_code(web_client, code, verifier)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"access_token", "refresh_token", "id_token", "expires_in", "token_type", "scope"}
