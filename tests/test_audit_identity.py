"""The audit trail of identity: tokens issued, refreshed and revoked at DOT's endpoints, pages
and admin; password sign-ins on each way in; OAuth2 applications however they are written.
Each action is one event, naming no secret, in the transaction of its change."""

import base64
import hashlib
import json
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import Client
from oauth2_provider.models import AccessToken, Application, RefreshToken
from pytest_django.fixtures import Settings

from audit.models import AuditEvent
from tests.factories import PASSWORD, ApplicationFactory, PublicClientFactory, UserFactory
from tests.helpers import Response
from tests.test_sign_in import authorize_url, code_from, consent, exchange, pkce_pair

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"
REQUEST_ID = "req-identity-1"
SECRET = "client-secret-of-the-identity-audit-tests-0123456789"
WRONG = "not-the-password"
FIELDS = (
    "action",
    "actor_id",
    "actor_username",
    "client_id",
    "scopes",
    "ip",
    "request_id",
    "target_type",
    "target_id",
    "target_label",
    "changes",
)


def events_after(mark: int = 0, **filters: Any) -> list[dict[str, Any]]:
    """Of tokens, sign-ins and applications: not the users and groups the factories' saves
    record (directory.audit; tests/test_audit_paths.py)."""
    rows = (
        AuditEvent.objects.filter(id__gt=mark, **filters)
        .exclude(Q(action__startswith="user.") | Q(action__startswith="group."))
        .order_by("id")
        .values(*FIELDS)
    )
    return [dict(row) for row in rows]


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def event(action: str, target: tuple[str, object, str], **fields: Any) -> dict[str, Any]:
    """The expected row: no actor, client or request unless given."""
    target_type, target_id, label = target
    defaults: dict[str, Any] = {
        "actor_id": None,
        "actor_username": "",
        "client_id": "",
        "scopes": "",
        "ip": IP,
        "request_id": REQUEST_ID,
        "changes": {},
    }
    return {
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "target_label": label,
        **defaults,
        **fields,
    }


def by(user: User) -> dict[str, Any]:
    return {"actor_id": user.pk, "actor_username": user.username}


def assert_no_secret(*secrets: str) -> None:
    """Neither a secret nor its SHA-256 (DOT's token checksum) in any stored event."""
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret in secrets:
        assert secret not in stored
        assert hashlib.sha256(secret.encode()).hexdigest() not in stored


class Rollback(Exception):
    pass


def rolled_back(action: Callable[[], object]) -> None:
    """`action` in a transaction that then rolls back, as a failure after it would."""
    with suppress(Rollback), transaction.atomic():
        action()
        assert events_after()
        raise Rollback


def assert_chain_intact() -> None:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().splitlines()[0].endswith("chain intact")


def basic(application: Application, secret: str = SECRET) -> dict[str, str]:
    raw = f"{application.client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def token_request(client: Client, application: Application, data: dict[str, str]) -> Response:
    return client.post(
        "/o/token/",
        data,
        headers={**basic(application), "X-Request-ID": REQUEST_ID},
        REMOTE_ADDR=IP,
    )


def password_grant(
    client: Client, application: Application, username: str, password: str = PASSWORD
) -> Response:
    data = {"grant_type": "password", "username": username, "password": password}
    return token_request(client, application, data)


@pytest.fixture
def application() -> Application:
    return ApplicationFactory.create(name="Reporting", client_secret=SECRET)


@pytest.fixture
def ada() -> User:
    return UserFactory.create(username="ada")


def token_of(response: Response) -> tuple[AccessToken, dict[str, Any]]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return AccessToken.objects.get(token_checksum=checksum(body["access_token"])), body


def checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The token endpoint


def test_a_password_grant_records_the_sign_in_and_the_token_it_issued(
    client: Client, application: Application, ada: User
) -> None:
    token, body = token_of(password_grant(client, application, "Ada"))
    as_ada = {**by(ada), "client_id": application.client_id, "scopes": "read write groups"}
    assert events_after() == [
        event("sign_in.succeeded", ("user", ada.pk, "Ada"), **as_ada),
        event(
            "token.issued",
            ("token", token.pk, "Reporting"),
            **as_ada,
            changes={"grant_type": "password"},
        ),
    ]
    assert_no_secret(body["access_token"], body["refresh_token"], SECRET, PASSWORD)
    assert_chain_intact()


def test_a_refresh_records_the_new_token_and_the_one_it_replaces(
    client: Client, application: Application, ada: User
) -> None:
    first, issued = token_of(password_grant(client, application, "ada", PASSWORD))
    mark = last_id()
    refresh = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    second, refreshed = token_of(token_request(client, application, refresh))
    assert events_after(mark) == [
        event(
            "token.refreshed",
            ("token", second.pk, "Reporting"),
            **by(ada),
            client_id=application.client_id,
            scopes="read write groups",
            changes={"previous_token": first.pk},
        )
    ]
    secrets = [v for v in [*issued.values(), *refreshed.values()] if isinstance(v, str)]
    assert_no_secret(*[s for s in secrets if s not in ("Bearer", "read write groups")])
    assert_chain_intact()


def test_a_client_credentials_token_is_recorded_with_its_client_and_no_actor(
    client: Client,
) -> None:
    service = ApplicationFactory.create(
        name="Batch",
        client_secret=SECRET,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    token, body = token_of(
        token_request(client, service, {"grant_type": "client_credentials", "scope": "read"})
    )
    assert events_after() == [
        event(
            "token.issued",
            ("token", token.pk, "Batch"),
            client_id=service.client_id,
            scopes="read",
            changes={"grant_type": "client_credentials"},
        )
    ]
    assert_no_secret(body["access_token"], SECRET)


def test_a_code_exchanged_for_a_token_is_recorded_as_the_user_who_consented(
    client: Client, ada: User
) -> None:
    swagger = PublicClientFactory.create(name="Swagger UI")
    verifier, challenge = pkce_pair()
    client.force_login(ada)
    code = code_from(consent(client, authorize_url(swagger.client_id, challenge)))
    mark = last_id()
    token, body = token_of(exchange(Client(), swagger, code, verifier))
    assert events_after(mark) == [
        event(
            "token.issued",
            ("token", token.pk, "Swagger UI"),
            **by(ada),
            client_id=swagger.client_id,
            scopes="read groups",
            ip="127.0.0.1",
            request_id=events_after(mark)[0]["request_id"],
            changes={"grant_type": "authorization_code"},
        )
    ]
    assert events_after(mark)[0]["request_id"]
    assert_no_secret(body["access_token"], body["refresh_token"], code, verifier)


def test_a_refused_token_request_records_no_token(
    client: Client, application: Application, ada: User
) -> None:
    wrong_client = client.post(
        "/o/token/",
        {"grant_type": "password", "username": "ada", "password": PASSWORD},
        headers=basic(application, "wrong-secret"),
    )
    assert wrong_client.status_code == 401
    bad_scope = token_request(
        client,
        application,
        {"grant_type": "password", "username": "ada", "password": PASSWORD, "scope": "admin"},
    )
    assert bad_scope.status_code == 400
    assert events_after() == []


def test_a_token_rolled_back_takes_its_events_with_it(
    client: Client, application: Application, ada: User
) -> None:
    rolled_back(lambda: token_of(password_grant(client, application, "ada")))
    assert not AccessToken.objects.exists()
    assert events_after() == []


# Revocation: RFC 7009 endpoint, the user's authorized-tokens page, the admin


def revoke(client: Client, application: Application, token: str, hint: str = "") -> Response:
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    return client.post(
        "/o/revoke_token/",
        data,
        headers={**basic(application), "X-Request-ID": REQUEST_ID},
        REMOTE_ADDR=IP,
    )


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoking_a_token_at_the_endpoint_records_its_access_token_once(
    client: Client, application: Application, ada: User, which: str
) -> None:
    token, body = token_of(password_grant(client, application, "ada"))
    mark = last_id()
    assert revoke(client, application, body[which], hint=which).status_code == 200
    assert revoke(client, application, body[which], hint=which).status_code == 200
    assert revoke(client, application, "never-issued").status_code == 200
    assert events_after(mark) == [
        event(
            "token.revoked",
            ("token", token.pk, "Reporting"),
            **by(ada),
            client_id=application.client_id,
            scopes="read write groups",
        )
    ]
    assert not AccessToken.objects.filter(pk=token.pk).exists()
    assert_no_secret(body["access_token"], body["refresh_token"], SECRET)
    assert_chain_intact()


def test_another_clients_token_is_neither_revoked_nor_recorded(
    client: Client, application: Application, ada: User
) -> None:
    _, body = token_of(password_grant(client, application, "ada"))
    other = ApplicationFactory.create(client_secret=SECRET)
    mark = last_id()
    assert revoke(client, other, body["access_token"]).status_code == 200
    assert events_after(mark) == []
    assert AccessToken.objects.exists()


def test_a_revocation_rolled_back_takes_its_event_with_it(
    client: Client, application: Application, ada: User
) -> None:
    _, body = token_of(password_grant(client, application, "ada"))
    mark = last_id()
    rolled_back(lambda: revoke(client, application, body["access_token"]))
    assert AccessToken.objects.exists()
    assert events_after(mark) == []


def test_revoking_ones_own_token_on_the_authorized_tokens_page_is_recorded(
    client: Client, application: Application, ada: User
) -> None:
    token, _ = token_of(password_grant(Client(), application, "ada"))
    client.force_login(ada)
    mark = last_id()
    response = client.post(
        f"/o/authorized_tokens/{token.pk}/delete/",
        headers={"X-Request-ID": REQUEST_ID},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    revoked = event("token.revoked", ("token", token.pk, "Reporting"), **by(ada))
    assert events_after(mark) == [revoked]
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_another_users_token_cannot_be_revoked_on_that_page(
    client: Client, application: Application, ada: User
) -> None:
    token, _ = token_of(password_grant(Client(), application, "ada"))
    client.force_login(UserFactory.create())
    mark = last_id()
    assert client.post(f"/o/authorized_tokens/{token.pk}/delete/").status_code == 404
    assert events_after(mark) == []


@pytest.fixture
def staff_client(client: Client) -> tuple[Client, User]:
    """An admin user with the permissions of DOT's models only: no superuser."""
    perms = [
        f"oauth2_provider.{action}_{model}"
        for model in ("application", "accesstoken", "refreshtoken")
        for action in ("view", "add", "change", "delete")
    ]
    staff = UserFactory.create(username="operator", is_staff=True, permissions=perms)
    client.force_login(staff)
    return client, staff


@pytest.mark.parametrize("model", ["accesstoken", "refreshtoken"])
def test_revoking_tokens_in_the_admin_records_each_as_the_staff_user(
    staff_client: tuple[Client, User], application: Application, ada: User, model: str
) -> None:
    client, staff = staff_client
    tokens = [token_of(password_grant(Client(), application, "ada"))[0] for _ in range(2)]
    selected = (
        [t.pk for t in tokens]
        if model == "accesstoken"
        else [RefreshToken.objects.get(access_token=t).pk for t in tokens]
    )
    mark = last_id()
    response = client.post(
        f"/admin/oauth2_provider/{model}/",
        {"action": "revoke_tokens", "_selected_action": selected},
        headers={"X-Request-ID": REQUEST_ID},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    recorded = sorted(events_after(mark), key=lambda row: int(row["target_id"]))
    assert recorded == [
        event("token.revoked", ("token", t.pk, "Reporting"), **by(staff)) for t in tokens
    ]
    assert not AccessToken.objects.exists()
    assert_chain_intact()


def test_a_password_change_revokes_tokens_without_an_event_per_token(
    client: Client, application: Application, ada: User
) -> None:
    token_of(password_grant(Client(), application, "ada"))
    mark = last_id()
    ada.set_password("Another-Horse-Battery-7")
    with transaction.atomic():
        ada.save()
    assert not AccessToken.objects.exists()
    assert events_after(mark, action="token.revoked") == []


# Sign-ins


def sign_in_page(path: str) -> Any:
    def send(username: str, password: str) -> Response:
        return Client().post(
            path,
            {"username": username, "password": password},
            headers={"X-Request-ID": REQUEST_ID},
            REMOTE_ADDR=IP,
        )

    return send


@pytest.fixture(params=["token", "admin", "sign-in"])
def way_in(request: pytest.FixtureRequest, application: Application) -> tuple[str, Any]:
    """(client_id the events name, send(username, password))."""
    if request.param == "token":
        return application.client_id, lambda u, p: password_grant(Client(), application, u, p)
    if request.param == "admin":
        return "", sign_in_page("/admin/login/?next=/admin/")
    return "", sign_in_page("/accounts/login/")


@pytest.mark.parametrize("path", ["/admin/login/?next=/admin/", "/accounts/login/"])
def test_a_browser_sign_in_is_one_event_made_by_the_user(path: str) -> None:
    staff = UserFactory.create(username="grace", is_staff=True)
    response = sign_in_page(path)("GRACE", PASSWORD)
    assert response.status_code == 302
    assert events_after() == [event("sign_in.succeeded", ("user", staff.pk, "GRACE"), **by(staff))]
    assert_no_secret(PASSWORD)


def test_a_wrong_password_is_one_failed_sign_in_without_actor(
    way_in: tuple[str, Any], ada: User
) -> None:
    client_id, send = way_in
    send("Ada", WRONG)
    send("nobody", WRONG)
    assert events_after() == [
        event("sign_in.failed", ("user", ada.pk, "Ada"), client_id=client_id),
        event("sign_in.failed", ("user", "", "nobody"), client_id=client_id),
    ]
    assert_no_secret(WRONG, PASSWORD)
    assert_chain_intact()


def test_the_failure_that_locks_and_those_refused_after_are_locked_out_events(
    way_in: tuple[str, Any], ada: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    _, send = way_in
    for _ in range(3):
        send("ada", WRONG)
    assert send("ada", PASSWORD).status_code == 429
    actions = [row["action"] for row in events_after()]
    assert actions == ["sign_in.failed"] * 2 + ["sign_in.locked_out"] * 2
    assert {row["target_id"] for row in events_after()} == {str(ada.pk)}
    assert {row["actor_id"] for row in events_after()} == {None}
    assert_no_secret(WRONG, PASSWORD)


def test_a_wrong_current_password_on_the_password_change_page_is_a_failed_sign_in(
    client: Client, ada: User
) -> None:
    client.force_login(ada)
    mark = last_id()
    response = client.post(
        "/accounts/password_change/",
        {"old_password": WRONG, "new_password1": "N3w-Horse-42!", "new_password2": "N3w-Horse-42!"},
        headers={"X-Request-ID": REQUEST_ID},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 200
    assert events_after(mark) == [event("sign_in.failed", ("user", ada.pk, "ada"))]
    assert_no_secret(WRONG, "N3w-Horse-42!")


# Applications


def application_form(**fields: str) -> dict[str, str]:
    return {
        "name": "Billing",
        "client_id": "billing-client",
        "client_secret": SECRET,
        "hash_client_secret": "on",
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_PASSWORD,
        "redirect_uris": "",
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "algorithm": "",
        **fields,
    }


def post(client: Client, path: str, data: dict[str, Any] | None = None) -> Response:
    return client.post(path, data or {}, headers={"X-Request-ID": REQUEST_ID}, REMOTE_ADDR=IP)


def test_dots_application_pages_record_creation_changes_and_deletion(
    client: Client, ada: User
) -> None:
    client.force_login(ada)
    mark = last_id()
    assert post(client, "/o/applications/register/", application_form()).status_code == 200
    billing = Application.objects.get(client_id="billing-client")
    old_hash = billing.client_secret
    new_secret = SECRET + "-rotated"
    changed = application_form(name="Billing v2", client_secret=new_secret)
    assert post(client, f"/o/applications/{billing.pk}/update/", changed).status_code == 302
    assert post(client, f"/o/applications/{billing.pk}/delete/").status_code == 302
    target = ("application", billing.pk, "Billing")
    assert events_after(mark) == [
        event("application.created", target, **by(ada)),
        event(
            "application.updated",
            (*target[:2], "Billing v2"),
            **by(ada),
            changes={"name": ["Billing", "Billing v2"], "client_secret": "changed"},
        ),
        event("application.deleted", (*target[:2], "Billing v2"), **by(ada)),
    ]
    assert_no_secret(SECRET, new_secret, old_hash)
    assert_chain_intact()


def test_an_application_update_that_changes_nothing_records_nothing(
    client: Client, ada: User
) -> None:
    client.force_login(ada)
    post(client, "/o/applications/register/", application_form())
    billing = Application.objects.get(client_id="billing-client")
    mark = last_id()
    same = application_form(client_secret=billing.client_secret)
    assert post(client, f"/o/applications/{billing.pk}/update/", same).status_code == 302
    assert events_after(mark) == []


def admin_form(**fields: str) -> dict[str, str]:
    return {**application_form(**fields), "user": "", "skip_authorization": ""}


def test_the_admin_records_application_writes_as_the_staff_user(
    staff_client: tuple[Client, User],
) -> None:
    client, staff = staff_client
    base = "/admin/oauth2_provider/application/"
    mark = last_id()
    assert post(client, f"{base}add/", admin_form()).status_code == 302
    billing = Application.objects.get(client_id="billing-client")
    changed = admin_form(name="Billing", client_secret=billing.client_secret, client_type="public")
    assert post(client, f"{base}{billing.pk}/change/", changed).status_code == 302
    assert post(client, f"{base}{billing.pk}/delete/", {"post": "yes"}).status_code == 302
    target = ("application", billing.pk, "Billing")
    assert events_after(mark) == [
        event("application.created", target, **by(staff)),
        event(
            "application.updated",
            target,
            **by(staff),
            changes={"client_type": ["confidential", "public"]},
        ),
        event("application.deleted", target, **by(staff)),
    ]
    assert_no_secret(SECRET)


def test_commands_record_the_applications_they_create_with_no_actor(ada: User) -> None:
    call_command(
        "createapplication",
        "confidential",
        "client-credentials",
        "--name=Nightly",
        f"--client-secret={SECRET}",
        stdout=StringIO(),
    )
    call_command("bootstrap", stdout=StringIO())
    rows = events_after(target_type="application")
    assert [(row["action"], row["target_label"]) for row in rows] == [
        ("application.created", "Nightly"),
        ("application.created", "Tutorial client"),
        ("application.created", "Swagger UI"),
    ]
    assert {(row["actor_id"], row["client_id"], row["ip"]) for row in rows} == {(None, "", None)}
    assert_no_secret(SECRET)
    assert_chain_intact()


def test_an_application_rolled_back_takes_its_event_with_it() -> None:
    rolled_back(
        lambda: call_command(
            "createapplication", "confidential", "client-credentials", stdout=StringIO()
        )
    )
    assert not Application.objects.exists()
    assert events_after() == []
