from django.apps import AppConfig


class OryPlatformConfig(AppConfig):
    name = "ory_platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from ory_platform import checks  # noqa: F401  (registers system checks)
        from ory_platform.structured_logging import install_request_id_factory

        install_request_id_factory()
