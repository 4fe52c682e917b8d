"""Hydra's public routes and the built-in pages (mounted at the root)."""

from django.urls import include, path

from oauth2_app.api import registration
from oauth2_app.views import authorize, endpoints, fallbacks, session

app_name = "oauth2"

# Routes are grouped by their first path segment, so a request walks only its group's patterns.
urlpatterns = [
    path(
        "oauth2/",
        include(
            [
                path("auth", authorize.AuthorizeView.as_view(), name="authorize"),
                path("token", endpoints.TokenView.as_view(), name="token"),
                path("revoke", endpoints.RevokeView.as_view(), name="revoke"),
                path("device/auth", endpoints.DeviceAuthorizationView.as_view(), name="device-authorization"),
                path("device/verify", session.DeviceVerifyView.as_view(), name="device-verify"),
                path("sessions/logout", session.LogoutView.as_view(), name="logout"),
                path("fallbacks/login", fallbacks.LoginFallbackView.as_view(), name="fallback-login"),
                path("fallbacks/consent", fallbacks.ConsentFallbackView.as_view(), name="fallback-consent"),
                path("fallbacks/logout", fallbacks.LogoutFallbackView.as_view(), name="fallback-logout"),
                path("register", registration.DynamicClientsView.as_view(), name="dynamic-clients"),
                path("register/<str:client_id>", registration.DynamicClientView.as_view(), name="dynamic-client"),
            ]
        ),
    ),
    path(
        ".well-known/",
        include(
            [
                path("openid-configuration", endpoints.DiscoveryView.as_view(), name="discovery"),
                path("oauth-authorization-server", endpoints.DiscoveryView.as_view(), name="oauth-metadata"),
                path("jwks.json", endpoints.JwksView.as_view(), name="jwks"),
            ]
        ),
    ),
    path("userinfo", endpoints.UserinfoView.as_view(), name="userinfo"),
]
