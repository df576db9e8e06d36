"""A relying party built from Authlib, an OpenID Connect client this project does not write:
its authorization URL (PKCE S256, nonce), its token request and its ID token verification
(`OpenIDMixin.parse_id_token`, which Authlib's Flask, Django and Starlette clients run:
signature against the JWKS, `iss`, `aud`, `exp`, `iat`, `nonce`, `at_hash`). Only its HTTP
goes through django.test.Client instead of a network session."""

import base64
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.oauth2.client import OAuth2Client
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from authlib.oidc.core import UserInfo
from django.test import Client

from tests.helpers import Response

DISCOVERY = "/o/.well-known/openid-configuration"
REDIRECT_URI = "https://rp.example/callback"


@dataclass
class Authorization:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass
class RelyingParty(OpenIDMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    http: Client = field(default_factory=Client)  # the RP's server: no browser session
    server_metadata: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # headers of every request

    def load_server_metadata(self) -> dict[str, Any]:
        if not self.server_metadata:
            self.server_metadata = self.get(DISCOVERY).json()
        return self.server_metadata

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        jwks: dict[str, Any] = self.get(self.load_server_metadata()["jwks_uri"]).json()
        return jwks

    def get(self, url: str, **headers: str) -> Response:
        return self.http.get(url, headers={**self.extra, **headers})

    def authorization(self, scope: str, **extra: str) -> Authorization:
        verifier, nonce = generate_token(48), generate_token(20)
        oauth = OAuth2Client(
            session=None,
            client_id=self.client_id,
            redirect_uri=REDIRECT_URI,
            scope=scope,
            code_challenge_method="S256",
        )
        url, state = oauth.create_authorization_url(
            self.load_server_metadata()["authorization_endpoint"],
            code_verifier=verifier,
            nonce=nonce,
            **extra,
        )
        return Authorization(url, state, nonce, verifier)

    def code_from(self, response: Response, authorization: Authorization) -> str:
        """RFC 6749 §4.1.2 and RFC 9207 §2.4: the code, once `state` and `iss` match."""
        assert response.status_code == 302, response
        return self.code_at(response["Location"], authorization)

    def code_at(self, url: str, authorization: Authorization) -> str:
        """The code in the redirect URI the browser was sent to."""
        location = urlsplit(url)
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
        query = parse_qs(location.query)
        assert query["state"] == [authorization.state]
        assert query["iss"] == [self.load_server_metadata()["issuer"]]
        return query["code"][0]

    def token(self, code: str, authorization: Authorization) -> Response:
        """A confidential client authenticates with Basic; a public one (no secret) names
        itself in the body (RFC 6749 §4.1.3)."""
        public = {} if self.client_secret else {"client_id": self.client_id}
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=REDIRECT_URI,
            code_verifier=authorization.code_verifier,
            **public,
        )
        headers = dict(self.extra)
        if self.client_secret:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        return self.http.post(
            self.load_server_metadata()["token_endpoint"],
            body,
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )

    def verify(self, token: dict[str, Any], nonce: str) -> UserInfo:
        """Authlib's own verification of the ID token (raises on any failed check)."""
        claims: UserInfo = self.parse_id_token(token, nonce, leeway=0)
        return claims

    def userinfo_of(self, access_token: str) -> Response:
        return self.get(
            self.load_server_metadata()["userinfo_endpoint"],
            Authorization=f"Bearer {access_token}",
        )
