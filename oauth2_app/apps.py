from django.apps import AppConfig


class OAuth2AppConfig(AppConfig):
    name = "oauth2_app"
    verbose_name = "OAuth2 and OpenID Connect"

    def ready(self) -> None:
        from identity_app import signals as identity_signals
        from oauth2_app import receivers
        from oauth2_app.api import schema  # noqa: F401  registers the API-key security scheme

        identity_signals.identity_deactivated.connect(
            receivers.identity_gone, dispatch_uid="oauth2_identity_deactivated"
        )
        identity_signals.identity_deleted.connect(receivers.identity_gone, dispatch_uid="oauth2_identity_deleted")
        identity_signals.session_revoked.connect(
            receivers.identity_session_ended, dispatch_uid="oauth2_session_revoked"
        )
