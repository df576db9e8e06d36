from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from audit import context

        request_finished.connect(context.forget, dispatch_uid="audit.context")
