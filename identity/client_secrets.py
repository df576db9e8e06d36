"""Client secrets the server generates, and how to tell them from secrets a person chose.

DOT draws every new application's secret from CLIENT_SECRET_GENERATOR_CLASS: the registration
page and the admin show it pre-filled, `bootstrap` and `createapplication` take it when given
none. Here that generator ends the random characters with a keyed tag of them, so a secret can
be recognised as the server's own by itself, in any process, after a round trip through a
form: a person who keeps it keeps the tag; one who types or edits a secret has no valid tag.
"""

from django.conf import settings
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from oauth2_provider.generators import BaseHashGenerator
from oauth2_provider.settings import oauth2_settings

KEY_SALT = "identity.client_secrets.generated"
TAG_LENGTH = 32  # hex digits of HMAC-SHA256: 128 bits
# Below this many random letters and digits (~380 bits) a secret is not left to a fast hash.
MIN_RANDOM_LENGTH = 64


def tag(random_part: str, key: str | bytes | None = None) -> str:
    return salted_hmac(KEY_SALT, random_part, key, algorithm="sha256").hexdigest()[:TAG_LENGTH]


class TaggedClientSecretGenerator(BaseHashGenerator):  # type: ignore[misc]
    """DOT's secret, CLIENT_SECRET_GENERATOR_LENGTH (128) letters and digits, whose last
    TAG_LENGTH are the tag of the rest."""

    def hash(self) -> str:
        length = oauth2_settings.CLIENT_SECRET_GENERATOR_LENGTH
        random_part = get_random_string(length - TAG_LENGTH)
        return random_part + tag(random_part)


def is_server_generated(secret: str) -> bool:
    """Whether the secret came from TaggedClientSecretGenerator: enough random characters and
    their tag under SECRET_KEY (or a SECRET_KEY_FALLBACKS key, for a form rendered before a
    key rotation). A generator length under MIN_RANDOM_LENGTH + TAG_LENGTH makes none."""
    random_part, given = secret[:-TAG_LENGTH], secret[-TAG_LENGTH:]
    if len(random_part) < MIN_RANDOM_LENGTH:
        return False
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(constant_time_compare(given, tag(random_part, key)) for key in keys)
