"""An API request as DOT's resource server path sees it (`OAuthLibCore.verify_request`, then
`OAuth2Validator.validate_bearer_token`), for the checks OAuth2Bearer makes the same way."""

from django.http import HttpRequest
from oauth2_provider.models import AbstractApplication
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauthlib.common import Request as OAuthlibRequest

from identity.errors import InvalidRequest


def request_uri(request: HttpRequest) -> str:
    """The request's absolute URI without its query, which a token's resource indicators must
    match (RFC 8707 §2). DOT builds it with `build_absolute_uri`, so the scheme follows
    `SECURE_PROXY_SSL_HEADER` and the host `USE_X_FORWARDED_HOST`, as here."""
    return request.build_absolute_uri(request.get_full_path()).split("?", 1)[0]


def overrides_is_usable(model: type[AbstractApplication]) -> bool:
    """Whether `model.is_usable` is not DOT's own, which returns True and reads nothing: only a
    swapped application model overrides it."""
    return model.is_usable is not AbstractApplication.is_usable


def application_is_usable(application: AbstractApplication | None, request: HttpRequest) -> bool:
    """`application.is_usable(request)`, which DOT asks of a token's application on every
    resource request, given the oauthlib request DOT gives it; a token without an application
    has none to ask. A query string oauthlib cannot parse is InvalidRequest (400), as in DOT's
    Ninja integration.
    """
    if application is None:
        return True
    try:
        oauthlib = oauthlib_request(request)
    except ValueError as error:  # oauthlib's own check of the query string
        raise InvalidRequest("The query string is malformed.") from error
    return bool(application.is_usable(oauthlib))


def oauthlib_request(request: HttpRequest) -> OAuthlibRequest:
    """What `OAuthLibCore.verify_request` hands oauthlib: the absolute URI (its query escaped
    as oauthlib wants), the method and the headers. Not the body, which no resource check
    reads."""
    core = get_oauthlib_core()
    uri = request.build_absolute_uri(core._get_escaped_full_path(request))
    return OAuthlibRequest(uri, http_method=request.method, headers=core.extract_headers(request))
