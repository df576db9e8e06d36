"""The last active superuser stays: deleting, deactivating or demoting it would leave nobody
able to grant anything, and only a shell on the server could repair that. The API's services
and the admin ask the same question here."""

from collections.abc import Iterable

from django.contrib.auth.models import User

from core.errors import Conflict

LAST_SUPERUSER = "The last active superuser cannot be deleted or deactivated."
LAST_SUPERUSER_STAYS = "This is the last active superuser: it must stay active and a superuser."


def leaves_no_active_superuser(leaving: Iterable[int]) -> bool:
    """Whether no active superuser would remain once the users with ids `leaving` stop being
    ones (deleted, deactivated or demoted).

    Call it inside the transaction that makes the change. On PostgreSQL it locks the active
    superusers' rows until that transaction ends, in id order (no deadlock between two
    callers): a concurrent caller waits, then sees the row as committed, so two requests each
    removing one of two superusers cannot both pass. On SQLite `select_for_update()` is a no-op
    and none is needed: the transaction began with BEGIN IMMEDIATE (settings'
    `transaction_mode`), holding the database's one write lock, so no other write runs
    between this check and the change.
    """
    active = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
    remaining = set(active.select_for_update().values_list("pk", flat=True))
    return bool(remaining) and remaining <= set(leaving)


def keep_an_active_superuser(leaving: Iterable[int]) -> None:
    """Conflict (409) where `leaves_no_active_superuser(leaving)`."""
    if leaves_no_active_superuser(leaving):
        raise Conflict(LAST_SUPERUSER)
