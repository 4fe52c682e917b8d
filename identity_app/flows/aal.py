"""Authenticator assurance levels (NIST SP 800-63B, as Kratos uses them).

A session is ``aal1`` after a first factor (password, passkey, code, social sign-in) and ``aal2``
once a second factor (TOTP, a lookup code, a security key) completed on top. An identity's
*available* AAL is the highest it could reach with the credentials it has. ``highest_available``
(Kratos' default for ``/sessions/whoami`` and for settings) demands that a session reach it: an
identity with a second factor must use it. See
https://www.ory.sh/docs/kratos/mfa/overview and Kratos' ``session.ManagerHTTP.DoesSessionSatisfy``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from identity_app.factors import available_aal
from identity_app.flows import base
from identity_app.flows.settings import NeedsPrivilegedSession
from identity_app.models import Flow, Session
from identity_app.services.sessions import AAL_ORDER

HIGHEST_AVAILABLE = "highest_available"
REQUIRED_AAL_VALUES = (HIGHEST_AVAILABLE, "aal1")


class SessionAal2Required(NeedsPrivilegedSession):
    """Kratos' ``session_aal2_required``: the session must complete a second factor first.

    A kind of :class:`NeedsPrivilegedSession`, so the settings views send browsers to the aal2
    login exactly as they send them to re-authenticate, and API clients get the 403.
    """

    error_id = "session_aal2_required"
    default_message = "Session does not fulfill the requested Authenticator Assurance Level"

    def __init__(self, redirect_browser_to: str):
        super(NeedsPrivilegedSession, self).__init__(
            reason="An active session was found but it does not fulfill the requested Authenticator Assurance "
            "Level. Please verify yourself with a second factor to resolve this issue.",
            details={"redirect_browser_to": redirect_browser_to},
            extra={"redirect_browser_to": redirect_browser_to},
        )
        self.redirect_browser_to = redirect_browser_to


def satisfies(session: Session, required: str) -> bool:
    """Whether ``session`` meets ``required`` (``aal1`` or ``highest_available``)."""
    if AAL_ORDER.get(session.aal, 0) >= AAL_ORDER["aal2"]:
        return True
    if required == "aal1":
        return AAL_ORDER.get(session.aal, 0) >= AAL_ORDER["aal1"]
    return available_aal(session.identity) != "aal2"


def step_up_url(*, return_to: str = "", login_challenge: str = "") -> str:
    """The browser login flow that raises the current session to aal2, then goes on to ``return_to``."""
    query = {"aal": "aal2"}
    if return_to:
        query["return_to"] = return_to
    if login_challenge:
        query["login_challenge"] = login_challenge
    return f"{settings.PUBLIC_URL}{reverse('identity:login-browser-init')}?{urlencode(query)}"


def require_for_whoami(session: Session) -> None:
    """``/sessions/whoami``: raise :class:`SessionAal2Required` unless the session meets
    ``IDENTITY_MFA_WHOAMI_REQUIRED_AAL``."""
    if not satisfies(session, settings.IDENTITY_MFA_WHOAMI_REQUIRED_AAL):
        raise SessionAal2Required(step_up_url())


def require_for_settings(flow: Flow, session: Session) -> None:
    """Security changes in the settings flow: the session must meet ``IDENTITY_MFA_SETTINGS_REQUIRED_AAL``;
    the browser comes back to the same flow after the second factor."""
    if not satisfies(session, settings.IDENTITY_MFA_SETTINGS_REQUIRED_AAL):
        raise SessionAal2Required(step_up_url(return_to=f"{settings.PUBLIC_URL}{base.flow_ui_url(flow)}"))


def step_up_after_login(session: Session, login_flow: Flow) -> str:
    """After a login: where to send the browser for its second factor, or ``""`` if the session
    already satisfies ``IDENTITY_MFA_WHOAMI_REQUIRED_AAL`` (Kratos' login hook ``checkAAL``)."""
    if satisfies(session, settings.IDENTITY_MFA_WHOAMI_REQUIRED_AAL):
        return ""
    return step_up_url(return_to=login_flow.return_to, login_challenge=login_flow.oauth2_login_challenge)
