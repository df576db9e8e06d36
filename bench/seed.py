"""Seed a benchmark database: N users in groups, an admin, two OAuth2 clients and a token.

Run with DATABASE_URL pointing at a database made for the benchmark (bench/bench.py makes one);
prints what the load generator needs as JSON.

A million users take a minute or two, not hours: the users and their memberships are each
written by one `INSERT … SELECT` over a recursive CTE of the numbers 0…N-1 (the same SQL on
SQLite and PostgreSQL), and all users share one password hash computed once.
"""

import json
import os
import secrets
import sys
from datetime import timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, Application  # noqa: E402

GROUPS = 20
GROUPS_PER_USER = 2
PASSWORD = "bench-" + secrets.token_urlsafe(12)
PAGE = 50  # the lists' default page size
DEEP_PAGE = 10_000


# The numbers 0…count-1 (a recursive CTE: SQLite has no generate_series), one row each.
INSERT_USERS = (
    "INSERT INTO auth_user (username, email, first_name, last_name, password, is_superuser, "
    "is_staff, is_active, date_joined) "
    "SELECT 'user' || i, 'user' || i || '@example.com', 'First' || i, 'Last' || i, "
    "%(password)s, false, false, true, %(joined)s "
    "FROM (WITH RECURSIVE n(i) AS "
    "(SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %(count)s) SELECT i FROM n) AS n "
    "ORDER BY i"
)


def insert_users(count: int, *, password: str) -> int:
    """`count` users named user0, user1, …, all with `password` (a hash); the first one's id
    (the ids are consecutive: one statement on a fresh database)."""
    joined = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM auth_user")
        (last_id,) = cursor.fetchone()
        cursor.execute(INSERT_USERS, {"password": password, "joined": joined, "count": count})
    return int(last_id) + 1


def insert_memberships(first_user: int, first_group: int) -> None:
    """User number n (from 0) in the groups number n and n + 1 (modulo GROUPS)."""
    Membership = User.groups.through
    with connection.cursor() as cursor:
        for k in range(GROUPS_PER_USER):
            cursor.execute(
                f"INSERT INTO {Membership._meta.db_table} (user_id, group_id) "  # noqa: S608
                "SELECT id, %s + (id - %s + %s) %% %s FROM auth_user WHERE id >= %s",
                [first_group, first_user, k, GROUPS, first_user],
            )


def deep_page(ids: "QuerySet[User, int]") -> tuple[int, int] | None:
    """Page DEEP_PAGE of a list of ids (its last page if the list is shorter; None if it has
    one page): its number and its cursor, the id of the last item of the page before it. A
    walk by `next` would hold that cursor on reaching the page; it is read here once instead
    of walking there."""
    page = min(DEEP_PAGE, -(-ids.count() // PAGE))
    return (page, ids[(page - 1) * PAGE - 1]) if page > 1 else None


def seed(users: int) -> dict[str, object]:
    call_command("migrate", verbosity=0)
    admin = User.objects.create_superuser("bench-admin", "admin@example.com", PASSWORD)
    groups = Group.objects.bulk_create(Group(name=f"bench-group-{i}") for i in range(GROUPS))
    first_user = insert_users(users, password=make_password(None))  # never used to log in
    if groups[-1].pk - groups[0].pk != GROUPS - 1:
        raise RuntimeError("The groups' ids are not consecutive: is the database fresh?")
    insert_memberships(first_user, groups[0].pk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would do soon after a bulk load
            cursor.execute("VACUUM ANALYZE")
    clients = {}
    for grant in (Application.GRANT_PASSWORD, Application.GRANT_CLIENT_CREDENTIALS):
        app = Application(
            name=f"bench {grant}",
            user=admin,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=grant,
        )
        secret = app.client_secret  # DOT's generated 128 characters, hashed on save
        app.save()
        clients[grant] = {"client_id": app.client_id, "client_secret": secret}
    token = AccessToken.objects.create(
        user=admin,
        application=Application.objects.get(name=f"bench {Application.GRANT_PASSWORD}"),
        token=secrets.token_urlsafe(24),
        scope="read write groups",
        expires=timezone.now() + timedelta(days=1),
    )
    return {
        "users": users,
        "token": token.token,
        "user_id": first_user + users // 2,
        "group_id": groups[0].pk,
        # One user's number: matches that user alone (user987650 of 1,000,000; user49 of 50).
        "selective_search": str(int(users * 0.98765)),
        "deep_users": deep_page(User.objects.order_by("id").values_list("id", flat=True)),
        "deep_members": deep_page(
            User.objects.filter(groups=groups[0]).order_by("id").values_list("id", flat=True)
        ),
        "username": admin.username,
        "password": PASSWORD,
        "clients": clients,
    }


if __name__ == "__main__":
    print(json.dumps(seed(int(sys.argv[1]))))
