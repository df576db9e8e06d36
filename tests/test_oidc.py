"""Sign in with the directory (identity/oidc.py, docs/sign-in-with-the-directory.md): ID
tokens and userinfo from the authorization code flow with PKCE through the sign-in and consent
pages, verified by Authlib as a relying party (tests/relying_party.py), the metadata documents,
and key rotation."""

import base64
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from joserfc import jws
from joserfc.errors import InvalidKeyIdError
from oauth2_provider.models import Application
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from config.oidc_keys import generate_pem
from tests.factories import PASSWORD, ApplicationFactory, GroupFactory, UserFactory
from tests.relying_party import DISCOVERY, REDIRECT_URI, Authorization, RelyingParty

pytestmark = pytest.mark.django_db

SECRET = "relying-party-secret-0123456789"
METADATA_URLS = [
    "/.well-known/oauth-authorization-server",
    "/.well-known/oauth-authorization-server/o",
    "/o/.well-known/oauth-authorization-server",
]


@pytest.fixture
def rp() -> RelyingParty:
    application = ApplicationFactory.create(
        name="Wiki",
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        post_logout_redirect_uris="https://rp.example/bye",
        algorithm=Application.RS256_ALGORITHM,
        client_secret=SECRET,
    )
    return RelyingParty(client_id=application.client_id, client_secret=SECRET)


@pytest.fixture
def user() -> User:
    user = UserFactory.create(username="grace", first_name="Grace", last_name="Hopper")
    for name in ["navy", "cobol"]:
        GroupFactory.create(name=name).user_set.add(user)
    return user


def sign_in(browser: Client, rp: RelyingParty, authorization: Authorization) -> Any:
    """The user's browser: the authorization request, the sign-in page, the consent page."""
    to_sign_in = browser.get(authorization.url, headers=rp.extra)
    assert to_sign_in.status_code == 302
    assert to_sign_in["Location"].startswith("/accounts/login/?next=")
    signed_in = browser.post(
        to_sign_in["Location"], {"username": "grace", "password": PASSWORD}, headers=rp.extra
    )
    page = browser.get(signed_in["Location"], headers=rp.extra)
    assert page.status_code == 200
    form = {k: v or "" for k, v in page.context["form"].initial.items()}
    return browser.post(signed_in["Location"], {**form, "allow": "Authorize"}, headers=rp.extra)


def code_flow(rp: RelyingParty, scope: str) -> tuple[dict[str, Any], Authorization]:
    authorization = rp.authorization(scope)
    code = rp.code_from(sign_in(Client(), rp, authorization), authorization)
    response = rp.token(code, authorization)
    assert response.status_code == 200, response.content
    return response.json(), authorization


def directory_claims(user: User) -> dict[str, Any]:
    return {
        "sub": str(user.pk),
        "preferred_username": "grace",
        "name": "Grace Hopper",
        "given_name": "Grace",
        "family_name": "Hopper",
        "email": "grace@example.com",
        "email_verified": False,
        "groups": ["cobol", "navy"],
    }


def test_a_relying_party_verifies_the_id_token_and_its_claims(rp: RelyingParty, user: User) -> None:
    token, authorization = code_flow(rp, "openid profile email groups")
    claims = rp.verify(token, authorization.nonce)

    assert claims["iss"] == "http://testserver/o"
    assert claims["aud"] == rp.client_id
    assert claims["nonce"] == authorization.nonce
    assert claims["exp"] > claims["iat"]
    assert {k: v for k, v in claims.items() if k in directory_claims(user)} == directory_claims(
        user
    )
    assert token["scope"] == "openid profile email groups"


def test_userinfo_answers_the_id_tokens_claims(rp: RelyingParty, user: User) -> None:
    token, _ = code_flow(rp, "openid profile email groups")
    response = rp.userinfo_of(token["access_token"])
    assert response.status_code == 200
    assert response.json() == directory_claims(user)


def test_userinfo_costs_a_fixed_number_of_queries(
    rp: RelyingParty, user: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    token, _ = code_flow(rp, "openid profile email groups")
    # The token with its application and user, then the user's groups.
    with django_assert_num_queries(2):
        assert rp.userinfo_of(token["access_token"]).status_code == 200


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", {"sub"}),
        ("openid email", {"sub", "email", "email_verified"}),
        ("openid profile", {"sub", "preferred_username", "name", "given_name", "family_name"}),
        ("openid groups", {"sub", "groups"}),
    ],
)
def test_each_scope_adds_its_claims_only(
    rp: RelyingParty, user: User, scope: str, claims: set[str]
) -> None:
    token, authorization = code_flow(rp, scope)
    id_token = rp.verify(token, authorization.nonce)
    assert claims <= set(id_token)
    assert not (set(directory_claims(user)) - claims) & set(id_token)
    assert set(rp.userinfo_of(token["access_token"]).json()) == claims


def test_claims_without_a_value_are_left_out(rp: RelyingParty) -> None:
    bare = UserFactory.create(username="grace", first_name="", last_name="", email="")
    token, _ = code_flow(rp, "openid profile email groups")
    assert rp.userinfo_of(token["access_token"]).json() == {
        "sub": str(bare.pk),
        "preferred_username": "grace",
        "groups": [],
    }


def test_a_token_without_openid_comes_without_an_id_token(rp: RelyingParty, user: User) -> None:
    token, _ = code_flow(rp, "read groups")
    assert "id_token" not in token
    # oauthlib's userinfo endpoint: a token without `openid` is not a valid one there.
    assert rp.userinfo_of(token["access_token"]).status_code == 401


def test_the_tutorials_token_request_is_unchanged(client: Client) -> None:
    UserFactory.create(username="grace")
    application = ApplicationFactory.create(client_secret=SECRET)
    response = client.post(
        "/o/token/",
        {"grant_type": "password", "username": "grace", "password": PASSWORD},
        headers={"Authorization": basic(application.client_id)},
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read write groups"
    assert "id_token" not in response.json()


def test_the_password_grant_gives_userinfo_but_no_id_token(client: Client, user: User) -> None:
    application = ApplicationFactory.create(
        client_secret=SECRET, algorithm=Application.RS256_ALGORITHM
    )
    response = client.post(
        "/o/token/",
        {"grant_type": "password", "username": "grace", "password": PASSWORD, "scope": "openid"},
        headers={"Authorization": basic(application.client_id)},
    )
    assert response.status_code == 200
    assert "id_token" not in response.json()
    userinfo = client.get(
        "/o/userinfo/", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert userinfo.json() == {"sub": str(user.pk)}


def test_openid_is_only_for_applications_that_sign_with_rs256(client: Client) -> None:
    UserFactory.create(username="grace")
    application = ApplicationFactory.create(client_secret=SECRET)  # DOT's "No OIDC support"
    response = client.post(
        "/o/token/",
        {"grant_type": "password", "username": "grace", "password": PASSWORD, "scope": "openid"},
        headers={"Authorization": basic(application.client_id)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_a_user_deactivated_before_the_code_is_exchanged_gets_no_id_token(
    rp: RelyingParty, user: User
) -> None:
    authorization = rp.authorization("openid profile")
    code = rp.code_from(sign_in(Client(), rp, authorization), authorization)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = rp.token(code, authorization)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_deactivated_user_gets_no_userinfo(rp: RelyingParty, user: User) -> None:
    token, _ = code_flow(rp, "openid profile")
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = rp.userinfo_of(token["access_token"])
    assert response.status_code == 401
    assert "id_token" not in response.content.decode()


def test_discovery_and_rfc8414_metadata_agree(client: Client) -> None:
    discovery = client.get(DISCOVERY).json()
    assert discovery["issuer"] == "http://testserver/o"
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["end_session_endpoint"] == "http://testserver/o/logout/"
    assert set(discovery["scopes_supported"]) == {
        "read", "write", "groups", "audit", "scim", "openid", "profile", "email"
    }  # fmt: skip
    assert set(discovery["claims_supported"]) == {"sub", *directory_claims(UserFactory.build())}
    for url in METADATA_URLS:
        metadata = client.get(url).json()
        assert {k: metadata[k] for k in discovery} == discovery, url
        assert metadata["revocation_endpoint"] == "http://testserver/o/revoke_token/"
        assert metadata["grant_types_supported"] == [
            "authorization_code", "password", "refresh_token", "client_credentials"
        ]  # fmt: skip


def test_the_issuer_follows_a_tls_proxy(rp: RelyingParty, user: User, settings: Settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    rp.extra = {"X-Forwarded-Proto": "https", "Host": "testserver"}  # as a proxy sends them
    assert rp.load_server_metadata()["issuer"] == "https://testserver/o"
    assert rp.load_server_metadata()["jwks_uri"] == "https://testserver/o/.well-known/jwks.json"
    token, authorization = code_flow(rp, "openid")
    assert rp.verify(token, authorization.nonce)["iss"] == "https://testserver/o"


def test_a_configured_issuer_is_used_everywhere(
    rp: RelyingParty, user: User, settings: Settings
) -> None:
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": "https://id.example.com/o",
    }
    metadata = rp.load_server_metadata()
    assert metadata["issuer"] == "https://id.example.com/o"
    assert metadata["token_endpoint"] == "https://id.example.com/o/token/"
    assert Client().get(METADATA_URLS[0]).json()["issuer"] == "https://id.example.com/o"
    token, authorization = code_flow(rp, "openid")
    assert rp.verify(token, authorization.nonce)["iss"] == "https://id.example.com/o"


def test_tokens_signed_before_a_key_rotation_still_verify(
    rp: RelyingParty, user: User, settings: Settings
) -> None:
    old_token, old_authorization = code_flow(rp, "openid")
    old_key = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": generate_pem(),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old_key],
    }
    new_token, new_authorization = code_flow(rp, "openid")

    kids = [key["kid"] for key in rp.fetch_jwk_set()["keys"]]
    assert len(set(kids)) == 2
    assert kid(new_token) == kids[0]  # the active key signs
    assert kid(old_token) == kids[1]
    assert rp.verify(old_token, old_authorization.nonce)["sub"] == str(user.pk)
    assert rp.verify(new_token, new_authorization.nonce)["sub"] == str(user.pk)


def test_a_token_signed_by_a_retired_key_no_longer_verifies(
    rp: RelyingParty, user: User, settings: Settings
) -> None:
    token, authorization = code_flow(rp, "openid")
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": generate_pem()}
    with pytest.raises(InvalidKeyIdError):
        rp.verify(token, authorization.nonce)


def test_the_end_session_endpoint_signs_the_user_out(rp: RelyingParty, user: User) -> None:
    token, _ = code_flow(rp, "openid")
    browser = Client()
    browser.force_login(user)
    logout = rp.create_logout_url(
        post_logout_redirect_uri="https://rp.example/bye",
        id_token_hint=token["id_token"],
        client_id=rp.client_id,
    )
    page = browser.get(logout["url"])
    assert page.status_code == 200
    form = {k: v or "" for k, v in page.context["form"].initial.items()}
    response = browser.post(logout["url"], {**form, "allow": "true"})
    assert response.status_code == 302
    assert response["Location"] == f"https://rp.example/bye?state={logout['state']}"
    assert "_auth_user_id" not in browser.session


def kid(token: dict[str, Any]) -> str:
    header: dict[str, Any] = jws.extract_compact(token["id_token"].encode()).protected
    return str(header["kid"])


def basic(client_id: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{SECRET}".encode()).decode()


def test_jwks_lists_public_keys_only(client: Client) -> None:
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]
    assert keys
    assert all(set(key) == {"alg", "use", "kid", "kty", "e", "n"} for key in keys)
    assert "PRIVATE" not in json.dumps(keys)


def test_userinfo_refuses_a_bad_token_as_rfc_6750_says(client: Client) -> None:
    response = client.get("/o/userinfo/", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.json()
