from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

NOT_ACTIVE_USER = "The access token is not issued to an active user."


def is_active_user(user: Any) -> bool:
    return user is not None and bool(user.is_active)


class ActiveUserOAuth2Validator(OAuth2Validator):  # type: ignore[misc]
    """DOT's validator, except that a deactivated user's tokens open nothing (DOT checks
    `is_active` for the password grant only): neither refresh tokens nor access tokens.

    Access tokens here act for a user, as the directory API (identity/auth.py) does: a token
    without one (the client credentials grant) is refused too. This service defines no
    `introspection` scope, the one DOT view that would take a client's bearer token.
    """

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        return is_active_user(request.user)

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        """RFC 6750 §3.1: `invalid_token` for a token whose user is absent or inactive."""
        if not super().validate_bearer_token(token, scopes, request):
            return False
        if is_active_user(request.user):
            return True
        request.oauth2_error = {"error": "invalid_token", "error_description": NOT_ACTIVE_USER}
        return False
