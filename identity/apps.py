from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity (OAuth2 tokens)"

    def ready(self) -> None:
        from identity import revocation

        revocation.connect()


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on identity.admin_site.AdminSite."""

    default = False  # `identity` alone names IdentityConfig
    default_site = "identity.admin_site.AdminSite"
