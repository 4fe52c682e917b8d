"""Hydra's public routes and the built-in pages (mounted at the root)."""

from django.urls import path

from oauth2_app.views import authorize, endpoints, fallbacks, session

app_name = "oauth2"

urlpatterns = [
    path("oauth2/auth", authorize.AuthorizeView.as_view(), name="authorize"),
    path("oauth2/token", endpoints.TokenView.as_view(), name="token"),
    path("oauth2/revoke", endpoints.RevokeView.as_view(), name="revoke"),
    path("oauth2/device/auth", endpoints.DeviceAuthorizationView.as_view(), name="device-authorization"),
    path("oauth2/device/verify", session.DeviceVerifyView.as_view(), name="device-verify"),
    path("oauth2/sessions/logout", session.LogoutView.as_view(), name="logout"),
    path("userinfo", endpoints.UserinfoView.as_view(), name="userinfo"),
    path(".well-known/openid-configuration", endpoints.DiscoveryView.as_view(), name="discovery"),
    path(".well-known/oauth-authorization-server", endpoints.DiscoveryView.as_view(), name="oauth-metadata"),
    path(".well-known/jwks.json", endpoints.JwksView.as_view(), name="jwks"),
    path("oauth2/fallbacks/login", fallbacks.LoginFallbackView.as_view(), name="fallback-login"),
    path("oauth2/fallbacks/consent", fallbacks.ConsentFallbackView.as_view(), name="fallback-consent"),
    path("oauth2/fallbacks/logout", fallbacks.LogoutFallbackView.as_view(), name="fallback-logout"),
]
