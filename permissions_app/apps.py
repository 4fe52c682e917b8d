from django.apps import AppConfig


class PermissionsAppConfig(AppConfig):
    name = "permissions_app"
    verbose_name = "Permissions"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.signals import request_started

        from permissions_app import checks  # noqa: F401  (registers system checks)
        from permissions_app.startup import load_model_file_once

        if settings.PERMISSIONS_MODEL_FILE:
            request_started.connect(load_model_file_once, dispatch_uid="permissions_model_file")
