"""The entity tags of a user and a group: of their representation (UserOut, GroupOut), so a
user's changes when its groups do (core.conditional)."""

from django.contrib.auth.models import Group, User

from core.conditional import representation_tag
from directory.schemas import GroupOut, UserOut


def user_tag(user: User | None) -> str | None:
    """None where there is no user (RFC 9110 §13.1.1: `If-Match: *` is then false)."""
    return None if user is None else representation_tag(UserOut.of(user))


def group_tag(group: Group | None) -> str | None:
    return None if group is None else representation_tag(GroupOut.model_validate(group))
