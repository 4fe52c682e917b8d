"""OAuth2 data: clients, codes and tokens (django-oauth-toolkit's swappable models), the login and
consent flows, login sessions, logout requests and signing keys."""

from oauth2_app.models.clients import Client
from oauth2_app.models.flows import (
    AuthorizationFlow,
    ConsentSession,
    DeviceVerification,
    FlowState,
    LoginSession,
    LogoutRequest,
)
from oauth2_app.models.keys import SigningKey
from oauth2_app.models.tokens import AccessToken, AuthorizationCode, DeviceGrant, IDToken, RefreshToken

__all__ = [
    "AccessToken",
    "AuthorizationCode",
    "AuthorizationFlow",
    "Client",
    "ConsentSession",
    "DeviceGrant",
    "DeviceVerification",
    "FlowState",
    "IDToken",
    "LoginSession",
    "LogoutRequest",
    "RefreshToken",
    "SigningKey",
]
