from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory (users and groups)"

    def ready(self) -> None:
        from directory import audit

        audit.connect()
