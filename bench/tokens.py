"""`make bench-tokens`: the API's token check with few and with many live tokens, and
`cleartokens` on many expired ones, on SQLite and (when DATABASE_URL names one) PostgreSQL.

In-process, no server: each measurement runs in its own process on a database seeded for it.
The token check is identity.selectors.TOKEN_LOOKUP (one query by DOT's indexed checksum) alone,
then a whole GET /users/{id}/ through Django's test client; sizes take turns over the rounds and
each keeps its best, as bench/bench.py does. `cleartokens` is DOT's command; every transaction
it commits is timed (on SQLite one holds the database's write lock, on PostgreSQL the deleted
rows' locks, until it commits), and so is every write another thread makes meanwhile.

BENCH_TOKENS=100,1000000 (sizes), BENCH_ROUNDS=5, BENCH_LOOKUPS=5000; BENCH_CLEAR_BATCH=N
clears in batches of N instead of the configured CLEAR_EXPIRED_TOKENS_BATCH_SIZE.
Internal steps: tokens.py seed N live|expired, tokens.py check, tokens.py clear.
"""

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bench import PYTHON, ROOT, fresh_postgres, run, server_env  # bench/bench.py

SIZES = [int(n) for n in os.environ.get("BENCH_TOKENS", "100,1000000").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "5000"))
PREFIX = "bench-token-"  # token i is PREFIX + i: any of them can be presented without a list


def setup_django() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


# One INSERT … SELECT per database: rows made by the database, the checksum DOT's (SHA-256 of
# the token, hex); SHA256() on SQLite is the function Django's backend registers.
SEED_SQL = {
    "sqlite": """
        WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %(n)s)
        INSERT INTO {table} (user_id, application_id, token, token_checksum, expires, scope,
                             resource, created, updated)
        SELECT %(user)s, %(app)s, %(prefix)s || i, SHA256(%(prefix)s || i), %(expires)s,
               'read write groups', '[]', %(now)s, %(now)s
        FROM seq
    """,
    "postgresql": """
        INSERT INTO {table} (user_id, application_id, token, token_checksum, expires, scope,
                             resource, created, updated)
        SELECT %(user)s, %(app)s, %(prefix)s || i,
               encode(sha256(convert_to(%(prefix)s || i, 'UTF8')), 'hex'), %(expires)s,
               'read write groups', '[]'::jsonb, %(now)s, %(now)s
        FROM generate_series(1, %(n)s) AS i
    """,
}


def seed(n: int, state: str) -> dict[str, object]:
    """A user, an application and `n` access tokens, all live or all expired a day ago; with
    expired ones, one live token that cleartokens must keep."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench-user", "bench@example.com", None, is_staff=True)
    app = Application.objects.create(
        name="bench",
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    now = timezone.now()
    expires = now + (timedelta(days=1) if state == "live" else -timedelta(days=1))
    adapt = connection.ops.adapt_datetimefield_value
    params = {"n": n, "user": user.pk, "app": app.pk, "prefix": PREFIX}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        sql = SEED_SQL[connection.vendor].format(table=AccessToken._meta.db_table)
        cursor.execute(sql, {**params, "expires": adapt(expires), "now": adapt(now)})
    if state == "expired":
        AccessToken.objects.create(
            user=user, application=app, token=PREFIX + "kept", expires=now + timedelta(days=1)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {AccessToken._meta.db_table}")
    return {"tokens": n, "user_id": user.pk, "seconds": time.perf_counter() - started}


def timed(tokens: list[str], call: Callable[[str], object]) -> float:
    """Median milliseconds of `call(token)` over `tokens`."""
    times = []
    for token in tokens:
        started = time.perf_counter()
        call(token)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def check(n: int, user_id: int) -> dict[str, float]:
    """Median ms of the token lookup alone and of a whole GET /users/{id}/, each over tokens
    drawn at random from all `n`: first for tokens this process has not presented before
    (their part of a large index may be cold in the database's cache), then again for the
    same tokens, as a client using its token keeps presenting it."""
    from django.test import Client

    from identity.selectors import TOKEN_LOOKUP

    def drawn(count: int) -> list[str]:
        return [f"{PREFIX}{random.randint(1, n)}" for _ in range(count)]  # noqa: S311

    def lookup(token: str) -> None:
        if TOKEN_LOOKUP.find(token) is None:
            raise SystemExit(f"{token} not found")

    client = Client()

    def request(token: str) -> None:
        response = client.get(f"/users/{user_id}/", headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            raise SystemExit(f"GET /users/{user_id}/: {response.status_code}")

    warm_up = drawn(200)
    timed(warm_up, lookup)
    timed(warm_up, request)
    lookups, requests = drawn(LOOKUPS), drawn(LOOKUPS // 4)
    return {
        "lookup_new_ms": timed(lookups, lookup),
        "lookup_ms": timed(lookups, lookup),
        "request_new_ms": timed(requests, request),
        "request_ms": timed(requests, request),
    }


def plan() -> list[str]:
    """The database's plan for the token lookup."""
    from django.db import connection

    from identity.selectors import TOKEN_LOOKUP

    statement = TOKEN_LOOKUP.query.bind(checksum="0" * 64).statements.rows
    explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {statement.sql}", statement.bind({"checksum": "0" * 64}))
        return [str(row[-1]) for row in cursor.fetchall()]


@contextmanager
def transactions_timed() -> Iterator[list[float]]:
    """Seconds of each transaction Django's deletion commits: Collector.delete opens and commits
    one per call (bench-only instrumentation, restored on exit)."""
    from django.db.models.deletion import Collector

    spans: list[float] = []
    original = Collector.delete

    def delete(self: Collector) -> Any:
        started = time.perf_counter()
        try:
            return original(self)
        finally:
            if threading.current_thread() is threading.main_thread():  # not writer_waits'
                spans.append(time.perf_counter() - started)

    Collector.delete = delete  # type: ignore[method-assign]
    try:
        yield spans
    finally:
        Collector.delete = original  # type: ignore[method-assign]


@contextmanager
def writer_waits() -> Iterator[list[float]]:
    """Seconds of each write transaction of another writer meanwhile: a thread, with its own
    connection, creating and deleting a token every 20 ms. On SQLite each waits for the write
    lock; on PostgreSQL nothing the deletes lock is in its way."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    user, app = User.objects.get(), Application.objects.get()
    waits: list[float] = []
    stop = threading.Event()

    def write() -> None:
        while not stop.wait(0.02):
            started = time.perf_counter()
            with transaction.atomic():
                token = AccessToken.objects.create(
                    user=user,
                    application=app,
                    token=f"{PREFIX}probe-{len(waits)}",
                    expires=timezone.now() + timedelta(days=1),
                )
                token.delete()
            waits.append(time.perf_counter() - started)
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield waits
    finally:
        stop.set()
        writer.join()


def clear() -> dict[str, object]:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from oauth2_provider.models import AccessToken
    from oauth2_provider.settings import oauth2_settings

    before = AccessToken.objects.count()
    batch = os.environ.get("BENCH_CLEAR_BATCH")  # to compare with the configured size
    dot = (
        {**settings.OAUTH2_PROVIDER, "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": int(batch)} if batch else {}
    )
    with (
        override_settings(**({"OAUTH2_PROVIDER": dot} if dot else {})),
        transactions_timed() as spans,
        writer_waits() as waits,
    ):
        started = time.perf_counter()
        call_command("cleartokens")
        seconds = time.perf_counter() - started
        batch_size = oauth2_settings.CLEAR_EXPIRED_TOKENS_BATCH_SIZE
    return {
        "before": before,
        "after": AccessToken.objects.count(),
        "seconds": seconds,
        "transactions": len(spans),
        "longest_s": max(spans, default=0.0),
        "median_s": statistics.median(spans) if spans else 0.0,
        "batch_size": batch_size,
        "writes": len(waits),
        "longest_write_s": max(waits, default=0.0),
    }


def step(env: dict[str, str], *args: object) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        run([PYTHON, __file__, *map(str, args)], env).splitlines()[-1]
    )
    return result


def bench(label: str, urls: dict[int, str], clear_url: str) -> None:
    envs = {n: server_env(url) for n, url in urls.items()}
    seeded = {n: step(envs[n], "seed", n, "live") for n in SIZES}
    for n, info in seeded.items():
        print(f"{label}: seeded {n} live tokens in {info['seconds']:.1f} s", flush=True)
    best: dict[int, dict[str, float]] = {}
    for _ in range(ROUNDS):
        for n in SIZES:
            measured = step(envs[n], "check", n, seeded[n]["user_id"])
            kept = best.setdefault(n, measured)
            for key, value in measured.items():
                kept[key] = min(kept[key], value)
    columns = {
        "lookup_ms": "lookup",
        "request_ms": "GET /users/{id}/",
        "lookup_new_ms": "lookup, new",
        "request_new_ms": "GET, new",
    }
    print(f"\n{label}: the API's token check, median ms (best of {ROUNDS} rounds)")
    print(f"{'live tokens':>12}" + "".join(f"{title:>18}" for title in columns.values()))
    for n in SIZES:
        print(f"{n:12d}" + "".join(f"{best[n][key]:18.3f}" for key in columns))
    small, large = min(SIZES), max(SIZES)
    ratios = ", ".join(
        f"{title} {best[large][key] / best[small][key]:.2f}x" for key, title in columns.items()
    )
    print(f"{label}: {large} tokens / {small}: {ratios}")
    for line in step(envs[large], "plan")["plan"]:
        print(f"  plan: {line}")

    env = server_env(clear_url)
    info = step(env, "seed", large, "expired")
    print(f"\n{label}: seeded {large} expired tokens in {info['seconds']:.1f} s", flush=True)
    done = step(env, "clear")
    print(
        f"{label}: cleartokens deleted {done['before'] - done['after']} of {done['before']} "
        f"access tokens in {done['seconds']:.1f} s, {done['transactions']} transactions of "
        f"{done['batch_size']} rows at most: longest {done['longest_s'] * 1000:.0f} ms, "
        f"median {done['median_s'] * 1000:.0f} ms; meanwhile the longest of "
        f"{done['writes']} other writes took {done['longest_write_s'] * 1000:.0f} ms"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = {n: f"sqlite:///{scratch}/tokens-{n}.sqlite3" for n in SIZES}
        bench("SQLite", sqlite, f"sqlite:///{scratch}/tokens-clear.sqlite3")
    pg = os.environ.get("DATABASE_URL", "")
    if pg.startswith(("postgres://", "postgresql://")):
        urls = {n: fresh_postgres(pg, f"tokens_{n}") for n in SIZES}
        bench("PostgreSQL", urls, fresh_postgres(pg, "tokens_clear"))


if __name__ == "__main__":
    if len(sys.argv) == 1:
        main()
        sys.exit()
    setup_django()
    command, *rest = sys.argv[1:]
    if command == "seed":
        print(json.dumps(seed(int(rest[0]), rest[1])))
    elif command == "check":
        print(json.dumps(check(int(rest[0]), int(rest[1]))))
    elif command == "plan":
        print(json.dumps({"plan": plan()}))
    elif command == "clear":
        print(json.dumps(clear()))
    else:
        sys.exit(f"unknown step {command}")
