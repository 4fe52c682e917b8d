from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OryPlatformConfig(AppConfig):
    default = True
    name = "ory_platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from ory_platform import checks, openapi  # noqa: F401  (register system checks, OpenAPI extensions)
        from ory_platform.structured_logging import install_request_id_factory

        install_request_id_factory()


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with :class:`ory_platform.console.ConsoleSite` as its site."""

    default = False
    default_site = "ory_platform.console.ConsoleSite"
