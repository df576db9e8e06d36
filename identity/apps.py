from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity (OAuth2 tokens)"

    def ready(self) -> None:
        from identity import revocation

        revocation.connect()
