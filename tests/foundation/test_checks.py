"""Deployment checks (``manage.py check --deploy``) for what Django's own checks do not see."""

from __future__ import annotations

from ory_platform.checks import check_pkce_policy, check_public_url


def test_plain_http_public_url_is_flagged(settings):
    settings.PUBLIC_URL_IS_HTTPS = False
    assert [warning.id for warning in check_public_url(None)] == ["ory_platform.W001"]
    settings.PUBLIC_URL_IS_HTTPS = True
    assert check_public_url(None) == []


def test_pkce_for_public_clients_only_is_flagged(settings):
    assert check_pkce_policy(None) == []  # the default: every client
    settings.OAUTH2_PKCE_ENFORCED = "public"
    assert [warning.id for warning in check_pkce_policy(None)] == ["ory_platform.W002"]
