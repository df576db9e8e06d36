"""The token lookup that every API request makes: the token, its user and, where it matters, its
application, in one query."""

from hashlib import sha256

from django.contrib.auth.models import User
from django.db.models import F
from oauth2_provider.models import AbstractApplication, AccessToken, get_application_model

from core.compiled import CompiledQuery, Param
from core.expressions import JSONArray
from core.model_json import fields_json, instance_from_json
from identity.resource_server import overrides_is_usable

TOKEN_FIELDS = ("id", "user_id", "application_id", "expires", "scope", "resource")
USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)


class TokenLookup:
    """The token by DOT's indexed checksum (never the raw column), with its user, in one
    compiled query.

    DOT's resource server loads the application too, for `Application.is_usable(request)`.
    DOT's own `is_usable` reads nothing and says yes, so for DOT's model the application is not
    loaded (the ORM fetches it if something asks); for a model that overrides it, every field
    loads in the same row, as DOT loads them, and `loads_application` is True. The
    application's `client_id` comes last in the row either way, for the audit trail.
    """

    def __init__(self, application_model: type[AbstractApplication]) -> None:
        self.loads_application = overrides_is_usable(application_model)
        self.application_model = application_model
        self.application_fields: tuple[str, ...] = (
            tuple(field.attname for field in application_model._meta.concrete_fields)
            if self.loads_application
            else ()
        )
        self._user_at = len(TOKEN_FIELDS)
        self._application_at = self._user_at + len(USER_FIELDS)
        self.query = CompiledQuery(
            AccessToken.objects.filter(token_checksum=Param("checksum")).values(
                row=JSONArray(
                    *fields_json(AccessToken, TOKEN_FIELDS),
                    *fields_json(User, USER_FIELDS, via="user__"),
                    *fields_json(application_model, self.application_fields, via="application__"),
                    F("application__client_id"),
                )
            )
        )

    def get(self, token: str) -> AccessToken | None:
        found = self.find(token)
        return found[0] if found else None

    def find(self, token: str) -> tuple[AccessToken, str | None] | None:
        """The token, and its application's client_id (None without one)."""
        rows = self.query.bind(checksum=sha256(token.encode()).hexdigest()).rows()
        if not rows:
            return None
        (row,) = rows
        *row, client_id = row
        user_at, application_at = self._user_at, self._application_at
        access_token = instance_from_json(AccessToken, TOKEN_FIELDS, row[:user_at])
        access_token.user = (
            instance_from_json(User, USER_FIELDS, row[user_at:application_at])
            if access_token.user_id is not None
            else None
        )
        if self.loads_application:
            access_token.application = (
                instance_from_json(
                    self.application_model, self.application_fields, row[application_at:]
                )
                if access_token.application_id is not None
                else None
            )
        return access_token, client_id


# For the model DOT's own lookup (select_related("application", "user")) loads, swapped or not.
TOKEN_LOOKUP = TokenLookup(get_application_model())


def access_token_get(*, token: str) -> AccessToken | None:
    """The token with its user, and its application where `TOKEN_LOOKUP.loads_application`."""
    return TOKEN_LOOKUP.get(token)
