"""identity_app's URLs: Kratos' public and admin APIs, and the HTML pages."""

from django.urls import include, path

from identity_app import views
from identity_app.api import (
    account_recovery,
    admin_courier,
    admin_identities,
    admin_sessions,
    schemas,
    selfservice,
    sessions,
    settings_views,
    webauthn_script,
)

app_name = "identity"

# Routes are grouped by their first path segment, so a request walks only its group's patterns.
urlpatterns = [
    path(
        "self-service/",
        include(
            [
                path("login/api", selfservice.LoginApiInit.as_view(), name="login-api-init"),
                path("login/browser", selfservice.LoginBrowserInit.as_view(), name="login-browser-init"),
                path("login/flows", selfservice.LoginFlowGet.as_view(), name="login-flow"),
                path("login", selfservice.LoginSubmit.as_view(), name="login-submit"),
                path("registration/api", selfservice.RegistrationApiInit.as_view(), name="registration-api-init"),
                path(
                    "registration/browser",
                    selfservice.RegistrationBrowserInit.as_view(),
                    name="registration-browser-init",
                ),
                path("registration/flows", selfservice.RegistrationFlowGet.as_view(), name="registration-flow"),
                path("registration", selfservice.RegistrationSubmit.as_view(), name="registration-submit"),
                path("settings/api", settings_views.SettingsApiInit.as_view(), name="settings-api-init"),
                path("settings/browser", settings_views.SettingsBrowserInit.as_view(), name="settings-browser-init"),
                path("settings/flows", settings_views.SettingsFlowGet.as_view(), name="settings-flow"),
                path("settings", settings_views.SettingsSubmit.as_view(), name="settings-submit"),
                path("recovery/api", account_recovery.RecoveryApiInit.as_view(), name="recovery-api-init"),
                path("recovery/browser", account_recovery.RecoveryBrowserInit.as_view(), name="recovery-browser-init"),
                path("recovery/flows", account_recovery.RecoveryFlowGet.as_view(), name="recovery-flow"),
                path("recovery", account_recovery.RecoverySubmit.as_view(), name="recovery-submit"),
                path(
                    "verification/api",
                    account_recovery.VerificationApiInit.as_view(),
                    name="verification-api-init",
                ),
                path(
                    "verification/browser",
                    account_recovery.VerificationBrowserInit.as_view(),
                    name="verification-browser-init",
                ),
                path("verification/flows", account_recovery.VerificationFlowGet.as_view(), name="verification-flow"),
                path("verification", account_recovery.VerificationSubmit.as_view(), name="verification-submit"),
                path("errors", admin_courier.FlowErrorView.as_view(), name="flow-error"),
                path("logout/browser", sessions.LogoutBrowserInit.as_view(), name="logout-browser-init"),
                path("logout/api", sessions.LogoutApi.as_view(), name="logout-api"),
                path("logout", sessions.Logout.as_view(), name="logout"),
            ]
        ),
    ),
    path(
        "sessions/",
        include(
            [
                path("whoami", sessions.WhoAmI.as_view(), name="whoami"),
                path("<str:session_id>", sessions.MySession.as_view(), name="my-session"),
            ]
        ),
    ),
    path(
        "schemas/",
        include(
            [
                path("<str:schema_id>", schemas.SchemaItem.as_view(), name="schema"),
            ]
        ),
    ),
    path(
        "admin/",
        include(
            [
                path("identities", admin_identities.IdentityCollection.as_view(), name="admin-identities"),
                path(
                    "identities/by/external/<str:external_id>",
                    admin_identities.IdentityByExternalId.as_view(),
                    name="admin-identity-by-external-id",
                ),
                path("identities/<str:identity_id>", admin_identities.IdentityItem.as_view(), name="admin-identity"),
                path(
                    "identities/<str:identity_id>/credentials/<str:credential_type>",
                    admin_identities.IdentityCredentials.as_view(),
                    name="admin-identity-credentials",
                ),
                path(
                    "identities/<str:identity_id>/sessions",
                    admin_sessions.IdentitySessions.as_view(),
                    name="admin-identity-sessions",
                ),
                path("sessions", admin_sessions.SessionCollection.as_view(), name="admin-sessions"),
                path("recovery/code", account_recovery.AdminRecoveryCode.as_view(), name="admin-recovery-code"),
                path("recovery/link", account_recovery.AdminRecoveryLink.as_view(), name="admin-recovery-link"),
                path("courier/messages", admin_courier.CourierMessages.as_view(), name="admin-courier-messages"),
                path(
                    "courier/messages/<str:message_id>",
                    admin_courier.CourierMessageItem.as_view(),
                    name="admin-courier-message",
                ),
                path("sessions/<str:session_id>", admin_sessions.SessionItem.as_view(), name="admin-session"),
                path(
                    "sessions/<str:session_id>/extend",
                    admin_sessions.SessionExtend.as_view(),
                    name="admin-session-extend",
                ),
            ]
        ),
    ),
    path(".well-known/ory/webauthn.js", webauthn_script.webauthn_javascript, name="webauthn-js"),
    path("sessions", sessions.MySessions.as_view(), name="my-sessions"),
    path("schemas", schemas.SchemaCollection.as_view(), name="schemas"),
    path("", views.home, name="home"),
    path("login", views.login_page, name="login-page"),
    path("registration", views.registration_page, name="registration-page"),
    path("settings", views.settings_page, name="settings-page"),
    path("recovery", views.recovery_page, name="recovery-page"),
    path("verification", views.verification_page, name="verification-page"),
    path("error", views.error_page, name="error-page"),
    path("logout", views.logout_page, name="logout-page"),
]
