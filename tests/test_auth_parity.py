"""The API accepts exactly the tokens DOT's resource server path accepts: a differential test.

Each case of the table sets up a token and asks about one request, twice of DOT and once of the API:

- DOT: the configured validator class (`OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]`,
  identity.validators.ActiveUserOAuth2Validator: DOT's OAuth2Validator, which also refuses a
  token without an active user) runs `validate_bearer_token(token, scopes, request)` on an
  oauthlib `Request(uri, http_method, headers)` for the request's absolute URI. DOT's own
  `OAuthLibCore.verify_request`, which builds that URI from a Django request, is asked too,
  so the URI the table writes down is the one DOT derives.
- The API: the same request through django.test.Client, the full stack to OAuth2Bearer.

The three verdicts (accept or refuse) must equal each other and the table's.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest
from pytest_django.fixtures import Settings

from identity.auth import OAuth2Bearer
from identity.errors import InvalidRequest, InvalidToken
from identity.selectors import TokenLookup
from identity.validators import ActiveUserOAuth2Validator
from tests.factories import AccessTokenFactory, RefreshTokenFactory, UserFactory
from tests.usable_applications import HttpsOnlyApplication, RetiredApplication

pytestmark = pytest.mark.django_db

HERE = "http://testserver/"
PUBLIC = "https://api.example.com/"  # the service behind a TLS proxy
ELSEWHERE = "https://other.example.com/"
SCOPES = {"/users/me/": ["read"], "/groups/": ["groups", "read"]}


def live(**fields: Any) -> str:
    return str(AccessTokenFactory.create(**fields).token)


def revoked() -> str:
    token = AccessTokenFactory.create()
    token.revoke()
    return str(token.token)


def refresh_revoked() -> str:
    token = AccessTokenFactory.create()
    RefreshTokenFactory.create(
        access_token=token, user=token.user, application=token.application
    ).revoke()
    return str(token.token)


def application_deleted() -> str:
    token = AccessTokenFactory.create()
    token.application.delete()  # AccessToken.application cascades
    return str(token.token)


@dataclass(frozen=True)
class Case:
    id: str
    token: Callable[[], str]
    accepted: bool
    path: str = "/users/me/"
    base: str = HERE  # the scheme and host the client used
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return self.base.rstrip("/") + self.path


CASES = [
    Case("valid", live, True),
    Case("expired", lambda: live(expires=timezone.now() - timedelta(seconds=1)), False),
    Case("revoked (deleted)", revoked, False),
    Case("revoked with its refresh token", refresh_revoked, False),
    Case("unknown", lambda: "no-such-token-0000000000000", False),
    Case("malformed", lambda: "a b", False),
    Case("malformed (too long)", lambda: "x" * 300, False),
    Case("empty", lambda: "", False),
    Case("scope present", lambda: live(scope="read"), True),
    Case("scope missing", lambda: live(scope="write"), False),
    Case("scope missing for groups", lambda: live(scope="read write"), False, "/groups/"),
    Case("scopes present for groups", lambda: live(scope="groups read"), True, "/groups/"),
    Case("no user (client credentials)", lambda: live(user=None), False),
    Case("inactive user", lambda: live(user=UserFactory.create(is_active=False)), False),
    Case("application deleted", application_deleted, False),
    Case("application set to None", lambda: live(application=None), True),
    Case("audience: this service", lambda: live(resource=[HERE]), True),
    Case("audience: another service", lambda: live(resource=[ELSEWHERE]), False),
    Case("audience: same host, https", lambda: live(resource=["https://testserver/"]), False),
    Case("audience: same host, other port", lambda: live(resource=[HERE[:-1] + ":8000/"]), False),
    Case("audience: a path above", lambda: live(resource=[HERE + "users/"]), True),
    Case("audience: another path", lambda: live(resource=[HERE + "groups/"]), False),
    Case("audience: a path sharing a prefix", lambda: live(resource=[HERE + "users/m"]), False),
    Case("audiences: one of several", lambda: live(resource=[ELSEWHERE, HERE]), True),
    Case(
        "audiences: none of several",
        lambda: live(resource=[ELSEWHERE, "https://third.example/"]),
        False,
    ),
    Case(
        "audience: public URI behind the proxy",
        lambda: live(resource=[PUBLIC]),
        True,
        base=PUBLIC,
        headers={"host": "api.example.com", "x-forwarded-proto": "https"},
    ),
    Case(
        "audience: public URI, plain http",
        lambda: live(resource=[PUBLIC]),
        False,
        base="http://api.example.com/",
        headers={"host": "api.example.com"},
    ),
    Case(
        "audience: forwarded host not trusted",
        lambda: live(resource=[ELSEWHERE]),
        False,
        base=PUBLIC,
        headers={
            "host": "api.example.com",
            "x-forwarded-proto": "https",
            "x-forwarded-host": "other.example.com",
        },
    ),
]


@pytest.fixture(autouse=True)
def _behind_a_tls_proxy(settings: Settings) -> None:
    """DJANGO_BEHIND_TLS_PROXY=true's setting; USE_X_FORWARDED_HOST stays off, as configured."""
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def dot_validator_accepts(case: Case, token: str) -> bool:
    validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
    assert isinstance(validator, ActiveUserOAuth2Validator)
    request = OAuthlibRequest(
        case.uri, http_method="GET", headers={"Authorization": f"Bearer {token}"}
    )
    return bool(validator.validate_bearer_token(token, SCOPES[case.path], request))


def dot_resource_server_accepts(case: Case, token: str) -> bool:
    request = RequestFactory().get(
        case.path, headers={"Authorization": f"Bearer {token}", **case.headers}
    )
    valid, _ = get_oauthlib_core().verify_request(request, scopes=SCOPES[case.path])
    return bool(valid)


def api_accepts(client: Client, case: Case, token: str) -> bool:
    response = client.get(case.path, headers={"Authorization": f"Bearer {token}", **case.headers})
    assert response.status_code in (200, 401, 403), response.content
    return response.status_code == 200


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_api_and_dots_resource_server_give_the_same_verdict(client: Client, case: Case) -> None:
    token = case.token()
    verdicts = {
        "DOT's validator": dot_validator_accepts(case, token),
        "DOT's verify_request": dot_resource_server_accepts(case, token),
        "the API": api_accepts(client, case, token),
    }
    assert verdicts == dict.fromkeys(verdicts, case.accepted)


# Application.is_usable(request): DOT asks it of the token's application on every resource
# request, and so does the API. DOT's own always says yes, and this project keeps DOT's
# application model, so no token here comes from an unusable application and the table above
# cannot hold one. To show both paths consult the hook, with the request DOT gives it, both are
# given a real subclass that overrides it, as a swapped application model would
# (tests/usable_applications.py): DOT through a validator whose `_load_access_token` (DOT's own
# query) returns the application as that subclass; the API through OAuth2Bearer with the token
# lookup made for that model, the whole authentication from the Authorization header on.


def dot_accepts_with(model: type[Application], token: str, uri: str) -> bool:
    class Validator(oauth2_settings.OAUTH2_VALIDATOR_CLASS):  # type: ignore[misc]
        def _load_access_token(self, token: str) -> AccessToken | None:
            access_token = super()._load_access_token(token)
            access_token.application = model.objects.get(pk=access_token.application_id)
            return access_token

    request = OAuthlibRequest(uri, http_method="GET", headers={"Authorization": f"Bearer {token}"})
    return bool(Validator().validate_bearer_token(token, ["read"], request))


def api_refusal(model: type[Application], request: HttpRequest) -> Any:
    """None if OAuth2Bearer accepts the request's token, else its error."""
    try:
        OAuth2Bearer(lookup=TokenLookup(model))(request)
    except InvalidToken as refused:
        return refused.oauth2_error
    return None


def request_for(token: str, *, https: bool, query: str = "") -> HttpRequest:
    headers = {"Authorization": f"Bearer {token}", "host": "api.example.com"}
    if https:
        headers["x-forwarded-proto"] = "https"
    return RequestFactory().get("/users/me/" + query, headers=headers)


@pytest.mark.parametrize(
    ("model", "https", "accepted"),
    [
        (RetiredApplication, True, False),
        (HttpsOnlyApplication, True, True),
        (HttpsOnlyApplication, False, False),
        (Application, False, True),
    ],
    ids=["retired", "https-only over https", "https-only over http", "DOT's own"],
)
def test_both_paths_ask_the_application_whether_it_is_usable(
    model: type[Application], https: bool, accepted: bool
) -> None:
    token = live()
    uri = ("https" if https else "http") + "://api.example.com/users/me/"
    assert dot_accepts_with(model, token, uri) is accepted
    assert api_refusal(model, request_for(token, https=https)) == (
        None
        if accepted
        else {"error": "invalid_token", "error_description": "The access token is invalid."}
    )


def test_a_query_oauthlib_cannot_parse_is_a_bad_request_where_is_usable_reads_it() -> None:
    with pytest.raises(InvalidRequest):
        api_refusal(HttpsOnlyApplication, request_for(live(), https=True, query="?q=%zz"))
