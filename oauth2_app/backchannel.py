"""OpenID Connect Back-Channel Logout 1.0: when a login session ends, every client that was granted
consent in it and registered a ``backchannel_logout_uri`` gets a signed logout token, POSTed from
the server (no browser involved), so it can end its own session for that user.

Tokens are built inside the logout's transaction and sent after it commits, in parallel, each
with a short timeout and without following redirects (§2.5); a client that does not answer 200 is
logged and the logout goes on, as in Hydra.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from jwcrypto import jwt

from oauth2_app import keys
from oauth2_app.models import Client
from oauth2_app.selectors import clients_granted_in_login_session
from oauth2_app.server import issuer

logger = logging.getLogger(__name__)

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TIMEOUT_SECONDS = 5
TOKEN_LIFESPAN_SECONDS = 120
_MAX_PARALLEL = 8


@dataclass(frozen=True)
class LogoutNotice:
    client_id: str
    uri: str
    logout_token: str


def announce_after_commit(*, login_session_id: uuid.UUID, subject: str) -> list[Client]:
    """A login session ends: once the transaction commits, POST a logout token to each client
    granted consent in it that asked for one. Returns those clients (front-channel logout, which
    needs the browser, is the caller's to arrange)."""
    clients = clients_granted_in_login_session(login_session_id)
    notices = notices_for(clients, login_session_id=login_session_id, subject=subject)
    if notices:
        transaction.on_commit(lambda: deliver(notices))
    return clients


def notices_for(clients: list[Client], *, login_session_id: uuid.UUID, subject: str) -> list[LogoutNotice]:
    """A signed logout token for each of ``clients`` (granted consent in the ended login session)
    that registered a ``backchannel_logout_uri``."""
    return [
        LogoutNotice(client.client_id, client.backchannel_logout_uri, _logout_token(client, login_session_id, subject))
        for client in clients
        if client.backchannel_logout_uri
    ]


def _logout_token(client: Client, login_session_id: uuid.UUID, subject: str) -> str:
    """§2.4: iss, aud, iat, exp, jti, events, sub and sid; never a nonce; typed ``logout+jwt``."""
    kid, key = keys.signing_key_active()
    now = int(time.time())
    claims = {
        "iss": issuer(),
        "aud": [client.client_id],
        "iat": now,
        "exp": now + TOKEN_LIFESPAN_SECONDS,
        "jti": str(uuid.uuid4()),
        "events": {LOGOUT_EVENT: {}},
        "sub": subject,
        "sid": str(login_session_id),
    }
    token = jwt.JWT(header={"alg": "RS256", "kid": kid, "typ": "logout+jwt"}, claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # §2.5: a redirect is not followed; the 3xx counts as a failure


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(notices: list[LogoutNotice]) -> dict[str, bool]:
    """POST each logout token (§2.5); returns which clients answered 200. Never raises."""
    if not notices:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(notices), _MAX_PARALLEL)) as pool:
        results = list(pool.map(_post, notices))
    return {notice.client_id: ok for notice, ok in zip(notices, results, strict=True)}


def _post(notice: LogoutNotice) -> bool:
    request = urllib.request.Request(  # noqa: S310  (an http(s) URI validated at registration)
        notice.uri,
        data=urlencode({"logout_token": notice.logout_token}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        logger.warning(
            "back-channel logout failed", extra={"client_id": notice.client_id, "error": type(error).__name__}
        )
        return False
    if status != 200:
        logger.warning("back-channel logout refused", extra={"client_id": notice.client_id, "status": status})
    return status == 200
