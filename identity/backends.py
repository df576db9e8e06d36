"""Password sign-in (the password grant, the sign-in page, the admin login) that finds the user
whatever the case of the typed username, as usernames are unique regardless of case."""

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from identity.usernames import users_named


class CaseInsensitiveModelBackend(ModelBackend):
    """ModelBackend with the user looked up by `lower(username)`; permissions as ModelBackend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = users_named(username).first()
        if user is None:
            # As ModelBackend: hash once anyway, so an unknown username takes as long as a
            # wrong password and timing does not tell which names exist (Django #20760).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        return await sync_to_async(self.authenticate)(request, username, password, **kwargs)
