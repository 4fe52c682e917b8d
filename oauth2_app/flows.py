"""Shared pieces of the login/consent protocol: secrets, browser binding, login-session cookies,
redirect URLs and the rules that decide whether login or consent may be skipped."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.shortcuts import resolve_url
from django.utils import timezone

from oauth2_app.errors import AuthorizationError, FlowExpired, FlowNotFound
from oauth2_app.models import AuthorizationFlow, FlowState, LoginSession
from oauth2_app.server import add_query, issuer
from ory_platform.queries import unique_row

BROWSER_COOKIE = "ory_oauth2_browser"
SESSION_COOKIE = "ory_oauth2_authentication_session"
_SESSION_SALT = "oauth2_app.login_session"


def new_secret() -> str:
    """A 256-bit challenge or verifier."""
    return secrets.token_urlsafe(32)


def secret_digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def browser_digest(browser_id: str | None) -> str:
    return secret_digest(f"browser:{browser_id or ''}")


@dataclass
class BrowserOutcome:
    """Where to send the browser next, and what to do with its login-session cookie."""

    redirect_to: str
    session_cookie: str | None = None  # signed login session id to set
    session_cookie_max_age: int | None = None
    clear_session_cookie: bool = False
    error: AuthorizationError | None = None  # an error to report after the transaction committed
    context: dict = field(default_factory=dict)
    frontchannel_logout_urls: list[str] = field(default_factory=list)  # iframes to load before redirect_to


def sign_session_id(session_id: uuid.UUID) -> str:
    return signing.dumps(str(session_id), salt=_SESSION_SALT, compress=False)


def unsign_session_id(cookie: str | None) -> uuid.UUID | None:
    if not cookie:
        return None
    try:
        return uuid.UUID(signing.loads(cookie, salt=_SESSION_SALT, max_age=settings.OAUTH2_LOGIN_SESSION_LIFESPAN))
    except (signing.BadSignature, ValueError):
        return None


def remembered_login_session(session_id: uuid.UUID | None) -> LoginSession | None:
    """The remembered, unexpired login session a browser's cookie names (Hydra's GetRememberedLoginSession)."""
    if session_id is None:
        return None
    return unique_row(LoginSession.objects.filter(pk=session_id, remember=True, expires_at__gt=timezone.now()))


def configured_url(setting_value: str) -> str:
    """A login/consent/logout URL setting (URL name, path or absolute URL) as an absolute URL."""
    url = resolve_url(setting_value)
    return url if "://" in url else issuer().rstrip("/") + url


def login_url(challenge: str) -> str:
    return add_query(configured_url(settings.OAUTH2_LOGIN_URL), login_challenge=challenge)


def consent_url(challenge: str) -> str:
    return add_query(configured_url(settings.OAUTH2_CONSENT_URL), consent_challenge=challenge)


def logout_url(challenge: str) -> str:
    return add_query(configured_url(settings.OAUTH2_LOGOUT_URL), logout_challenge=challenge)


def flow_expiry():
    return timezone.now() + timedelta(seconds=settings.OAUTH2_FLOW_LIFESPAN)


def error_redirect(flow: AuthorizationFlow, error: str, description: str = "") -> AuthorizationError:
    """An error to send to the flow's (validated, registered) redirect URI."""
    return AuthorizationError(error, description, redirect_uri=flow.redirect_uri or None, state=flow.client_state)


def get_flow(**lookup) -> AuthorizationFlow:
    flow = unique_row(AuthorizationFlow.objects.select_related("client").filter(**lookup))
    if flow is None:
        raise FlowNotFound()
    if flow.expires_at <= timezone.now():
        raise FlowExpired()
    return flow


def consent_can_be_skipped(flow: AuthorizationFlow) -> bool:
    """Hydra's rule: a remembered, unexpired, unrevoked consent of this subject for this client
    that granted every requested scope (and audience) lets the consent app skip its screen.
    ``prompt=consent`` and device flows always ask again."""
    if "consent" in flow.prompt.split() or flow.kind == AuthorizationFlow.Kind.DEVICE:
        return False
    redirect = flow.redirect_uri
    if flow.client.is_public and not (
        redirect.startswith("https://") or redirect.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
    ):
        return False
    now = timezone.now()
    previous = (
        AuthorizationFlow.objects.filter(
            client=flow.client,
            subject=flow.subject,
            state=FlowState.CONSENT_USED,
            consent_remember=True,
            consent_error__isnull=True,
            consent_revoked_at__isnull=True,
        )
        .exclude(pk=flow.pk)
        .order_by("-consent_handled_at")
    )
    for candidate in previous[:20]:
        remember_for = candidate.consent_remember_for or 0
        if remember_for and candidate.consent_handled_at + timedelta(seconds=remember_for) <= now:
            continue
        # The most recent remembered consent decides.
        return set(flow.requested_scope) <= set(candidate.granted_scope) and set(flow.requested_audience) <= set(
            candidate.granted_audience
        )
    return False
