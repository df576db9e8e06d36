"""The service as deployed: `manage.py runserver` or gunicorn processes on a database of their
own (a SQLite file with the real settings, or a fresh PostgreSQL database when the suite runs
on PostgreSQL), for tests that need real parallel requests, the servers' own logs, or
`manage.py` commands beside a running server."""

import fcntl
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
from django.conf import settings

from tests.helpers import signing_key

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import json, secrets
from datetime import timedelta
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

# Not a superuser: the token's user holds just the permissions the tests' writes need.
password = secrets.token_urlsafe(16)
operator = User.objects.create_user("operator", password=password)
operator.user_permissions.set(
    Permission.objects.filter(
        content_type__app_label="auth",
        codename__in=["add_user", "change_user", "add_group", "change_group"],
    )
)
client_secret = secrets.token_urlsafe(32)
app = Application.objects.create(
    name="live", client_type="confidential", authorization_grant_type="password", user=operator,
    client_secret=client_secret,
)
raw = secrets.token_urlsafe(24)
AccessToken.objects.create(
    user=operator, application=app, token=raw, scope="read write groups",
    expires=timezone.now() + timedelta(hours=1),
)
group = Group.objects.create(name="crowd")
members = [User.objects.create(username=f"member{n}") for n in range(10)]
print(json.dumps({
    "token": raw, "group": group.pk, "members": [u.pk for u in members],
    "username": operator.username, "password": password,
    "client_id": app.client_id, "client_secret": client_secret,
}))
"""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Service:
    urls: list[str]
    token: str
    group: int
    members: list[int]
    logs: list[Path]
    # The token's user's password, and a confidential client of the password grant.
    username: str
    password: str
    client_id: str
    client_secret: str
    env: dict[str, str]  # the servers' environment, for `shell`

    def request(
        self,
        n: int,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Request number `n` goes to server n mod len(urls), with the operator's token unless
        `token` is another, and any other `headers`."""
        data = None if body is None else json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {token or self.token}",
            "Content-Type": "application/json",
            **(headers or {}),
        }
        return self.send(n, method, path, data, headers)

    def send(
        self, n: int, method: str, path: str, data: bytes | None, headers: dict[str, str]
    ) -> Reply:
        """Any request, as it is given, to server n mod len(urls)."""
        request = urllib.request.Request(  # noqa: S310 (our own http:// URL)
            self.urls[n % len(self.urls)] + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return Reply(response.status, _json(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, _json(error.read()), dict(error.headers))

    def shell(self, code: str) -> Any:
        """Runs `code` in `manage.py shell` on the servers' database; the JSON it printed last."""
        return json.loads(run(self.env, "shell", "-c", code).stdout.strip().splitlines()[-1])


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:  # HTML from the server itself (e.g. runserver's own 400): kept as text
        return raw.decode(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _database(tmp: Path) -> Iterator[str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp / 'live.sqlite3'}"
        return
    name = f"live_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{name}"
            )
        finally:
            _drop(admin, name)


def _drop(admin: psycopg.Connection[Any], name: str) -> None:
    """A plain DROP DATABASE: it waits up to 5 s for the servers' sessions to end and stops an
    autovacuum worker on the database. WITH (FORCE) fails on one, when the role is no
    superuser (it may not signal the worker)."""
    for attempt in range(3):
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 2:
                raise


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server at {url} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/users/", timeout=2)  # noqa: S310
        except urllib.error.HTTPError:
            return  # 401: Django is answering
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


Server = Literal["runserver", "gunicorn"]
GUNICORN_CONFIG = "python:config.gunicorn_conf"


def _serve(
    server: Server, manage: list[str], port: int, log: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    if server == "runserver":
        command = [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
        # runserver answers each request on a thread of its own, which would leave its
        # persistent connection unclosed (Python 3.13's sqlite3 warns of each).
        env = {**env, "DATABASE_CONN_MAX_AGE": "0"}
    else:  # with the config scripts/serve gives it (not the script: its collectstatic would
        # rewrite the static files under running servers), and its access log on
        command = [
            *[sys.executable, "-m", "gunicorn", "config.wsgi:application"],
            *["--config", GUNICORN_CONFIG, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            # No control socket: the default one is shared by every gunicorn of the user.
            *["--access-logfile", "-", "--no-control-socket"],
        ]
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )


MANAGE = [sys.executable, str(ROOT / "manage.py")]


@contextmanager
def live_environment(tmp: Path) -> Iterator[dict[str, str]]:
    """The environment of `manage.py` as deployed, on a database of its own, migrated."""
    with _database(tmp) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "OIDC_RSA_PRIVATE_KEY": signing_key(),
        }
        run(env, "migrate", "--no-input")
        yield env


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` in `env`, in a session of its own: with no terminal to open, getpass
    reads `stdin` as a terminal's input."""
    return subprocess.run(  # noqa: S603 (our own command line)
        [*MANAGE, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=True,
    )


@contextmanager
def live_servers(
    tmp: Path, env: dict[str, str], servers: int | tuple[Server, ...]
) -> Iterator[tuple[list[str], list[Path]]]:
    """Server processes in `env` (a number of them: runserver): their URLs and their logs."""
    runserver: Server = "runserver"
    kinds = (runserver,) * servers if isinstance(servers, int) else servers
    ports = [_free_port() for _ in kinds]
    logs = [tmp / f"{kind}-{port}.log" for kind, port in zip(kinds, ports, strict=True)]
    processes = [
        _serve(kind, MANAGE, port, log, env)
        for kind, port, log in zip(kinds, ports, logs, strict=True)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process)
        yield urls, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@contextmanager
def live_service(tmp: Path, servers: int | tuple[Server, ...] = 2) -> Iterator[Service]:
    with live_environment(tmp) as env:
        data = json.loads(run(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])
        with live_servers(tmp, env, servers) as (urls, logs):
            yield Service(urls=urls, logs=logs, env=env, **data)


def collect_static() -> None:
    """The static files as `make serve` collects them: with DJANGO_DEBUG=false a page that
    names one needs its entry in the manifest. One test process at a time writes it."""
    static_root = Path(settings.STATIC_ROOT)
    static_root.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "OIDC_RSA_PRIVATE_KEY": signing_key(),
    }
    with (static_root / ".collecting").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run(env, "collectstatic", "--no-input", "--verbosity", "0")
