import base64
from dataclasses import dataclass

import pytest
from django.test import Client
from oauth2_provider.models import Application

from tests.factories import ApplicationFactory
from tests.helpers import Response

CLIENT_SECRET = "client-secret-for-the-security-suite-0123456789"


@dataclass(frozen=True)
class OAuthClient:
    """A confidential password-grant application whose cleartext secret we know."""

    application: Application
    secret: str = CLIENT_SECRET

    @property
    def client_id(self) -> str:
        return str(self.application.client_id)

    def basic(self, secret: str | None = None) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret if secret is None else secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    def token(
        self,
        client: Client,
        data: dict[str, str],
        *,
        secret: str | None = None,
        remote_addr: str = "127.0.0.1",
    ) -> Response:
        return client.post("/o/token/", data, headers=self.basic(secret), REMOTE_ADDR=remote_addr)

    def password_grant(
        self, client: Client, username: str, password: str, *, scope: str = "", **kw: str
    ) -> Response:
        data = {"grant_type": "password", "username": username, "password": password}
        return self.token(client, {**data, "scope": scope} if scope else data, **kw)


@pytest.fixture
def oauth_client(db: None) -> OAuthClient:
    return OAuthClient(ApplicationFactory.create(client_secret=CLIENT_SECRET))


@pytest.fixture
def other_oauth_client(db: None) -> OAuthClient:
    return OAuthClient(
        ApplicationFactory.create(client_secret=CLIENT_SECRET + "-other"), CLIENT_SECRET + "-other"
    )
