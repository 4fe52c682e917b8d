from django.apps import AppConfig


class OAuth2AppConfig(AppConfig):
    name = "oauth2_app"
    verbose_name = "OAuth2 and OpenID Connect"
