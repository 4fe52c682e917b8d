from django.apps import AppConfig


class IdentityAppConfig(AppConfig):
    name = "identity_app"
    verbose_name = "Identities"

    def ready(self) -> None:
        from identity_app import openapi  # noqa: F401  (registers the OpenAPI session scheme)
        from identity_app.flows import strategies
        from identity_app.flows.code_method import code_method
        from identity_app.flows.password import password_method
        from identity_app.flows.settings_methods import account_deletion, password_settings, profile_settings

        strategies.register_login_method(password_method)
        strategies.register_login_method(code_method)
        strategies.register_registration_method(password_method)
        strategies.register_registration_method(code_method)
        strategies.register_settings_method(profile_settings)
        strategies.register_settings_method(password_settings)

        # Second factors and passkeys; the order is the settings page's.
        from identity_app import checks  # noqa: F401  (registers the MFA settings checks)
        from identity_app.flows.lookup import lookup_secret_method
        from identity_app.flows.passkey import passkey_method
        from identity_app.flows.totp import totp_method
        from identity_app.flows.webauthn import webauthn_method

        strategies.register_login_method(passkey_method)
        for method in (totp_method, lookup_secret_method, webauthn_method):
            strategies.register_login_method(method)
        for method in (totp_method, lookup_secret_method, webauthn_method, passkey_method):
            strategies.register_settings_method(method)
        strategies.register_settings_method(account_deletion)  # last on the page
