"""identity_app's URLs: Kratos' public and admin APIs, and the HTML pages."""

from django.urls import path

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

urlpatterns = [
    # --- Self-service (Kratos public API) ---
    path("self-service/login/api", selfservice.LoginApiInit.as_view(), name="login-api-init"),
    path("self-service/login/browser", selfservice.LoginBrowserInit.as_view(), name="login-browser-init"),
    path("self-service/login/flows", selfservice.LoginFlowGet.as_view(), name="login-flow"),
    path("self-service/login", selfservice.LoginSubmit.as_view(), name="login-submit"),
    path("self-service/registration/api", selfservice.RegistrationApiInit.as_view(), name="registration-api-init"),
    path(
        "self-service/registration/browser",
        selfservice.RegistrationBrowserInit.as_view(),
        name="registration-browser-init",
    ),
    path("self-service/registration/flows", selfservice.RegistrationFlowGet.as_view(), name="registration-flow"),
    path("self-service/registration", selfservice.RegistrationSubmit.as_view(), name="registration-submit"),
    path("self-service/settings/api", settings_views.SettingsApiInit.as_view(), name="settings-api-init"),
    path("self-service/settings/browser", settings_views.SettingsBrowserInit.as_view(), name="settings-browser-init"),
    path("self-service/settings/flows", settings_views.SettingsFlowGet.as_view(), name="settings-flow"),
    path("self-service/settings", settings_views.SettingsSubmit.as_view(), name="settings-submit"),
    path("self-service/recovery/api", account_recovery.RecoveryApiInit.as_view(), name="recovery-api-init"),
    path("self-service/recovery/browser", account_recovery.RecoveryBrowserInit.as_view(), name="recovery-browser-init"),
    path("self-service/recovery/flows", account_recovery.RecoveryFlowGet.as_view(), name="recovery-flow"),
    path("self-service/recovery", account_recovery.RecoverySubmit.as_view(), name="recovery-submit"),
    path(
        "self-service/verification/api",
        account_recovery.VerificationApiInit.as_view(),
        name="verification-api-init",
    ),
    path(
        "self-service/verification/browser",
        account_recovery.VerificationBrowserInit.as_view(),
        name="verification-browser-init",
    ),
    path("self-service/verification/flows", account_recovery.VerificationFlowGet.as_view(), name="verification-flow"),
    path("self-service/verification", account_recovery.VerificationSubmit.as_view(), name="verification-submit"),
    path("self-service/errors", admin_courier.FlowErrorView.as_view(), name="flow-error"),
    path("self-service/logout/browser", sessions.LogoutBrowserInit.as_view(), name="logout-browser-init"),
    path("self-service/logout/api", sessions.LogoutApi.as_view(), name="logout-api"),
    path("self-service/logout", sessions.Logout.as_view(), name="logout"),
    path(".well-known/ory/webauthn.js", webauthn_script.webauthn_javascript, name="webauthn-js"),
    # --- Sessions ---
    path("sessions/whoami", sessions.WhoAmI.as_view(), name="whoami"),
    path("sessions", sessions.MySessions.as_view(), name="my-sessions"),
    path("sessions/<str:session_id>", sessions.MySession.as_view(), name="my-session"),
    # --- Identity schemas ---
    path("schemas", schemas.SchemaCollection.as_view(), name="schemas"),
    path("schemas/<str:schema_id>", schemas.SchemaItem.as_view(), name="schema"),
    # --- Admin API (API key) ---
    path("admin/identities", admin_identities.IdentityCollection.as_view(), name="admin-identities"),
    path(
        "admin/identities/by/external/<str:external_id>",
        admin_identities.IdentityByExternalId.as_view(),
        name="admin-identity-by-external-id",
    ),
    path("admin/identities/<str:identity_id>", admin_identities.IdentityItem.as_view(), name="admin-identity"),
    path(
        "admin/identities/<str:identity_id>/sessions",
        admin_sessions.IdentitySessions.as_view(),
        name="admin-identity-sessions",
    ),
    path("admin/sessions", admin_sessions.SessionCollection.as_view(), name="admin-sessions"),
    path("admin/recovery/code", account_recovery.AdminRecoveryCode.as_view(), name="admin-recovery-code"),
    path("admin/recovery/link", account_recovery.AdminRecoveryLink.as_view(), name="admin-recovery-link"),
    path("admin/courier/messages", admin_courier.CourierMessages.as_view(), name="admin-courier-messages"),
    path(
        "admin/courier/messages/<str:message_id>",
        admin_courier.CourierMessageItem.as_view(),
        name="admin-courier-message",
    ),
    path("admin/sessions/<str:session_id>", admin_sessions.SessionItem.as_view(), name="admin-session"),
    path("admin/sessions/<str:session_id>/extend", admin_sessions.SessionExtend.as_view(), name="admin-session-extend"),
    # --- HTML pages ---
    path("", views.home, name="home"),
    path("login", views.login_page, name="login-page"),
    path("registration", views.registration_page, name="registration-page"),
    path("settings", views.settings_page, name="settings-page"),
    path("recovery", views.recovery_page, name="recovery-page"),
    path("verification", views.verification_page, name="verification-page"),
    path("error", views.error_page, name="error-page"),
    path("logout", views.logout_page, name="logout-page"),
]
