"""The API's reads in-process, compiled (core.compiled) against the plain ORM, on one database.

Why the hot reads do not go through the ORM on every request: building their SQL costs more
than running it. Seeds a fresh SQLite database in a temporary directory (or uses
DATABASE_URL's PostgreSQL, in a `<name>_bench_read_path` database it recreates) with 60
users in groups and a token, then times each read both ways (best of 5 runs).

    .venv/bin/python bench/read_path.py
"""

import os
import sys
import tempfile
import timeit
from collections.abc import Callable
from hashlib import sha256
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def setup_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        from bench import fresh_postgres

        os.environ["DATABASE_URL"] = fresh_postgres(url, "read_path")
    else:
        scratch = tempfile.mkdtemp()
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/read-path.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As the service runs in production: no query log (DEBUG records every statement).
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "k" * 50)
    from config.oidc_keys import generate_pem

    if not os.environ.get("OIDC_RSA_PRIVATE_KEY_FILE"):
        os.environ.setdefault("OIDC_RSA_PRIVATE_KEY", generate_pem())
    import django

    django.setup()


def best_us(read: Callable[[], Any], number: int = 1000) -> float:
    read()
    return min(timeit.repeat(read, number=number, repeat=5)) / number * 1e6


def main() -> None:
    setup_database()
    from django.contrib.auth.models import User
    from django.db import connection
    from oauth2_provider.models import AccessToken

    from directory import selectors
    from directory.schemas import UserOut
    from identity.selectors import access_token_get

    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from seed import seed

    seeded = seed(60)
    token, user_id = str(seeded["token"]), int(seeded["user_id"])  # type: ignore[call-overload]
    checksum = sha256(token.encode()).hexdigest()

    def users(queryset: Any) -> list[Any]:
        """The ORM's rows of the same columns, made into the same items as compiled ones."""
        return [selectors.user_item(row) for row in queryset.values_list(*columns)]

    columns = selectors.user_columns()

    reads: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        (
            "token and its user",
            lambda: access_token_get(token=token),
            lambda: AccessToken.objects.select_related("user").get(token_checksum=checksum),
        ),
        (
            "one user (GET /users/{id}/)",
            lambda: selectors.user_row(user_id=user_id),
            lambda: UserOut.model_validate(users(User.objects.filter(pk=user_id))[0]),
        ),
        (
            "page of 50 users",
            lambda: selectors.user_listing().page(limit=50, offset=0),
            lambda: users(selectors.user_list()[:50]),
        ),
        (
            "count of users",
            lambda: selectors.user_listing().count(),
            lambda: selectors.user_list().count(),
        ),
        (
            "page of 50 users, ?search=",
            lambda: selectors.user_listing(search="user1").page(limit=50, offset=0),
            lambda: users(selectors.user_list(search="user1")[:50]),
        ),
    ]
    print(f"{connection.vendor}, 60 users: µs per read, best of 5 runs")
    print(f"{'read':32} {'compiled':>9} {'ORM':>9} {'ORM/compiled':>13}")
    for name, compiled, orm in reads:
        fast, slow = best_us(compiled), best_us(orm)
        print(f"{name:32} {fast:9.1f} {slow:9.1f} {slow / fast:12.1f}x")


if __name__ == "__main__":
    main()
