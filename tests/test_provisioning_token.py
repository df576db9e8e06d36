"""`manage.py issue_provisioning_token`: a `scim` token of a chosen lifetime for a provisioning
client that takes a static bearer token (Okta's "HTTP Header" authentication), issued to the
client as the client credentials grant would, audited as token issuance is, revocable as any
token is."""

import base64
import hashlib
import json
import logging
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from audit.models import AuditEvent
from tests.factories import ApplicationFactory, PublicClientFactory, UserFactory
from tests.scim import BASE, SCIM, USER_SCHEMA, error_of, provisioning_client

pytestmark = pytest.mark.django_db

SECRET = "s3cret-of-the-provisioning-client"


def issue(client_id: str = "entra-provisioning", days: int = 365) -> tuple[str, str]:
    """What the command prints: (standard output, standard error)."""
    out, err = StringIO(), StringIO()
    call_command(
        "issue_provisioning_token", "--client-id", client_id, "--days", str(days),
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


def stored(token: str) -> AccessToken:
    checksum = hashlib.sha256(token.encode()).hexdigest()
    return AccessToken.objects.select_related("application").get(token_checksum=checksum)


def scim_get(client: Client, token: str, path: str = "/Users") -> int:
    response = client.get(BASE + path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_the_token_alone_is_printed_and_provisions_as_the_applications_owner(
    client: Client,
) -> None:
    owner = provisioning_client().user
    out, _ = issue()
    token = out.strip()
    assert out == f"{token}\n"
    created = client.post(
        f"{BASE}/Users",
        json.dumps({"schemas": [USER_SCHEMA], "userName": "alice@example.com"}),
        content_type=SCIM,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.content
    assert User.objects.filter(username="alice@example.com").exists()
    event = AuditEvent.objects.get(action="user.created", target_label="alice@example.com")
    assert (event.actor_id, event.client_id) == (owner.pk, "entra-provisioning")


def test_the_token_is_what_the_client_credentials_grant_issues_but_for_the_days_asked() -> None:
    provisioning_client()
    before = timezone.now()
    out, err = issue(days=365)
    after = timezone.now()
    token = stored(out.strip())
    assert (token.user, token.scope, token.application.client_id) == (
        None,
        "scim",
        "entra-provisioning",
    )
    assert before + timedelta(days=365) <= token.expires <= after + timedelta(days=365)
    said = datetime.fromisoformat(err.split(" expires ")[1].split(". ")[0])
    assert abs(said - token.expires) < timedelta(seconds=1)
    assert token.token == ""  # RFC 9700 token storage: only the checksum is kept


def test_the_token_stops_working_once_its_expiry_has_passed(client: Client) -> None:
    provisioning_client()
    token = issue(days=1)[0].strip()
    assert scim_get(client, token) == 200
    # A day later, as seen from the token's row.
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = client.get(f"{BASE}/Users", headers={"Authorization": f"Bearer {token}"})
    assert error_of(response) == (401, None)
    assert "expired" in response.json()["detail"]


def test_each_run_issues_a_new_token_and_leaves_the_others_valid(client: Client) -> None:
    provisioning_client()
    first, second = issue()[0].strip(), issue()[0].strip()
    assert first != second
    assert scim_get(client, first) == scim_get(client, second) == 200


def test_the_client_revokes_it_at_the_revocation_endpoint(client: Client) -> None:
    application = provisioning_client()
    application.client_secret = SECRET
    application.save()
    token = issue()[0].strip()
    basic = base64.b64encode(f"entra-provisioning:{SECRET}".encode()).decode()
    revoked = client.post(
        "/o/revoke_token/", {"token": token}, headers={"Authorization": f"Basic {basic}"}
    )
    assert revoked.status_code == 200
    assert scim_get(client, token) == 401
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_issuing_is_audited_as_the_client_with_the_lifetime_and_without_the_token() -> None:
    provisioning_client()
    token = issue(days=30)[0].strip()
    issued = stored(token)
    event = AuditEvent.objects.get(action="token.issued")
    assert (event.target_type, event.target_id, event.target_label) == (
        "token",
        str(issued.pk),
        "Entra ID provisioning",
    )
    assert (event.actor_id, event.client_id, event.scopes) == (None, "entra-provisioning", "scim")
    assert event.changes == {
        "grant_type": "issue_provisioning_token",
        "expires": issued.expires.isoformat(),
    }
    everything = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert token not in everything
    assert issued.token_checksum not in everything


def test_the_token_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    provisioning_client()
    with caplog.at_level(logging.DEBUG):
        token = issue()[0].strip()
    assert token not in caplog.text
    assert stored(token).token_checksum not in caplog.text


@pytest.mark.parametrize("days", [0, -1, 401])
def test_a_lifetime_outside_one_to_400_days_is_refused(days: int) -> None:
    provisioning_client()
    with pytest.raises(CommandError, match="between 1 and 400"):
        issue(days=days)
    assert not AccessToken.objects.exists()


def test_400_days_is_accepted() -> None:
    provisioning_client()
    token = stored(issue(days=400)[0].strip())
    assert token.expires > timezone.now() + timedelta(days=399)


def test_an_unknown_client_is_refused() -> None:
    with pytest.raises(CommandError, match="No application has the client_id 'okta'"):
        issue("okta")


def test_a_public_client_is_refused() -> None:
    PublicClientFactory.create(client_id="spa", user=UserFactory.create())
    with pytest.raises(CommandError, match="public client"):
        issue("spa")
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize(
    "grant", [Application.GRANT_PASSWORD, Application.GRANT_AUTHORIZATION_CODE]
)
def test_a_client_of_another_grant_is_refused(grant: str) -> None:
    ApplicationFactory.create(
        client_id="web",
        user=UserFactory.create(),
        authorization_grant_type=grant,
        redirect_uris="https://app.example/cb",
    )
    with pytest.raises(CommandError, match="client-credentials"):
        issue("web")
    assert not AccessToken.objects.exists()


def test_an_application_without_an_active_owner_is_refused() -> None:
    ApplicationFactory.create(
        client_id="orphan", user=None, authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS
    )
    inactive = provisioning_client(owner=UserFactory.create(is_active=False))
    for client_id in ("orphan", inactive.client_id):
        with pytest.raises(CommandError, match="no active owner"):
            issue(client_id)
    assert not AccessToken.objects.exists()
    assert not AuditEvent.objects.filter(action="token.issued").exists()


def test_deactivating_the_owner_stops_the_token(client: Client) -> None:
    owner = provisioning_client().user
    token = issue()[0].strip()
    owner.is_active = False
    owner.save()
    assert scim_get(client, token) == 401
