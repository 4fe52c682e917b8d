"""``manage.py oauth2_janitor``: what expired goes, what can still be used stays."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as BrowserClient
from django.utils import timezone

from oauth2_app.models import (
    AccessToken,
    AuthorizationCode,
    AuthorizationFlow,
    LoginSession,
    RefreshToken,
)
from oauth2_app.services.janitor import REQUESTS, TOKENS, purge_expired
from tests.conftest import sign_in
from tests.oauth2.conftest import authorization_code_via_builtin_pages, authorize_params, exchange_code, pkce_pair

pytestmark = pytest.mark.django_db


def _client_credentials(machine_client) -> str:
    response = BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "client_credentials", "scope": "read"},
        HTTP_AUTHORIZATION=machine_client.basic(),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def _janitor(*args) -> str:
    out = StringIO()
    call_command("oauth2_janitor", *args, stdout=out)
    return out.getvalue()


def _refresh(client, refresh_token: str):
    return BrowserClient().post(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=client.basic(),
    )


def test_expired_tokens_go_and_a_usable_refresh_token_keeps_its_access_token(
    machine_client, web_client, identity, admin_api
):
    for _ in range(3):
        _client_credentials(machine_client)
    live = _client_credentials(machine_client)
    AccessToken.objects.exclude(pk__in=AccessToken.objects.order_by("-created")[:1].values("pk")).update(
        expires=_ago(minutes=5)
    )
    browser = BrowserClient()
    sign_in(browser, identity)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    tokens = exchange_code(web_client, code, verifier).json()
    AccessToken.objects.filter(subject=str(identity.pk)).update(expires=_ago(minutes=5))
    authorization_code_via_builtin_pages(browser, web_client)  # a code never redeemed
    AuthorizationCode.objects.filter(redeemed_at__isnull=True).update(expires=_ago(minutes=5))

    output = _janitor("--tokens")

    assert "oauth2_app.AccessToken: 3 deleted" in output
    assert "oauth2_app.AuthorizationCode: 1 deleted" in output
    assert AccessToken.objects.count() == 2  # the live client-credentials token and the user's (refreshable)
    introspected = admin_api.post("/admin/oauth2/introspect", {"token": live}, format="multipart").json()
    assert introspected["active"] is True
    # The user's access token expired, but its refresh token still works: that is what it is for.
    refreshed = _refresh(web_client, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content

    # Once the refresh token has expired too, both go.
    RefreshToken.objects.update(expires=_ago(minutes=1))
    AccessToken.objects.update(expires=_ago(minutes=1))
    _janitor("--tokens")
    assert not AccessToken.objects.exists() and not RefreshToken.objects.exists()


def test_keep_if_younger_keeps_what_expired_recently(machine_client):
    _client_credentials(machine_client)
    AccessToken.objects.update(expires=_ago(minutes=10))
    assert "0 expired row(s) deleted" in _janitor("--tokens", "--keep-if-younger", "1h")
    assert AccessToken.objects.count() == 1
    _janitor("--tokens", "--keep-if-younger", "5m")
    assert not AccessToken.objects.exists()


def test_expired_requests_go_but_remembered_consents_stay(web_client, identity):
    browser = BrowserClient()
    sign_in(browser, identity)
    authorization_code_via_builtin_pages(browser, web_client, remember=True)  # a consent session
    # A browser that never signs in leaves its login request behind.
    abandoned = BrowserClient().get("/oauth2/auth", authorize_params(web_client, pkce_pair()[1]))
    assert "login_challenge=" in abandoned["Location"]
    remembered = AuthorizationFlow.objects.get(consent_remember=True)
    assert AuthorizationFlow.objects.count() == 2
    AuthorizationFlow.objects.update(expires_at=_ago(hours=2))
    LoginSession.objects.update(expires_at=_ago(hours=2))

    purge_expired(what=[REQUESTS])

    assert list(AuthorizationFlow.objects.all()) == [remembered]
    assert not LoginSession.objects.exists()
    # A revoked consent session is just an old request.
    AuthorizationFlow.objects.update(consent_revoked_at=timezone.now())
    purge_expired(what=[REQUESTS])
    assert not AuthorizationFlow.objects.exists()


def test_rows_are_examined_a_page_at_a_time(machine_client, django_assert_max_num_queries):
    for _ in range(7):
        _client_credentials(machine_client)
    AccessToken.objects.filter(pk__in=AccessToken.objects.order_by("pk").values("pk")[:5]).update(
        expires=_ago(minutes=1)
    )
    # 7 rows in pages of 2: 4 pages and an empty one, each a key read plus a bounded delete.
    with django_assert_max_num_queries(40):
        deleted = purge_expired(what=[TOKENS], batch_size=2)
    assert deleted["oauth2_app.AccessToken"] == 5
    assert AccessToken.objects.count() == 2


def test_the_command_needs_something_to_do():
    with pytest.raises(CommandError, match="--tokens"):
        _janitor()
    with pytest.raises(CommandError, match="duration"):
        _janitor("--tokens", "--keep-if-younger", "tomorrow")
    with pytest.raises(CommandError, match="batch-size"):
        _janitor("--requests", "--batch-size", "0")
