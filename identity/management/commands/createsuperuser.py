"""Django's createsuperuser, refusing a username that exists in another case with its own
"already taken" error (interactive: asked again; --noinput: CommandError), not the unique
index's IntegrityError traceback."""

from django.contrib.auth.management.commands import createsuperuser

from identity.usernames import users_named


class Command(createsuperuser.Command):
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
