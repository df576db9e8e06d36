from hashlib import sha256

from oauth2_provider.models import AccessToken


def access_token_get(*, token: str) -> AccessToken | None:
    """The token and its user in one query, by DOT's indexed checksum (never the raw column)."""
    checksum = sha256(token.encode()).hexdigest()
    try:
        return AccessToken.objects.select_related("user").get(token_checksum=checksum)
    except AccessToken.DoesNotExist:
        return None
