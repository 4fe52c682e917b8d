"""The browser's side of the device authorization grant (RFC 8628 §3.3) before login and consent:
finding the device grant a user code names, on the built-in page or through an external device
UI with Hydra's ``device_challenge`` protocol.

With ``OAUTH2_DEVICE_VERIFICATION_URL`` set, ``/oauth2/device/verify`` creates a challenge bound to
the browser and sends the browser to that UI; the UI accepts the user code through
``PUT /admin/oauth2/auth/requests/device/accept`` and sends the browser back with a single-use
device verifier, which starts the same login and consent flow as the built-in page.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from oauth2_app.errors import AuthorizationError, FlowAlreadyUsed, FlowExpired, FlowNotFound, UserCodeRefused
from oauth2_app.flows import BrowserOutcome, browser_digest, configured_url, flow_expiry, new_secret, secret_digest
from oauth2_app.models import Client, DeviceGrant, DeviceVerification
from oauth2_app.server import add_query, issuer_url
from oauth2_app.services.authorization import authorization_flow_start
from ory_platform.db import retrying
from ory_platform.queries import unique_row

_OPEN = (DeviceVerification.State.PENDING, DeviceVerification.State.ACCEPTED)


def normalize_user_code(value: str) -> str:
    """People type codes with dashes, spaces and in lower case; the generator uses 0-9A-V."""
    return re.sub(r"[\s-]", "", value).upper()


def pending_grant(user_code: str) -> DeviceGrant | None:
    """The unexpired device grant waiting for approval that ``user_code`` names."""
    if not user_code:
        return None
    return (
        DeviceGrant.objects.filter(
            user_code=user_code,
            status=DeviceGrant.AUTHORIZATION_PENDING,
            expires__gt=timezone.now(),
            flow__isnull=True,
        )
        .order_by("-expires")
        .first()
    )


@retrying
def device_flow_start(*, grant: DeviceGrant, browser_id: str, session_id, request_url: str) -> BrowserOutcome:
    """Send the browser to log in (and then consent) for ``grant``."""
    return authorization_flow_start(
        client=Client.objects.get(client_id=grant.client_id),
        request_url=request_url,
        redirect_uri="",
        client_state="",
        scopes=grant.scope.split(),
        audience=list(grant.audience or []),
        prompt="",
        max_age=None,
        oidc_context={},
        id_token_hint_subject=None,
        browser_id=browser_id,
        session_id=session_id,
        kind="device",
        device_grant=grant,
    )


@retrying
def device_verification_start(*, browser_id: str, user_code: str = "") -> str:
    """A challenge for this browser; returns the external device UI's URL carrying it (and the
    user code from ``verification_uri_complete``, as Hydra passes it on)."""
    challenge = new_secret()
    DeviceVerification.objects.create(
        challenge=challenge, browser_hash=browser_digest(browser_id), expires_at=flow_expiry()
    )
    return add_query(
        configured_url(settings.OAUTH2_DEVICE_VERIFICATION_URL),
        device_challenge=challenge,
        user_code=user_code.strip() or None,
    )


def device_user_code_accept(*, challenge: str, user_code: str) -> str:
    """The device UI names the user code for ``challenge``; returns where to send the browser (with
    the device verifier). Accepting again before the browser came back issues a fresh verifier.
    A wrong code is counted (the count commits) and answered with ``invalid_request``."""
    redirect_to, refusal = _accept(challenge=challenge, user_code=normalize_user_code(user_code))
    if refusal:
        raise UserCodeRefused(reason=refusal)
    return redirect_to


@retrying
def _accept(*, challenge: str, user_code: str) -> tuple[str, str]:
    verification = unique_row(DeviceVerification.objects.filter(challenge=challenge))
    if verification is None:
        raise FlowNotFound()
    if verification.expires_at <= timezone.now():
        raise FlowExpired()
    if verification.state not in _OPEN:
        raise FlowAlreadyUsed()
    if verification.failed_attempts >= settings.OAUTH2_DEVICE_VERIFY_ATTEMPTS:
        return "", "Too many wrong user codes were entered for this request; start again on the device."
    grant = pending_grant(user_code)
    if grant is None:
        DeviceVerification.objects.filter(pk=verification.pk).update(failed_attempts=F("failed_attempts") + 1)
        return "", "The user code is not valid or has expired."
    verifier = new_secret()
    accepted = DeviceVerification.objects.filter(pk=verification.pk, state__in=_OPEN).update(
        state=DeviceVerification.State.ACCEPTED, verifier_hash=secret_digest(verifier), device_grant=grant
    )
    if not accepted:
        raise FlowAlreadyUsed()
    verify_url = issuer_url(reverse("oauth2:device-verify"))
    return add_query(verify_url, device_verifier=verifier, client_id=grant.client_id), ""


@retrying
def device_verifier_redeem(*, verifier: str, browser_id: str, session_id, request_url: str) -> BrowserOutcome:
    """The browser is back from the device UI: use the verifier once, in the browser the challenge
    was issued to, and start login and consent for the grant its user code named."""
    verification = unique_row(
        DeviceVerification.objects.select_related("device_grant").filter(verifier_hash=secret_digest(verifier))
    )
    claimed = verification is not None and DeviceVerification.objects.filter(
        pk=verification.pk, state=DeviceVerification.State.ACCEPTED
    ).update(state=DeviceVerification.State.USED, verifier_hash=None)
    if not claimed:
        raise AuthorizationError("access_denied", "The device verifier has already been used or is invalid.")
    if verification.expires_at <= timezone.now():
        return BrowserOutcome(redirect_to="", error=_denied("The device request has expired, please start again."))
    if verification.browser_hash != browser_digest(browser_id):
        return BrowserOutcome(redirect_to="", error=_denied("The user code was entered in another browser."))
    grant = pending_grant(verification.device_grant.user_code) if verification.device_grant else None
    if grant is None or grant.pk != verification.device_grant_id:
        return BrowserOutcome(redirect_to="", error=_denied("The user code is no longer valid."))
    return device_flow_start(grant=grant, browser_id=browser_id, session_id=session_id, request_url=request_url)


def _denied(description: str) -> AuthorizationError:
    return AuthorizationError("access_denied", description)
