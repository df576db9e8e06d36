"""What a token's user may do. A scope bounds what the client may do on the user's behalf;
these checks bound what the user may do at all, with the same model permissions as the admin.
"""

from collections.abc import Collection

from django.contrib.auth.models import User

from core.errors import Forbidden

# A user may edit these on their own record without `auth.change_user`.
SELF_SERVICE_FIELDS = frozenset({"username", "email", "first_name", "last_name"})


def require_perm(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise Forbidden


def require_rank(*, actor: User, target: User) -> None:
    """Only a superuser changes or deletes another superuser: otherwise `auth.change_user`
    would be a path to superuser (reset its password, log in as it)."""
    if target.is_superuser and not actor.is_superuser and actor.pk != target.pk:
        raise Forbidden


def require_user_change(*, actor: User, target: User, fields: Collection[str]) -> None:
    """`fields` are the profile fields the request actually changes (password aside)."""
    if actor.pk == target.pk and SELF_SERVICE_FIELDS.issuperset(fields):
        return
    require_perm(actor, "auth.change_user")
    require_rank(actor=actor, target=target)


def require_password_change(*, actor: User, target: User) -> None:
    """Anyone may change their own password (the current one is checked by the service);
    another user's password needs `auth.change_user`, as in the admin."""
    if actor.pk != target.pk:
        require_perm(actor, "auth.change_user")
        require_rank(actor=actor, target=target)


def require_membership_change(*, actor: User, target: User) -> None:
    """A group's members gain its permissions, so membership is part of the user's record,
    as in the admin (where groups are edited on the user's page): `auth.change_user`, and a
    superuser's groups only by a superuser. `auth.change_group` alone would let its holder
    join any group and take its permissions."""
    require_perm(actor, "auth.change_user")
    require_rank(actor=actor, target=target)
