from django.db import models


class Action(models.TextChoices):
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DELETED = "user.deleted"
    USER_PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 (an action name)
    USER_ACTIVATED = "user.activated"
    USER_DEACTIVATED = "user.deactivated"
    GROUP_CREATED = "group.created"
    GROUP_UPDATED = "group.updated"
    GROUP_DELETED = "group.deleted"
    GROUP_MEMBER_ADDED = "group.member_added"
    GROUP_MEMBER_REMOVED = "group.member_removed"
    TOKEN_ISSUED = "token.issued"  # noqa: S105 (an action name)
    TOKEN_REFRESHED = "token.refreshed"  # noqa: S105 (an action name)
    TOKEN_REVOKED = "token.revoked"  # noqa: S105 (an action name)
    SIGN_IN_SUCCEEDED = "sign_in.succeeded"
    SIGN_IN_FAILED = "sign_in.failed"
    SIGN_IN_LOCKED_OUT = "sign_in.locked_out"
    APPLICATION_CREATED = "application.created"
    APPLICATION_UPDATED = "application.updated"
    APPLICATION_DELETED = "application.deleted"


class AuditEvent(models.Model):
    """One change, written in the change's own transaction and chained to the event before it
    by `previous_hash` (audit.chain). No foreign keys: an event outlives its actor and target."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=32, choices=Action.choices)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    client_id = models.CharField(max_length=100, blank=True)
    scopes = models.CharField(max_length=1000, blank=True)
    ip = models.GenericIPAddressField(null=True)
    request_id = models.CharField(max_length=128, blank=True)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        # Newest first, keyset-paginated on (at, id).
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_event_at_id"),
            # A target's latest event: SCIM's meta.lastModified (directory.scim.selectors).
            models.Index(fields=["target_type", "target_id", "at"], name="audit_event_target_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"


class AuditAnchor(models.Model):
    """Where the chain starts after a prune (audit.retention): the last pruned event's id and
    hash, which the oldest remaining event must follow. Anchors are chained to each other by
    `previous_hash` and hashed like events, so deleting or editing one breaks a link."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    before = models.DateTimeField()
    pruned = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    last_event_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"anchor {self.pk}: events up to {self.last_event_id} pruned"
