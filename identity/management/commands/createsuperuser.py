"""Django's createsuperuser, refusing a username that exists in another case with its own
"already taken" error (interactive: asked again; --noinput: CommandError), not the unique
index's IntegrityError traceback.

With --noinput the user and its audit event (directory.audit) are written in one transaction.
Interactive runs keep Django's: the prompts must not hold SQLite's write lock (BEGIN
IMMEDIATE) while someone types, so the user's row commits alone and its event just after.
"""

from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.db import transaction

from identity.usernames import users_named


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        if options["interactive"]:
            super().handle(*args, **options)
            return
        with transaction.atomic(using=options["database"]):
            super().handle(*args, **options)

    def _validate_username(
        self, username: str, verbose_field_name: str, database: str
    ) -> str | None:
        # A private hook (django-stubs leaves it out), called for --noinput and each prompt.
        error: str | None = super()._validate_username(  # type: ignore[misc]
            username, verbose_field_name, database
        )
        if error is None and users_named(username).using(database).exists():
            return f"Error: That {verbose_field_name} is already taken (in another case)."
        return error
