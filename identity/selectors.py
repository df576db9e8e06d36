"""The token lookup that every API request makes: the token and its user in one query."""

from hashlib import sha256

from django.contrib.auth.models import User
from django.db.models.functions import JSONArray
from oauth2_provider.models import AccessToken

from core.compiled import CompiledQuery, Param
from core.model_json import fields_json, instance_from_json

TOKEN_FIELDS = ("id", "user_id", "application_id", "expires", "scope")
USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)

_TOKEN_WITH_USER = CompiledQuery(
    AccessToken.objects.filter(token_checksum=Param("checksum")).values(
        row=JSONArray(
            *fields_json(AccessToken, TOKEN_FIELDS), *fields_json(User, USER_FIELDS, via="user__")
        )
    )
)


def access_token_get(*, token: str) -> AccessToken | None:
    """The token by DOT's indexed checksum (never the raw column), with its user loaded."""
    rows = _TOKEN_WITH_USER.bind(checksum=sha256(token.encode()).hexdigest()).rows()
    if not rows:
        return None
    (row,) = rows
    token_values, user_values = row[: len(TOKEN_FIELDS)], row[len(TOKEN_FIELDS) :]
    access_token = instance_from_json(AccessToken, TOKEN_FIELDS, token_values)
    access_token.user = (
        instance_from_json(User, USER_FIELDS, user_values)
        if access_token.user_id is not None
        else None
    )
    return access_token
