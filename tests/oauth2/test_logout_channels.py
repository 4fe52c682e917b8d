"""OpenID Connect Back- and Front-Channel Logout 1.0: when a logout ends a login session, each client
granted consent in it is told, server to server (a signed logout token POSTed to its
``backchannel_logout_uri``) or through the browser (its ``frontchannel_logout_uri`` in an iframe)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from django.test import Client as BrowserClient
from joserfc import jws, jwt
from joserfc.jwk import KeySet

from oauth2_app import backchannel
from oauth2_app.models import LoginSession
from tests.oauth2.conftest import REDIRECT_URI, exchange_code, query_of, register
from tests.oauth2.test_challenges import EXTERNAL_LOGOUT, external_apps, full_flow  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


class _Receiver(BaseHTTPRequestHandler):
    """A relying party's back-channel logout endpoint: records what it was sent."""

    received: list
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append({"path": self.path, "content_type": self.headers["Content-Type"], "form": parse_qs(body)})
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/logout")
        else:
            self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def relying_party():
    received: list = []
    handler = type("Handler", (_Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


def _log_out(browser, admin_api, client, id_token: str, **params):
    response = browser.get("/oauth2/sessions/logout", {"id_token_hint": id_token, **params})
    assert response["Location"].startswith(EXTERNAL_LOGOUT)
    challenge = query_of(response["Location"])["logout_challenge"]
    redirect = admin_api.put(f"/admin/oauth2/auth/requests/logout/accept?logout_challenge={challenge}").json()
    return browser.get(redirect["redirect_to"])


def _signed_in(browser, admin_api, client) -> str:
    _, _, callback, verifier = full_flow(browser, admin_api, client, login_extra={"remember": True})
    return exchange_code(client, callback["code"], verifier).json()["id_token"]


def test_logout_sends_a_verifiable_logout_token(relying_party, admin_api, django_capture_on_commit_callbacks):
    base, received = relying_party
    client = register(backchannel_logout_uri=f"{base}/logout", backchannel_logout_session_required=True)
    other_session_client = register(backchannel_logout_uri=f"{base}/other")
    quiet_client = register()
    browser = BrowserClient()
    id_token = _signed_in(browser, admin_api, client)
    _signed_in(browser, admin_api, quiet_client)  # same login session, no back-channel URI
    _signed_in(BrowserClient(), admin_api, other_session_client)  # another browser: another login session
    sid = json.loads(jws.extract_compact(id_token.encode()).payload)["sid"]

    with django_capture_on_commit_callbacks(execute=True):
        _log_out(browser, admin_api, client, id_token)

    assert [r["path"] for r in received] == ["/logout"]
    assert received[0]["content_type"] == "application/x-www-form-urlencoded"
    logout_token = received[0]["form"]["logout_token"][0]
    jwks = BrowserClient().get("/.well-known/jwks.json").json()
    token = jwt.decode(logout_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert token.header["typ"] == "logout+jwt"
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": "http://127.0.0.1:8000"},
        aud={"essential": True, "value": client.client_id},
        sub={"essential": True, "value": "user-42"},
        sid={"essential": True, "value": sid},
        jti={"essential": True},
        iat={"essential": True},
        exp={"essential": True},
    ).validate(token.claims)
    assert token.claims["events"] == {backchannel.LOGOUT_EVENT: {}}
    assert "nonce" not in token.claims
    assert not LoginSession.objects.filter(pk=sid).exists()
    assert LoginSession.objects.count() == 1  # the other browser's session stays


def test_a_failing_relying_party_does_not_stop_the_logout(relying_party, admin_api, django_capture_on_commit_callbacks):
    base, received = relying_party
    moved = register(backchannel_logout_uri=f"{base}/moved")
    browser = BrowserClient()
    id_token = _signed_in(browser, admin_api, moved)
    with django_capture_on_commit_callbacks(execute=True):
        _log_out(browser, admin_api, moved, id_token)
    assert [r["path"] for r in received] == ["/moved"]  # the redirect was not followed
    assert not LoginSession.objects.exists()


def test_delivery_reports_each_client():
    unreachable = backchannel.LogoutNotice("c1", "http://127.0.0.1:9/logout", "token")
    assert backchannel.deliver([unreachable]) == {"c1": False}
    assert backchannel.deliver([]) == {}


def test_the_admin_api_keeps_the_backchannel_fields(admin_api):
    created = admin_api.post(
        "/admin/clients",
        {
            "redirect_uris": ["https://app.example.com/cb"],
            "backchannel_logout_uri": "https://app.example.com/backchannel",
            "backchannel_logout_session_required": True,
        },
        format="json",
    ).json()
    assert created["backchannel_logout_uri"] == "https://app.example.com/backchannel"
    assert created["backchannel_logout_session_required"] is True
    fetched = admin_api.get(f"/admin/clients/{created['client_id']}").json()
    assert fetched["backchannel_logout_uri"] == "https://app.example.com/backchannel"
    for bad in ("https://app.example.com/bc#fragment", "/relative", "ftp://app.example.com/bc"):
        response = admin_api.post(
            "/admin/clients",
            {"redirect_uris": ["https://app.example.com/cb"], "backchannel_logout_uri": bad},
            format="json",
        )
        assert response.status_code == 400, bad
    response = admin_api.post(
        "/admin/clients",
        {"redirect_uris": ["https://app.example.com/cb"], "backchannel_logout_session_required": "yes"},
        format="json",
    )
    assert response.status_code == 400


def test_discovery_announces_both_channels():
    config = BrowserClient().get("/.well-known/openid-configuration").json()
    assert config["backchannel_logout_supported"] is True
    assert config["backchannel_logout_session_supported"] is True
    assert config["frontchannel_logout_supported"] is True
    assert config["frontchannel_logout_session_supported"] is True


def test_front_channel_logout_loads_each_clients_page_then_moves_on(admin_api):
    app = register(
        frontchannel_logout_uri="https://app.example.com/fc?tenant=7",
        post_logout_redirect_uris=["https://app.example.com/bye"],
    )
    other = register(
        redirect_uris=[REDIRECT_URI, "https://other.example.org/cb"],
        frontchannel_logout_uri="https://other.example.org/fc",
    )
    quiet = register()
    browser = BrowserClient()
    id_token = _signed_in(browser, admin_api, app)
    _signed_in(browser, admin_api, other)
    _signed_in(browser, admin_api, quiet)
    sid = json.loads(jws.extract_compact(id_token.encode()).payload)["sid"]

    page = _log_out(
        browser, admin_api, app, id_token, post_logout_redirect_uri="https://app.example.com/bye", state="s1"
    )

    assert page.status_code == 200
    html = page.content.decode()
    iss_sid = f"iss=http%3A%2F%2F127.0.0.1%3A8000&amp;sid={sid}"
    assert f'src="https://app.example.com/fc?tenant=7&amp;{iss_sid}"' in html
    assert f'src="https://other.example.org/fc?{iss_sid}"' in html
    assert html.count("<iframe") == 2
    assert 'content="3;url=https://app.example.com/bye?state=s1"' in html
    assert 'href="https://app.example.com/bye?state=s1"' in html
    assert page["Content-Security-Policy"].endswith("; frame-src https://app.example.com https://other.example.org")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert not LoginSession.objects.exists()


def test_without_front_channel_clients_logout_redirects_at_once(admin_api):
    client = register(post_logout_redirect_uris=["https://app.example.com/bye"])
    browser = BrowserClient()
    id_token = _signed_in(browser, admin_api, client)
    response = _log_out(browser, admin_api, client, id_token, post_logout_redirect_uri="https://app.example.com/bye")
    assert response.status_code == 302 and response["Location"] == "https://app.example.com/bye"


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("https://app.example.com/fc", True),
        ("https://elsewhere.example.com/fc", False),  # not the origin of a redirect URI (§2)
        ("https://app.example.com/fc#x", False),
        ("https://app.example.com:8443/fc", False),
    ],
)
def test_front_channel_uri_rules(admin_api, uri, ok):
    response = admin_api.post(
        "/admin/clients",
        {
            "redirect_uris": ["https://app.example.com/cb"],
            "frontchannel_logout_uri": uri,
            "frontchannel_logout_session_required": True,
        },
        format="json",
    )
    assert (response.status_code == 201) is ok, response.content
    if ok:
        assert response.json()["frontchannel_logout_uri"] == uri
        assert response.json()["frontchannel_logout_session_required"] is True


def test_revoking_one_login_session_by_sid_is_a_logout(relying_party, admin_api, django_capture_on_commit_callbacks):
    base, received = relying_party
    client = register(backchannel_logout_uri=f"{base}/logout")
    id_token = _signed_in(BrowserClient(), admin_api, client)
    sid = json.loads(jws.extract_compact(id_token.encode()).payload)["sid"]
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.delete(f"/admin/oauth2/auth/sessions/login?sid={sid}").status_code == 204
    assert [r["path"] for r in received] == ["/logout"]
    assert not LoginSession.objects.exists()

    # Revoking every session of a subject tells no one (Hydra's rule).
    _signed_in(BrowserClient(), admin_api, client)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.delete("/admin/oauth2/auth/sessions/login?subject=user-42").status_code == 204
    assert len(received) == 1 and not LoginSession.objects.exists()


def test_signing_out_of_the_platform_tells_the_clients(
    relying_party, identity, settings, django_capture_on_commit_callbacks
):
    from identity_app.services.sessions import session_revoke
    from tests.conftest import sign_in
    from tests.oauth2.conftest import authorization_code_via_builtin_pages

    settings.OAUTH2_LOGIN_URL, settings.OAUTH2_CONSENT_URL = "oauth2:fallback-login", "oauth2:fallback-consent"
    base, received = relying_party
    client = register(backchannel_logout_uri=f"{base}/logout", skip_consent=True)
    browser = BrowserClient()
    issued = sign_in(browser, identity)
    authorization_code_via_builtin_pages(browser, client)
    assert LoginSession.objects.get().identity_provider_session_id == str(issued.session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        session_revoke(session_id=issued.session.pk)
    assert [r["path"] for r in received] == ["/logout"]
    assert not LoginSession.objects.exists()
