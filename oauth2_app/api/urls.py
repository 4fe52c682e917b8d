"""Hydra's admin API routes (mounted at the root: every path starts with ``admin/``)."""

from django.urls import include, path

from oauth2_app.api import views

app_name = "oauth2_admin"

# Grouped by path segment, so a request is matched against its group's patterns only;
# introspection first, since resource servers call it on every request they serve.
login_consent_logout = [
    path("requests/login", views.LoginRequestView.as_view(), name="login-request"),
    path("requests/login/accept", views.LoginAcceptView.as_view(), name="login-accept"),
    path("requests/login/reject", views.LoginRejectView.as_view(), name="login-reject"),
    path("requests/consent", views.ConsentRequestView.as_view(), name="consent-request"),
    path("requests/consent/accept", views.ConsentAcceptView.as_view(), name="consent-accept"),
    path("requests/consent/reject", views.ConsentRejectView.as_view(), name="consent-reject"),
    path("requests/logout", views.LogoutRequestView.as_view(), name="logout-request"),
    path("requests/logout/accept", views.LogoutAcceptView.as_view(), name="logout-accept"),
    path("requests/logout/reject", views.LogoutRejectView.as_view(), name="logout-reject"),
    path("requests/device/accept", views.DeviceUserCodeAcceptView.as_view(), name="device-accept"),
    path("sessions/consent", views.ConsentSessionsView.as_view(), name="consent-sessions"),
    path("sessions/login", views.LoginSessionsView.as_view(), name="login-sessions"),
]

admin_api = [
    path("oauth2/introspect", views.IntrospectView.as_view(), name="introspect"),
    path("oauth2/tokens", views.TokensView.as_view(), name="tokens"),
    path("oauth2/auth/", include(login_consent_logout)),
    path("clients", views.ClientListView.as_view(), name="clients"),
    path("clients/<str:client_id>", views.ClientDetailView.as_view(), name="client"),
    path("clients/<str:client_id>/lifespans", views.ClientLifespansView.as_view(), name="client-lifespans"),
    path("keys/<str:key_set>", views.KeySetView.as_view(), name="key-set"),
]

urlpatterns = [path("admin/", include(admin_api))]
