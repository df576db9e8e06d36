"""`make bench`: the service under `make serve` (gunicorn) on 127.0.0.1, loaded with wrk.

For each database (SQLite; PostgreSQL too when DATABASE_URL names one) and each directory size,
it seeds a fresh database made for the benchmark, starts the server, runs wrk against every
endpoint for a few seconds in interleaved rounds, and prints one table: req/s, p50/p99
latency, queries per request and the ratio to the /health/live/ floor of the same run.
A write (PATCH /users/{id}/) is measured twice: on that server, and on a second one serving
bench/wsgi_unaudited.py (bench-only: the same app without the audit's events) on the same
database, to price the audit trail.
"""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SIZES = [int(n) for n in os.environ.get("BENCH_USERS", "50,10000").split(",")]
DURATION = os.environ.get("BENCH_DURATION", "2s")
# Rounds run every endpoint of every directory size in turn (one server per size, side by side)
# and keep each one's best: on a shared machine, load from other processes comes and goes, and
# interleaving exposes every endpoint and size to it alike.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "4")
# Which of the two to run: PostgreSQL only with DATABASE_URL set to it.
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    auth: str = ""
    body: str = ""
    audited: bool = True  # False: served by the bench-only server without the audit


@dataclass
class Result:
    endpoint: Endpoint
    rps: float
    p50_ms: float
    p99_ms: float
    queries: int
    errors: str
    cpu_ms: float
    database_cpu_ms: float  # PostgreSQL's processes on this machine; 0 for SQLite


def endpoints(seed: dict[str, object]) -> list[Endpoint]:
    clients: dict[str, dict[str, str]] = seed["clients"]  # type: ignore[assignment]
    bearer = f"Bearer {seed['token']}"

    def basic(grant: str) -> str:
        pair = f"{clients[grant]['client_id']}:{clients[grant]['client_secret']}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    password_body = urlencode(
        {"grant_type": "password", "username": seed["username"], "password": seed["password"]}
    )
    return [
        Endpoint("GET /health/live/ (floor)", "GET", "/health/live/"),
        Endpoint("GET /users/{id}/", "GET", f"/users/{seed['user_id']}/", bearer),
        *lists(seed, bearer),
        Endpoint(
            "POST /o/token/ client_credentials",
            "POST",
            "/o/token/",
            basic("client-credentials"),
            "grant_type=client_credentials",
        ),
        Endpoint("POST /o/token/ password", "POST", "/o/token/", basic("password"), password_body),
        Endpoint("PATCH /users/{id}/ (audited)", "PATCH", f"/users/{seed['user_id']}/", bearer),
        Endpoint(
            "PATCH /users/{id}/ (no audit, bench)",
            "PATCH",
            f"/users/{seed['user_id']}/",
            bearer,
            audited=False,
        ),
    ]


USERS_FIRST = "GET /users/ (page of 50)"
SEARCH = "GET /users/?search= (selective)"
MEMBERS_FIRST = "GET /groups/{id}/members/"
GROUPS_FIRST = "GET /groups/"


def lists(seed: dict[str, object], bearer: str) -> list[Endpoint]:
    """Each list's first page and, when it has more than one, a deep page reached by `next`:
    the page's `next` URL, its cursor computed by bench/seed.py (`deep_page`)."""
    members = f"/groups/{seed['group_id']}/members/"
    found = [
        Endpoint(USERS_FIRST, "GET", "/users/", bearer),
        Endpoint(SEARCH, "GET", f"/users/?search={seed['selective_search']}", bearer),
        Endpoint("GET /users/?search= (common: user12)", "GET", "/users/?search=user12", bearer),
        Endpoint(GROUPS_FIRST, "GET", "/groups/", bearer),
        Endpoint(MEMBERS_FIRST, "GET", members, bearer),
    ]
    deep_users: list[int] | None = seed["deep_users"]  # type: ignore[assignment]
    deep_members: list[int] | None = seed["deep_members"]  # type: ignore[assignment]
    if deep_users:
        page, cursor = deep_users
        found += [
            Endpoint(f"GET /users/ page {page} by next", "GET", f"/users/?cursor={cursor}", bearer),
            Endpoint(
                f"GET /users/ page {page} by offset",
                "GET",
                f"/users/?offset={(page - 1) * 50}",
                bearer,
            ),
        ]
    if deep_members:
        page, cursor = deep_members
        name = f"GET /groups/{{id}}/members/ page {page} by next"
        found.append(Endpoint(name, "GET", f"{members}?cursor={cursor}", bearer))
    return found


# Which first page, at the smallest size, each list's rows are compared with.
BASELINE = {"GET /users/ ": USERS_FIRST, "GET /users/?search= (s": SEARCH}
BASELINE |= {"GET /groups/{id}/members/": MEMBERS_FIRST, "GET /groups/ ": GROUPS_FIRST}
DEEP_NOTE = (
    "A deep page is page 10000 of a list (its last page if shorter), requested by the `next` "
    "URL a walk would have followed: its cursor, the id of the last item of the page before, "
    "is read once from the database by bench/seed.py instead of walking 10,000 pages. `by "
    "offset` is the same page by limit/offset, for contrast (no goal)."
)


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def signing_key() -> str:
    """An ID-token signing key for this run's servers (config/oidc_keys.py)."""
    return run(
        [PYTHON, "-c", "from config.oidc_keys import generate_pem; print(generate_pem())"],
        dict(os.environ),
    )


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_DEBUG="false")
    env.setdefault("DJANGO_SECRET_KEY", "bench-" + "k" * 50)
    if not env.get("OIDC_RSA_PRIVATE_KEY_FILE"):
        env.setdefault("OIDC_RSA_PRIVATE_KEY", signing_key())
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    env["DJANGO_LOG_LEVEL"] = "ERROR"  # 4xx warnings would flood; the bench checks statuses
    return env


def wait_until_live(server: subprocess.Popen[bytes], base: str) -> None:
    for _ in range(200):
        if server.poll() is not None:
            sys.exit("the server exited during start-up")
        try:
            with urllib.request.urlopen(f"{base}/health/live/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not become live")


WRK_LINE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def cpu_ms(*, master: int | None = None, command: str | None = None) -> float:
    """CPU time (user + system) used so far, from /proc, by the processes whose parent is
    `master` (the server's workers) or that run `command` (PostgreSQL's, on this machine):
    unlike req/s, barely moved by what else the machine runs."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        values = fields.split()
        if int(values[1]) == master or name == command:  # ppid, comm
            total += (int(values[11]) + int(values[12])) * tick_ms  # utime, stime
    return total


def load(endpoint: Endpoint, queries: int, server: "Server") -> Result:
    # The password grant's latency is the point: no more connections than workers, so no
    # request waits in the queue behind another's password hash.
    connections = WORKERS if endpoint.body.startswith("grant_type=password") else CONNECTIONS
    args = ["wrk", "-t1", f"-c{connections}", f"-d{DURATION}", "--latency", "--timeout", "10s"]
    env = dict(os.environ)
    if endpoint.method in ("POST", "PATCH"):
        args += ["-s", str(ROOT / "bench" / f"{endpoint.method.lower()}.lua")]
        env.update(BENCH_BODY=endpoint.body, BENCH_AUTH=endpoint.auth)
    elif endpoint.auth:
        args += ["-H", f"Authorization: {endpoint.auth}"]
    process, base = (
        (server.process, server.base)
        if endpoint.audited
        else (server.unaudited, server.unaudited_base)
    )
    cpu_before, database_before = cpu_ms(master=process.pid), cpu_ms(command="postgres")
    output = run([*args, base + endpoint.path], env)
    workers = cpu_ms(master=process.pid) - cpu_before
    database = cpu_ms(command="postgres") - database_before
    done = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = {pct: float(v) * UNITS[unit] for pct, v, unit in WRK_LINE.findall(output)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = ", ".join(
        text
        for text in (
            bad and f"{bad.group(1)} non-2xx",
            socket_errors and socket_errors.group(1),
        )
        if text
    )
    done = max(done, 1)
    return Result(
        endpoint,
        rps,
        latency["50"],
        latency["99"],
        queries,
        errors,
        workers / done,
        database / done,
    )


@dataclass
class Server:
    users: int
    targets: list[Endpoint]
    queries: list[int]
    password_hash_ms: float
    base: str
    process: subprocess.Popen[bytes]
    unaudited_base: str
    unaudited: subprocess.Popen[bytes]


def start(database_url: str, users: int) -> Server:
    """Seed `users` into the database, count each endpoint's queries, start `make serve`."""
    env = server_env(database_url)
    seed = json.loads(run([PYTHON, "bench/seed.py", str(users)], env))
    targets = endpoints(seed)
    requests = [
        {"method": e.method, "path": e.path, "auth": e.auth, "body": e.body, "audited": e.audited}
        for e in targets
    ]
    measured = json.loads(run([PYTHON, "bench/count_queries.py"], env, json.dumps(requests)))
    port = free_port()
    process = subprocess.Popen(
        ["scripts/serve", "--log-level", "warning"],
        cwd=ROOT,
        env=dict(env, MIGRATE="false", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=WORKERS),
    )
    base = f"http://127.0.0.1:{port}"
    unaudited: subprocess.Popen[bytes] | None = None
    try:
        # Live means scripts/serve's collectstatic is done: WhiteNoise in the second server
        # scans staticfiles/ at start-up and fails on files being replaced under it.
        wait_until_live(process, base)
        # Bench-only: the same app and database, its writes' audit events not recorded.
        unaudited_port = free_port()
        unaudited = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "wsgi_unaudited:application",
                "--pythonpath",
                "bench",
                "--config",
                "python:config.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{unaudited_port}",
                "--workers",
                WORKERS,
                "--preload",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        unaudited_base = f"http://127.0.0.1:{unaudited_port}"
        wait_until_live(unaudited, unaudited_base)
    except BaseException:
        for started in (process, unaudited):
            if started is not None:
                started.terminate()
                started.wait()
        raise
    server = Server(
        users,
        targets,
        measured["queries"],
        measured["password_hash_ms"],
        base,
        process,
        unaudited_base,
        unaudited,
    )
    return server


def bench(label: str, database_urls: dict[int, str]) -> None:
    servers: list[Server] = []
    try:
        for users, url in database_urls.items():
            servers.append(start(url, users))
        rounds = [
            [
                [load(e, n, server) for e, n in zip(server.targets, server.queries, strict=True)]
                for server in servers
            ]
            for _ in range(ROUNDS)
        ]
    finally:
        for server in servers:
            for process in (server.process, server.unaudited):
                process.terminate()
                process.wait(timeout=30)
    by_size = {}
    for index, server in enumerate(servers):
        runs = zip(*(one_round[index] for one_round in rounds), strict=True)
        results = [max(tries, key=lambda r: r.rps) for tries in runs]
        title = f"{label}, {server.users} users, {WORKERS} gunicorn workers"
        print_table(title, results, database=label == "PostgreSQL")
        password = next(r for r in results if r.endpoint.name == "POST /o/token/ password")
        print(
            f"One password hash (default hasher, in-process, same run): "
            f"{server.password_hash_ms:.0f} ms; password grant p50 = "
            f"{password.p50_ms / server.password_hash_ms:.2f}x that"
        )
        by_size[server.users] = {r.endpoint.name: r for r in results}
    if len(by_size) > 1:
        print_ratios(label, by_size)


def print_ratios(label: str, by_size: dict[int, dict[str, Result]]) -> None:
    """Each list's p50 at the largest size over its first page's at the smallest (the goal:
    1.5x), and the same ratio of worker CPU per request, which the machine's load moves less."""
    small, large = min(by_size), max(by_size)
    print(f"\n{label}: each list with {large} users over the same list's first page with {small}")
    print(textwrap.fill(DEEP_NOTE, 96))
    print(f"{'endpoint':44} {'p50 ms':>8} {'ratio':>6} {'goal 1.5x':>9} {'cpu ms':>7} {'ratio':>6}")
    for name, result in by_size[large].items():
        first = next((v for k, v in BASELINE.items() if (name + " ").startswith(k)), None)
        if first is None:
            continue
        base = by_size[small][first]
        ratio = result.p50_ms / base.p50_ms
        verdict = "ok" if ratio <= 1.5 else "over"
        if name.endswith("by offset"):
            verdict = "-"
        print(
            f"{name:44} {result.p50_ms:8.2f} {ratio:5.2f}x {verdict:>9} "
            f"{result.cpu_ms:7.3f} {result.cpu_ms / base.cpu_ms:5.2f}x"
        )


def print_table(title: str, results: list[Result], *, database: bool) -> None:
    """`database`: also PostgreSQL's own CPU per request (its processes on this machine)."""
    floor, floor_cpu = results[0].rps, results[0].cpu_ms
    print(f"\n{title} (wrk -t1 -c{CONNECTIONS} -d{DURATION}, best of {ROUNDS} rounds)")
    print(f"(the password grant with -c{WORKERS}: one connection per worker)")
    print(
        f"{'endpoint':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>7} {'floor':>6}"
        f" {'cpu ms/req':>10} {'cpu floor':>9}" + (f" {'db ms/req':>9}" if database else "")
    )
    for r in results:
        line = (
            f"{r.endpoint.name:44} {r.rps:8.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.queries:7d} {r.rps / floor:6.1%} {r.cpu_ms:10.3f} {floor_cpu / r.cpu_ms:9.1%}"
        ) + (f" {r.database_cpu_ms:9.3f}" if database else "")
        print(line + (f"  ({r.errors})" if r.errors else ""), flush=True)


def fresh_postgres(url: str, suffix: str) -> str:
    """A `<name>_bench_<suffix>` database next to the one in `url`, recreated: never the real
    data."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_bench_{suffix}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    if "sqlite" in DATABASES:
        with tempfile.TemporaryDirectory() as scratch:
            bench("SQLite", {n: f"sqlite:///{scratch}/bench-{n}.sqlite3" for n in SIZES})
    pg = os.environ.get("DATABASE_URL", "")
    if "postgresql" in DATABASES and pg.startswith(("postgres://", "postgresql://")):
        bench("PostgreSQL", {n: fresh_postgres(pg, str(n)) for n in SIZES})


if __name__ == "__main__":
    main()
