from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity (OAuth2 tokens)"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from identity import audit_applications, revocation
        from identity.audit_sign_in import user_signed_in
        from identity.sign_in_time import sign_in_time_record

        revocation.connect()
        audit_applications.connect()
        user_logged_in.connect(user_signed_in, dispatch_uid="audit-sign-in")
        user_logged_in.connect(sign_in_time_record, dispatch_uid="sign-in-time")


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on identity.admin_site.AdminSite."""

    default = False  # `identity` alone names IdentityConfig
    default_site = "identity.admin_site.AdminSite"
