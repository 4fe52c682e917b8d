"""Hydra's admin API routes (mounted at the root: every path starts with ``admin/``)."""

from django.urls import include, path

from oauth2_app.api import views

app_name = "oauth2_admin"

# Routes are grouped by their first path segment, so a request walks only its group's patterns.
urlpatterns = [
    path(
        "admin/",
        include(
            [
                path("clients", views.ClientListView.as_view(), name="clients"),
                path("clients/<str:client_id>", views.ClientDetailView.as_view(), name="client"),
                path("clients/<str:client_id>/lifespans", views.ClientLifespansView.as_view(), name="client-lifespans"),
                path("oauth2/auth/requests/login", views.LoginRequestView.as_view(), name="login-request"),
                path("oauth2/auth/requests/login/accept", views.LoginAcceptView.as_view(), name="login-accept"),
                path("oauth2/auth/requests/login/reject", views.LoginRejectView.as_view(), name="login-reject"),
                path("oauth2/auth/requests/consent", views.ConsentRequestView.as_view(), name="consent-request"),
                path("oauth2/auth/requests/consent/accept", views.ConsentAcceptView.as_view(), name="consent-accept"),
                path("oauth2/auth/requests/consent/reject", views.ConsentRejectView.as_view(), name="consent-reject"),
                path("oauth2/auth/requests/logout", views.LogoutRequestView.as_view(), name="logout-request"),
                path("oauth2/auth/requests/logout/accept", views.LogoutAcceptView.as_view(), name="logout-accept"),
                path("oauth2/auth/requests/logout/reject", views.LogoutRejectView.as_view(), name="logout-reject"),
                path("oauth2/auth/sessions/consent", views.ConsentSessionsView.as_view(), name="consent-sessions"),
                path("oauth2/auth/sessions/login", views.LoginSessionsView.as_view(), name="login-sessions"),
                path("oauth2/introspect", views.IntrospectView.as_view(), name="introspect"),
                path("oauth2/tokens", views.TokensView.as_view(), name="tokens"),
                path("keys/<str:key_set>", views.KeySetView.as_view(), name="key-set"),
            ]
        ),
    ),
]
