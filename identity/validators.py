from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class ActiveUserOAuth2Validator(OAuth2Validator):  # type: ignore[misc]
    """DOT's validator, except that a deactivated user's refresh token mints nothing
    (DOT checks `is_active` for the password grant only)."""

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        user = request.user
        return user is not None and bool(user.is_active)
