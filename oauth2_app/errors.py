"""Domain errors of the OAuth2 provider.

Admin API failures are :class:`~ory_platform.errors.OryError` subclasses (Ory's envelope).
Failures at the browser endpoints are :class:`AuthorizationError`: an RFC 6749 §4.1.2.1 error
sent back to the client's redirect URI when that URI is known to be registered, or shown on an
error page when it is not (never a redirect to an unregistered URI).
"""

from __future__ import annotations

from ory_platform.errors import BadRequest, Conflict, Gone, NotFound


class InvalidClientMetadata(BadRequest):
    """RFC 7591 §3.2.2 ``invalid_client_metadata`` (and ``invalid_redirect_uri``)."""

    error_id = "invalid_client_metadata"
    default_message = (
        "The value of one of the Client Metadata fields is invalid and the server has rejected this request."
    )


class ClientNotFound(NotFound):
    error_id = "not_found"
    default_message = "Unable to locate the resource"


class ClientExists(Conflict):
    error_id = "client_exists"
    default_message = "An OAuth 2.0 client with this id already exists."


class FlowNotFound(NotFound):
    error_id = "not_found"
    default_message = "The requested login, consent, logout or device request could not be found."


class FlowExpired(Gone):
    error_id = "request_expired"
    default_message = "The request has expired, please start over."


class FlowAlreadyUsed(Conflict):
    """The challenge's verifier was already used: the request cannot be handled again."""

    error_id = "request_already_used"
    default_message = "The request has already been used and cannot be handled again."


class FlowAlreadyHandled(Gone):
    """``GET`` of a challenge whose verifier was used: Hydra answers 410 with where to send the browser."""

    error_id = "request_already_handled"
    default_message = "The request has already been handled."

    def __init__(self, redirect_to: str):
        super().__init__()
        self.redirect_to = redirect_to


class UserCodeRefused(BadRequest):
    """A device user code that names no pending device grant, or one too many wrong codes."""

    error_id = "invalid_request"
    default_message = "The user code was not accepted."


class AuthorizationError(Exception):
    """An OAuth 2.0 / OpenID Connect error for the browser (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6)."""

    def __init__(
        self,
        error: str,
        description: str = "",
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        status: int = 400,
    ):
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state
        self.status = status
