"""The browser's side of logout (OpenID Connect RP-Initiated Logout 1.0; Hydra's ``/oauth2/sessions/logout``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import timezone

from oauth2_app import backchannel
from oauth2_app.errors import AuthorizationError
from oauth2_app.flows import (
    BrowserOutcome,
    configured_url,
    flow_expiry,
    logout_url,
    new_secret,
    remembered_login_session,
    secret_digest,
)
from oauth2_app.models import Client, LoginSession, LogoutRequest
from oauth2_app.server import add_query, issuer
from oauth2_app.services.authorization import id_token_hint_claims
from ory_platform.db import retrying
from ory_platform.queries import unique_row


def default_post_logout_url() -> str:
    return configured_url(settings.OAUTH2_POST_LOGOUT_REDIRECT_URL)


@retrying
def logout_start(
    *, id_token_hint: str, post_logout_redirect_uri: str, state: str, session_id: uuid.UUID | None, request_url: str
) -> BrowserOutcome:
    """Validate a logout request and send the browser to the logout app with a ``logout_challenge``.

    Without ``id_token_hint`` only the browser's own session can be ended (and neither
    ``state`` nor ``post_logout_redirect_uri`` is allowed); with it, the redirect must be one the
    client registered (RP-Initiated Logout §3).
    """
    redirect_to = default_post_logout_url()
    if not id_token_hint:
        if state or post_logout_redirect_uri:
            raise AuthorizationError("invalid_request", "state and post_logout_redirect_uri require an id_token_hint.")
        session = remembered_login_session(session_id)
        if session is None:
            return BrowserOutcome(redirect_to=redirect_to)
        client, subject, sid, rp_initiated = None, session.subject, session.pk, False
    else:
        claims = id_token_hint_claims(id_token_hint)
        sid, subject = claims.get("sid"), claims.get("sub")
        if not sid or not subject:
            raise AuthorizationError("invalid_request", "The id_token_hint lacks the sid or sub claim.")
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        client = Client.objects.filter(client_id__in=[a for a in audiences if isinstance(a, str)]).first()
        if client is None:
            raise AuthorizationError("invalid_request", "None of the id_token_hint's audiences is a registered client.")
        if post_logout_redirect_uri:
            if post_logout_redirect_uri not in client.post_logout_redirect_uris.split():
                raise AuthorizationError(
                    "invalid_request", "post_logout_redirect_uri is not registered for the client."
                )
            redirect_to = add_query(post_logout_redirect_uri, state=state or None)
        try:
            sid = uuid.UUID(str(sid))
        except ValueError:
            return BrowserOutcome(redirect_to=redirect_to)
        if remembered_login_session(sid) is None and not LoginSession.objects.filter(pk=sid).exists():
            return BrowserOutcome(redirect_to=redirect_to)
        rp_initiated = True
    challenge = new_secret()
    LogoutRequest.objects.create(
        challenge=challenge,
        subject=subject,
        login_session_id=sid,
        client=client,
        request_url=request_url,
        rp_initiated=rp_initiated,
        post_logout_redirect_uri=redirect_to,
        expires_at=flow_expiry(),
    )
    return BrowserOutcome(redirect_to=logout_url(challenge))


@retrying
def logout_complete(*, verifier: str, session_id: uuid.UUID | None) -> BrowserOutcome:
    """The logout app accepted: end the login session once, tell the clients that asked for it
    (back-channel after the commit; front-channel through the browser), and send the browser on."""
    logout = unique_row(
        LogoutRequest.objects.filter(verifier_hash=secret_digest(verifier), state=LogoutRequest.State.ACCEPTED)
    )
    if logout is None or logout.expires_at <= timezone.now():
        raise AuthorizationError("access_denied", "The logout verifier has already been used or is invalid.")
    claimed = LogoutRequest.objects.filter(pk=logout.pk, state=LogoutRequest.State.ACCEPTED).update(
        state=LogoutRequest.State.USED, verifier_hash=None
    )
    if not claimed:
        raise AuthorizationError("access_denied", "The logout verifier has already been used.")
    outcome = BrowserOutcome(redirect_to=logout.post_logout_redirect_uri, clear_session_cookie=True)
    if not logout.rp_initiated and session_id != logout.login_session_id:
        outcome.clear_session_cookie = False  # not this browser's session: leave it alone
        return outcome
    LoginSession.objects.filter(pk=logout.login_session_id).delete()
    clients = backchannel.announce_after_commit(login_session_id=logout.login_session_id, subject=logout.subject)
    # Front-Channel Logout 1.0 §3: the browser loads each client's page, told whose session ended.
    outcome.frontchannel_logout_urls = [
        add_query(client.frontchannel_logout_uri, iss=issuer(), sid=str(logout.login_session_id))
        for client in clients
        if client.frontchannel_logout_uri
    ]
    return outcome
