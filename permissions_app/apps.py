from django.apps import AppConfig


class PermissionsAppConfig(AppConfig):
    name = "permissions_app"
    verbose_name = "Permissions"
