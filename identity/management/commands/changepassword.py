"""Django's `changepassword`, with the write in one transaction: the new hash and the
revocation of the user's tokens (identity.revocation) commit or roll back together.

Django's command saves without one. The prompts stay outside the transaction: on SQLite,
BEGIN IMMEDIATE takes the write lock, which must not wait on someone typing.
"""

import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

MAX_TRIES = 3


class Command(changepassword.Command):
    def handle(self, *args: Any, **options: Any) -> str:
        database = options["database"]
        username = options["username"] or getpass.getuser()
        try:
            user = User._default_manager.using(database).get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"user '{username}' does not exist") from exc
        self.stdout.write(f"Changing password for user '{user}'")
        password = self._new_password(user)
        with transaction.atomic(using=database):
            user.set_password(password)
            user.save()
        return f"Password changed successfully for user '{user}'"

    def _new_password(self, user: User) -> str:
        """Django's dialogue: the password twice, up to MAX_TRIES times, validated."""
        for _ in range(MAX_TRIES):
            password = _ask("Password: ")
            if password != _ask("Password (again): "):
                self.stdout.write("Passwords do not match. Please try again.")
                continue
            try:
                validate_password(password, user)
            except ValidationError as err:
                self.stderr.write("\n".join(err.messages))
                continue
            return password
        raise CommandError(f"Aborting password change for user '{user}' after {MAX_TRIES} attempts")


def _ask(prompt: str) -> str:
    """Read from the terminal, or from stdin without one (getpass's fallback)."""
    password = getpass.getpass(prompt=prompt)
    if not password:
        raise CommandError("aborted")
    return password
