from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import post_save
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken
from oauth2_provider.settings import oauth2_settings

# Every factory user's password, and the tests' one valid password for a new user.
PASSWORD = "Correct-Horse-Battery-9"


def _set_password(user: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
    user.set_password(extracted or PASSWORD)
    if create:
        user.save(update_fields=["password"])


def _grant(user: User, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
    for perm in extracted or []:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGeneration(_set_password)
    # permissions=["auth.add_user", ...] grants those model permissions.
    permissions = factory.PostGeneration(_grant)


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class GroupFactory(factory.django.DjangoModelFactory[Group]):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"group{n}")


# Test data, not a write of the product's: records no application.created event.
@factory.django.mute_signals(post_save)
class ApplicationFactory(factory.django.DjangoModelFactory[Application]):
    class Meta:
        model = Application

    name = factory.Sequence(lambda n: f"client{n}")
    client_type = Application.CLIENT_CONFIDENTIAL
    authorization_grant_type = Application.GRANT_PASSWORD


class AccessTokenFactory(factory.django.DjangoModelFactory[AccessToken]):
    class Meta:
        model = AccessToken

    user = factory.SubFactory(UserFactory)
    application = factory.SubFactory(ApplicationFactory)
    token = factory.Sequence(lambda n: f"test-token-{n:020d}")
    scope = "read write groups"
    expires = factory.LazyFunction(
        lambda: timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
    )


class PublicClientFactory(ApplicationFactory):
    """A browser client: no secret, the authorization code grant (with PKCE, DOT's default)."""

    client_type = Application.CLIENT_PUBLIC
    authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    redirect_uris = "http://127.0.0.1:8000/docs/oauth2-redirect"
    client_secret = ""
    hash_client_secret = False


class RefreshTokenFactory(factory.django.DjangoModelFactory[RefreshToken]):
    class Meta:
        model = RefreshToken

    user = factory.SubFactory(UserFactory)
    application = factory.SubFactory(ApplicationFactory)
    token = factory.Sequence(lambda n: f"test-refresh-{n:020d}")


class GrantFactory(factory.django.DjangoModelFactory[Grant]):
    class Meta:
        model = Grant

    user = factory.SubFactory(UserFactory)
    application = factory.SubFactory(PublicClientFactory)
    code = factory.Sequence(lambda n: f"test-code-{n:020d}")
    redirect_uri = "http://127.0.0.1:8000/docs/oauth2-redirect"
    scope = "read"
    code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    code_challenge_method = "S256"
    expires = factory.LazyFunction(lambda: timezone.now() + timedelta(seconds=60))
