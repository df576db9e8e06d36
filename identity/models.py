"""What DOT's models do not hold: when the user behind an authorization code, and behind an
ID token, signed in."""

from django.db import models
from oauth2_provider.settings import oauth2_settings


class GrantSignIn(models.Model):
    """The sign-in time of the session that approved an OpenID Connect authorization code,
    for the ID token's `auth_time` (OpenID Connect Core §2). DOT's Grant has no field for it
    and DOT reports the user's `last_login` instead, which any later sign-in elsewhere moves.

    Deleted with its grant (DOT deletes a grant when its code is exchanged, `cleartokens` when
    it expires).
    """

    grant = models.OneToOneField(
        oauth2_settings.GRANT_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sign_in",
    )
    auth_time = models.DateTimeField()

    def __str__(self) -> str:
        return f"grant {self.grant_id} signed in at {self.auth_time.isoformat()}"


class IDTokenSignIn(models.Model):
    """The sign-in time behind an ID token, so that the ID token a refresh issues carries the
    original `auth_time` (OpenID Connect Core §12.2), not the refresh's time. Deleted with
    its ID token."""

    id_token = models.OneToOneField(
        oauth2_settings.ID_TOKEN_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sign_in",
    )
    auth_time = models.DateTimeField()

    def __str__(self) -> str:
        return f"ID token {self.id_token_id} signed in at {self.auth_time.isoformat()}"
