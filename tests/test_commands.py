import base64
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import Application

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap", base_url="http://127.0.0.1:8000", stdout=out)
    return out.getvalue()


def printed(pattern: str, out: str) -> tuple[str, ...]:
    match = re.search(pattern, out)
    assert match, pattern
    return match.groups()


def test_bootstrap_creates_the_demo_data_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    first = bootstrap()
    assert "client_secret:" in first
    second = bootstrap()
    assert "already present" in second
    assert "client_secret" not in second
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1
    assert Application.objects.count() == 2  # the tutorial's client and Swagger UI's
    assert set(Group.objects.values_list("name", flat=True)) == {"engineering", "support"}
    assert User.objects.count() == 3


def test_bootstrap_prints_credentials_that_work_on_the_token_endpoint(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = bootstrap()
    username, password = printed(r"Admin user:\s+(\S+) / (\S+)", out)
    (client_id,) = printed(r"client_id:\s+(\S+)", out)
    (client_secret,) = printed(r"client_secret:\s+(\S+)", out)
    assert f'-u"{client_id}:{client_secret}" http://127.0.0.1:8000/o/token/' in out
    assert 'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/users/' in out

    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = client.post(
        "/o/token/",
        f"grant_type=password&username={username}&password={password}",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read write groups"


def test_bootstrap_prints_the_demo_users_passwords_once_and_they_get_tokens(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    out = bootstrap()
    (client_id,) = printed(r"client_id:\s+(\S+)", out)
    (client_secret,) = printed(r"client_secret:\s+(\S+)", out)
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    for name in ("alice", "bob"):
        username, password = printed(rf"Demo user:\s+({name}) / (\S+)", out)
        response = client.post(
            "/o/token/",
            f"grant_type=password&username={username}&password={password}",
            content_type="application/x-www-form-urlencoded",
            headers={"Authorization": f"Basic {basic}"},
        )
        assert response.status_code == 200, response.content
        token = response.json()["access_token"]
        # An ordinary user: reads the directory, may not create users.
        assert (
            client.get("/users/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )
        created = client.post(
            "/users/",
            f"username=x{name}&password={PASSWORD}",
            content_type="application/x-www-form-urlencoded",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 403
    assert "Demo user:" not in bootstrap()


def test_bootstrap_uses_the_superuser_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-Password-77")
    bootstrap()
    assert User.objects.get(username="root").check_password("Root-Password-77")


def test_createsuperuser_noinput_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Ops-Password-88")
    call_command("createsuperuser", interactive=False, stdout=StringIO())
    assert User.objects.get(username="ops").check_password("Ops-Password-88")


def test_dots_createapplication_makes_a_usable_password_client(client: Client) -> None:
    call_command(
        "createapplication",
        "confidential",
        "password",
        "--client-id",
        "cli-1",
        "--client-secret",
        "sekret-1",
        "--name",
        "cli",
        stdout=StringIO(),
    )
    UserFactory.create(username="carol")
    basic = base64.b64encode(b"cli-1:sekret-1").decode()
    response = client.post(
        "/o/token/",
        f"grant_type=password&username=carol&password={PASSWORD}&scope=read",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/users/me/", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "carol"
