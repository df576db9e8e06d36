"""Seed a benchmark database: N users in groups, an admin, two OAuth2 clients and a token.

Run with DATABASE_URL pointing at a database made for the benchmark (bench/bench.py makes one);
prints what the load generator needs as JSON.
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
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, Application  # noqa: E402

GROUPS = 20
GROUPS_PER_USER = 2
PASSWORD = "bench-" + secrets.token_urlsafe(12)


def seed(users: int) -> dict[str, object]:
    call_command("migrate", verbosity=0)
    admin = User.objects.create_superuser("bench-admin", "admin@example.com", PASSWORD)
    groups = Group.objects.bulk_create(Group(name=f"bench-group-{i}") for i in range(GROUPS))
    hashed = make_password(None)  # directory users never log in during the benchmark
    people = User.objects.bulk_create(
        (
            User(
                username=f"user{i}",
                email=f"user{i}@example.com",
                first_name=f"First{i}",
                last_name=f"Last{i}",
                password=hashed,
            )
            for i in range(users)
        ),
        batch_size=1000,
    )
    Membership = User.groups.through
    Membership.objects.bulk_create(
        (
            Membership(user_id=person.pk, group_id=groups[(n + k) % GROUPS].pk)
            for n, person in enumerate(people)
            for k in range(GROUPS_PER_USER)
        ),
        batch_size=1000,
    )
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
        "user_id": people[len(people) // 2].pk,
        "username": admin.username,
        "password": PASSWORD,
        "clients": clients,
    }


if __name__ == "__main__":
    print(json.dumps(seed(int(sys.argv[1]))))
