"""The browser's side of the login/consent protocol (Hydra's ``consent/strategy_default.go``).

``/oauth2/auth`` (and the device verification page) call these in turn: start a flow and send
the browser to the login app; verify the login verifier and send it to the consent app; verify
the consent verifier and issue the authorization code (or approve the device). Each is one
transaction; the verifier is claimed with a conditional update, so it works once.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from jwcrypto import jwt

from oauth2_app import keys
from oauth2_app.errors import AuthorizationError
from oauth2_app.flows import (
    BrowserOutcome,
    browser_digest,
    consent_can_be_skipped,
    consent_url,
    error_redirect,
    flow_expiry,
    login_url,
    new_secret,
    remembered_login_session,
    secret_digest,
    sign_session_id,
)
from oauth2_app.models import AuthorizationFlow, Client, DeviceGrant, FlowState, LoginSession
from oauth2_app.server import issuer
from ory_platform.db import retrying
from ory_platform.queries import unique_row


def id_token_hint_claims(hint: str) -> dict:
    """Claims of an ID token we issued, verified by signature (expired tokens are fine, OIDC Core §3.1.2.1)."""
    try:
        from jwcrypto import jws

        header = jws.JWS()
        header.deserialize(hint)
        key = keys.public_key_for(header.jose_header.get("kid", ""))
        if key is None:
            raise ValueError("unknown key")
        token = jwt.JWT(key=key, jwt=hint, check_claims={})
        claims = json.loads(token.claims)
    except Exception as error:
        raise AuthorizationError(
            "invalid_request", "The id_token_hint is not a valid ID token of this server."
        ) from error
    if claims.get("iss") != issuer():
        raise AuthorizationError("invalid_request", "The id_token_hint was issued by another server.")
    return claims


@retrying
def authorization_flow_start(
    *,
    client: Client,
    request_url: str,
    redirect_uri: str,
    client_state: str,
    scopes: list[str],
    audience: list[str],
    prompt: str,
    max_age: int | None,
    oidc_context: dict,
    id_token_hint_subject: str | None,
    browser_id: str,
    session_id: uuid.UUID | None,
    kind: str = AuthorizationFlow.Kind.AUTHORIZATION,
    device_grant: DeviceGrant | None = None,
) -> BrowserOutcome:
    """Record a validated authorization request and send the browser to the login app.

    A remembered login session makes the login request ``skip: true`` with its subject, unless
    ``prompt`` asks for a new login or ``max_age`` has passed (OIDC Core §3.1.2.1).
    """
    prompts = set(prompt.split())
    session = None if prompts & {"login", "select_account"} else remembered_login_session(session_id)
    now = timezone.now()
    if session is not None and max_age is not None and session.authenticated_at + timedelta(seconds=max_age) < now:
        if "none" in prompts:
            raise AuthorizationError(
                "login_required",
                "The authentication is older than max_age.",
                redirect_uri=redirect_uri,
                state=client_state,
            )
        session = None
    if session is not None and id_token_hint_subject and id_token_hint_subject != session.subject:
        raise AuthorizationError(
            "login_required",
            "The id_token_hint does not match the signed-in user.",
            redirect_uri=redirect_uri,
            state=client_state,
        )
    if "none" in prompts and session is None:
        raise AuthorizationError(
            "login_required",
            "Prompt 'none' was requested, but no login session exists.",
            redirect_uri=redirect_uri,
            state=client_state,
        )
    challenge = new_secret()
    flow = AuthorizationFlow.objects.create(
        kind=kind,
        client=client,
        request_url=request_url,
        redirect_uri=redirect_uri,
        client_state=client_state or "",
        requested_scope=list(scopes),
        requested_audience=list(audience),
        oidc_context=oidc_context,
        prompt=prompt,
        max_age=max_age,
        browser_hash=browser_digest(browser_id),
        expires_at=flow_expiry(),
        login_challenge=challenge,
        login_skip=session is not None,
        login_session_id=session.pk if session else uuid.uuid4(),
        subject=session.subject if session else "",
        authenticated_at=session.authenticated_at if session else None,
    )
    if device_grant is not None:
        DeviceGrant.objects.filter(pk=device_grant.pk).update(flow=flow)
    return BrowserOutcome(redirect_to=login_url(challenge))


def _claim_verifier(*, field: str, verifier: str, states: tuple, new_state) -> AuthorizationFlow | None:
    flow = unique_row(AuthorizationFlow.objects.select_related("client").filter(**{field: secret_digest(verifier)}))
    if flow is None or flow.state not in states:
        return None
    claimed = AuthorizationFlow.objects.filter(pk=flow.pk, state=flow.state).update(
        state=new_state(flow.state), **{field: None}
    )
    return flow if claimed else None


def _checked_flow(flow: AuthorizationFlow | None, *, what: str, browser_id: str | None, client_id: str | None):
    """Errors of a verifier that was presented: unknown ones raise (nothing was written), the
    others are returned so the claim that burnt the verifier still commits."""
    if flow is None:
        raise AuthorizationError(
            "access_denied", f"The {what} verifier has already been used, has not been granted, or is invalid."
        )
    if client_id is not None and flow.client.client_id != client_id:
        return error_redirect(flow, "invalid_client", "The flow does not belong to this client.")
    if flow.expires_at <= timezone.now():
        return error_redirect(flow, "access_denied", f"The {what} request has expired, please try again.")
    if flow.browser_hash != browser_digest(browser_id):
        return error_redirect(flow, "access_denied", f"The {what} was completed in another browser.")
    rejection = flow.login_error if what == "login" else flow.consent_error
    if rejection:
        return error_redirect(flow, rejection.get("error") or "access_denied", _error_text(rejection))
    return None


@retrying
def login_verifier_redeem(*, verifier: str, browser_id: str | None, client_id: str | None) -> BrowserOutcome:
    """The browser is back from the login app: check the verifier once, confirm the login
    session, and send the browser to the consent app (Hydra's verifyAuthentication + requestConsent)."""
    flow = _claim_verifier(
        field="login_verifier_hash",
        verifier=verifier,
        states=(FlowState.LOGIN_UNUSED, FlowState.LOGIN_ERROR),
        new_state=lambda state: FlowState.LOGIN_USED if state == FlowState.LOGIN_UNUSED else state,
    )
    error = _checked_flow(flow, what="login", browser_id=browser_id, client_id=client_id)
    if error is not None:
        if flow.kind == AuthorizationFlow.Kind.DEVICE:
            DeviceGrant.objects.filter(flow=flow, status=DeviceGrant.AUTHORIZATION_PENDING).update(
                status=DeviceGrant.DENIED
            )
        return BrowserOutcome(redirect_to="", error=error)
    outcome = BrowserOutcome(redirect_to="")
    now = timezone.now()
    lifespan = settings.OAUTH2_LOGIN_SESSION_LIFESPAN
    remember_for = min(flow.login_remember_for or lifespan, lifespan)
    if not flow.login_skip:
        LoginSession.objects.update_or_create(
            pk=flow.login_session_id,
            defaults={
                "subject": flow.subject,
                "authenticated_at": flow.authenticated_at or now,
                "remember": flow.login_remember,
                "expires_at": now + timedelta(seconds=remember_for),
                "identity_provider_session_id": flow.identity_provider_session_id,
            },
        )
        if flow.login_remember:
            outcome.session_cookie = sign_session_id(flow.login_session_id)
            outcome.session_cookie_max_age = remember_for
        else:
            outcome.clear_session_cookie = True
    elif flow.login_extend_session_lifespan:
        LoginSession.objects.filter(pk=flow.login_session_id).update(expires_at=now + timedelta(seconds=remember_for))
        outcome.session_cookie = sign_session_id(flow.login_session_id)
        outcome.session_cookie_max_age = remember_for
    skip = consent_can_be_skipped(flow)
    if "none" in flow.prompt.split() and not skip:
        outcome.error = error_redirect(
            flow, "consent_required", "Prompt 'none' was requested, but no previous consent was found."
        )
        return outcome
    challenge = new_secret()
    AuthorizationFlow.objects.filter(pk=flow.pk).update(
        state=FlowState.CONSENT_INITIALIZED, consent_challenge=challenge, consent_skip=skip
    )
    outcome.redirect_to = consent_url(challenge)
    return outcome


def _error_text(error: dict) -> str:
    parts = [error.get("error_description") or "", error.get("error_hint") or ""]
    return " ".join(part for part in parts if part).strip()


def consent_verifier_claim(
    *, verifier: str, browser_id: str | None, client_id: str | None
) -> tuple[AuthorizationFlow, AuthorizationError | None]:
    """Inside a transaction: claim the consent verifier once; returns the flow and any error."""
    flow = _claim_verifier(
        field="consent_verifier_hash",
        verifier=verifier,
        states=(FlowState.CONSENT_UNUSED, FlowState.CONSENT_ERROR),
        new_state=lambda state: FlowState.CONSENT_USED if state == FlowState.CONSENT_UNUSED else state,
    )
    return flow, _checked_flow(flow, what="consent", browser_id=browser_id, client_id=client_id)


@retrying
def device_flow_complete(*, verifier: str, browser_id: str | None) -> tuple[AuthorizationFlow, bool]:
    """The browser is back from the consent app for a device flow: approve or deny the device
    (RFC 8628 §3.3). Returns the flow and whether the device was approved."""
    flow, error = consent_verifier_claim(verifier=verifier, browser_id=browser_id, client_id=None)
    pending = DeviceGrant.objects.filter(flow=flow, status=DeviceGrant.AUTHORIZATION_PENDING)
    if error is not None:
        pending.update(status=DeviceGrant.DENIED)
        return flow, False
    approved = pending.update(
        status=DeviceGrant.AUTHORIZED,
        subject=flow.subject,
        user=_identity_or_none(flow.subject),
        scope=" ".join(flow.granted_scope),
        audience=list(flow.granted_audience),
    )
    return flow, bool(approved)


def _identity_or_none(subject: str):
    from oauth2_app.claims import identity_for_subject

    return identity_for_subject(subject)


@retrying
def authorization_code_issue(*, verifier: str, browser_id: str | None, client_id: str | None) -> BrowserOutcome:
    """The browser is back from the consent app: claim the consent verifier once and let oauthlib
    issue the authorization code for the granted scopes (RFC 6749 §4.1.2), with ``iss`` (RFC 9207)."""
    from oauthlib.oauth2.rfc6749.errors import FatalClientError

    from oauth2_app.server import add_query, oauthlib_core

    flow, error = consent_verifier_claim(verifier=verifier, browser_id=browser_id, client_id=client_id)
    if error is not None:
        return BrowserOutcome(redirect_to="", error=error)
    credentials = {
        "user": _identity_or_none(flow.subject),
        "subject": flow.subject,
        "authorization_flow": flow,
    }
    try:
        headers, _body, _status = oauthlib_core().server.create_authorization_response(
            uri=flow.request_url,
            http_method="GET",
            headers={},
            scopes=list(flow.granted_scope),
            credentials=credentials,
        )
    except FatalClientError as fatal:
        raise AuthorizationError(fatal.error, fatal.description) from fatal
    return BrowserOutcome(redirect_to=add_query(headers["Location"], iss=issuer()))
