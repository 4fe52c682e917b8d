"""What every self-service flow shares: creating and loading the row, expiry, CSRF, return_to,
reading a submission, and the errors Kratos answers with.

Business steps live in the per-flow modules (``login.py``, ``registration.py`` ...); the HTTP
views only call them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone

from identity_app.flows import ui
from identity_app.models import Flow
from identity_app.representations import identity_json
from ory_platform.db import retrying
from ory_platform.errors import BadRequest, Forbidden, Gone, NotFound, OryError
from ory_platform.queries import db_value, raw_one

# --- Errors Kratos answers flows with ---------------------------------------------------------


class FlowExpired(Gone):
    """The flow timed out; ``use_flow_id`` names its replacement (Kratos' ``selfServiceFlowExpiredError``)."""

    error_id = "self_service_flow_expired"
    default_message = "The requested resource is no longer available"

    def __init__(self, flow: Flow, replacement: Flow):
        ago = (timezone.now() - flow.expires_at).total_seconds() / 60
        super().__init__(
            reason=f"The self-service flow expired {ago:.2f} minutes ago, initialize a new one.",
            extra={
                "use_flow_id": str(replacement.pk),
                "expired_at": _iso(flow.expires_at),
                "since": int((timezone.now() - flow.expires_at).total_seconds() * 1e9),
            },
        )
        self.flow = flow
        self.replacement = replacement


class CsrfViolation(Forbidden):
    error_id = "security_csrf_violation"
    default_message = "A security violation was detected, please fill out all forms using the provided UI."

    def __init__(self):
        super().__init__(
            reason="The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could "
            "cause account takeover, leaking personal information, and other serious security issues."
        )


class SessionAlreadyAvailable(BadRequest):
    error_id = "session_already_available"
    default_message = (
        "A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?"
    )


class ReturnToForbidden(BadRequest):
    error_id = "self_service_flow_return_to_forbidden"
    default_message = "Requested return_to URL is not allowed."


class NoActiveSession(OryError):
    status_code = 401
    error_id = "session_inactive"
    default_message = "request does not have a valid authentication session"

    def __init__(self, reason: str = "No active session was found in this request."):
        super().__init__(reason=reason)


class BrowserLocationChangeRequired(OryError):
    status_code = 422
    error_id = "browser_location_change_required"
    default_message = "browser location change required"

    def __init__(self, redirect_to: str):
        super().__init__(
            reason=f"In order to complete this flow please redirect the browser to: {redirect_to}",
            extra={"redirect_browser_to": redirect_to},
        )


class FlowFailed(Exception):
    """A submission was refused with messages on the flow's UI (a 400 with the flow, or a redirect
    back to the page for browsers). The flow row already holds the messages."""

    def __init__(self, flow: Flow):
        super().__init__(flow.pk)
        self.flow = flow


def _iso(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- Reading requests ------------------------------------------------------------------------


def wants_json(request: HttpRequest) -> bool:
    """Kratos' rule: a request that sends or accepts JSON gets JSON, not redirects."""
    content_type = request.content_type or ""
    accept = request.headers.get("Accept", "")
    return content_type.startswith("application/json") or (
        "application/json" in accept and "text/html" not in accept.split(",")[0]
    )


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"traits.name.first": "Ada"}`` → ``{"traits": {"name": {"first": "Ada"}}}``."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        target = nested
        for part in parts[:-1]:
            existing = target.get(part)
            if not isinstance(existing, dict):
                existing = target[part] = {}
            target = existing
        target[parts[-1]] = value
    return nested


def flatten(values: Any, prefix: str = "") -> dict[str, Any]:
    """The inverse of :func:`_nest`: nested JSON to dotted node names."""
    if not isinstance(values, dict):
        return {prefix: values} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def read_submission(request: HttpRequest) -> dict[str, Any]:
    """A flow submission as nested JSON, whether it came as JSON or as an HTML form post
    (whose dotted field names such as ``traits.email`` are nested)."""
    if (request.content_type or "").startswith("application/json"):
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(reason="The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise BadRequest(reason="The request body must be a JSON object.")
        return body
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form: QueryDict = request.POST
        return _nest({key: form.get(key) for key in form})
    raise BadRequest(
        reason="Submit the flow as application/json or application/x-www-form-urlencoded.",
        error_id="unsupported_media_type",
        status_code=415,
    )


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# --- return_to -------------------------------------------------------------------------------


def _allowed_hosts() -> set[str]:
    hosts = {urlsplit(settings.PUBLIC_URL).netloc.lower()}
    hosts.update(host.lower() for host in settings.IDENTITY_RETURN_TO_ALLOWED_HOSTS)
    return hosts


def validate_return_to(return_to: str | None) -> str:
    """``return_to`` if it is safe to send a browser there: a path on this site or an
    allow-listed host (https, or http only when the platform itself is on http). Else a 400."""
    if not return_to:
        return ""
    if len(return_to) > 2048 or any(ch in return_to for ch in "\r\n\t\\"):
        raise ReturnToForbidden(reason="The return_to URL is malformed.")
    parts = urlsplit(return_to)
    if not parts.scheme and not parts.netloc:
        if return_to.startswith("/") and not return_to.startswith("//"):
            return return_to
        raise ReturnToForbidden(reason="The return_to URL must be absolute or start with a single '/'.")
    allowed_schemes = {"https"} if settings.PUBLIC_URL_IS_HTTPS else {"https", "http"}
    if parts.scheme not in allowed_schemes or parts.netloc.lower() not in _allowed_hosts() or parts.username:
        raise ReturnToForbidden(reason=f"Requested return_to URL {return_to!r} is not allowed.")
    return return_to


def default_return_url() -> str:
    return settings.IDENTITY_DEFAULT_RETURN_URL or reverse("identity:home")


# --- CSRF for browser flows -------------------------------------------------------------------


def csrf_cookie_secret(request: HttpRequest) -> str:
    """The browser's CSRF secret, made (and remembered on the request, so the response sets the
    cookie) if the browser has none."""
    secret = request.COOKIES.get(settings.IDENTITY_CSRF_COOKIE_NAME, "")
    if 32 <= len(secret) <= 128:
        return secret
    secret = getattr(request, "_identity_new_csrf_secret", "")
    if not secret:
        secret = secrets.token_urlsafe(32)
        request._identity_new_csrf_secret = secret
    return secret


def _csrf_token(secret: str, flow_id) -> str:
    digest = hmac.new(secret.encode(), f"flow:{flow_id}".encode(), hashlib.sha256).hexdigest()
    return digest


def csrf_token_for(request: HttpRequest, flow_id) -> str:
    return _csrf_token(csrf_cookie_secret(request), flow_id)


def verify_csrf(request: HttpRequest, flow: Flow, submitted: Any) -> None:
    """Browser flows: the submitted ``csrf_token`` must match this browser's secret for this flow.
    API flows: refuse requests that look like they come from a browser (cookies or Origin)."""
    if flow.type == Flow.Type.API:
        if request.headers.get("Origin"):
            raise BadRequest(
                reason='The HTTP Request Header included the "Origin" key, indicating that this request was made '
                "as part of an AJAX request in a Browser. The flow however was initiated as an API request. "
                "To prevent potential misuse and mitigate several attack vectors including CSRF, the request has "
                "been blocked."
            )
        if request.COOKIES:
            raise BadRequest(
                reason='The HTTP Request Header included the "Cookie" key, indicating that this request was made by '
                "a Browser. The flow however was initiated as an API request. To prevent potential misuse and "
                "mitigate several attack vectors including CSRF, the request has been blocked."
            )
        return
    secret = request.COOKIES.get(settings.IDENTITY_CSRF_COOKIE_NAME, "")
    if not isinstance(submitted, str) or not secret:
        raise CsrfViolation()
    if not hmac.compare_digest(_csrf_token(secret, flow.pk), submitted):
        raise CsrfViolation()


def set_csrf_cookie(request: HttpRequest, response) -> None:
    secret = getattr(request, "_identity_new_csrf_secret", "")
    if secret:
        response.set_cookie(
            settings.IDENTITY_CSRF_COOKIE_NAME,
            secret,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=settings.IDENTITY_COOKIE_SECURE,
            samesite="Lax",
            path="/",
        )


# --- Flow rows -------------------------------------------------------------------------------


def flow_ui_url(flow: Flow) -> str:
    """Where a browser shows this flow: the HTML page for its kind, with ``?flow=<id>``."""
    return f"{reverse(f'identity:{flow.kind}-page')}?{urlencode({'flow': str(flow.pk)})}"


def action_url(kind: str, flow_id) -> str:
    return f"{settings.PUBLIC_URL}{reverse(f'identity:{kind}-submit')}?{urlencode({'flow': str(flow_id)})}"


def new_flow(
    request: HttpRequest,
    *,
    kind: str,
    flow_type: str,
    nodes: list[dict],
    return_to: str = "",
    **fields: Any,
) -> Flow:
    """Build (unsaved) a flow of ``kind`` whose UI holds ``nodes`` plus, for browsers, a CSRF token."""
    now = timezone.now()
    flow = Flow(
        id=uuid.uuid4(),
        kind=kind,
        type=flow_type,
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.IDENTITY_FLOW_LIFESPAN),
        request_url=request.build_absolute_uri()[:2048],
        return_to=return_to,
        **fields,
    )
    csrf = csrf_token_for(request, flow.pk) if flow_type == Flow.Type.BROWSER else ""
    flow.ui = ui.container(action_url(kind, flow.pk), [ui.csrf_node(csrf), *nodes])
    return flow


@retrying
def flow_save(flow: Flow) -> Flow:
    """Store a new flow, or what a step changed on an existing one (its UI, state and method).
    ``internal_context`` is written only by the services that own it (e.g. code attempts)."""
    if flow._state.adding:
        flow.save()
    else:
        flow.save(update_fields=["ui", "state", "active", "updated_at"])
    return flow


def flow_get(flow_id: Any, *, kind: str) -> Flow:
    """The flow of ``kind`` with this id. A missing or malformed id is a 400, an unknown one 404."""
    try:
        parsed = uuid.UUID(str(flow_id))
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(reason="The flow query parameter is missing or malformed.") from None
    flow = raw_one(Flow, "id = %s AND kind = %s", [db_value(Flow, "id", parsed), kind])
    if flow is None:
        raise NotFound(reason=f"The {kind} flow could not be found.")
    return flow


def is_expired(flow: Flow) -> bool:
    return flow.expires_at <= timezone.now()


def public_flow(flow: Flow) -> dict[str, Any]:
    """The flow as Kratos' JSON (LoginFlow, RegistrationFlow, ...)."""
    body: dict[str, Any] = {
        "id": str(flow.pk),
        "type": flow.type,
        "expires_at": _iso(flow.expires_at),
        "issued_at": _iso(flow.issued_at),
        "request_url": flow.request_url,
        "ui": flow.ui,
        "state": flow.state,
    }
    if flow.return_to:
        body["return_to"] = flow.return_to
    if flow.active:
        body["active"] = flow.active
    if flow.kind == Flow.Kind.LOGIN:
        body.update(
            {
                "refresh": flow.refresh,
                "requested_aal": flow.requested_aal,
                "created_at": _iso(flow.created_at or flow.issued_at),
                "updated_at": _iso(flow.updated_at or flow.issued_at),
            }
        )
    if flow.kind in (Flow.Kind.LOGIN, Flow.Kind.REGISTRATION):
        if flow.oauth2_login_challenge:
            body["oauth2_login_challenge"] = flow.oauth2_login_challenge
        if flow.schema_id:
            body["identity_schema"] = flow.schema_id
    if flow.kind == Flow.Kind.SETTINGS and flow.identity is not None:
        body["identity"] = identity_json(flow.identity)
    if flow.transient_payload is not None:
        body["transient_payload"] = flow.transient_payload
    continue_with = getattr(flow, "continue_with", None)
    if continue_with:
        body["continue_with"] = continue_with
    return body
