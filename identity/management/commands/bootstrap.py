"""Demo data for `make run`: an admin, the tutorial's OAuth2 application, the public client
Swagger UI signs in with, a few users and groups.

Idempotent: what exists is left alone. Secrets are printed only when they are created, because
DOT stores the client secret hashed and Django the password hashed.
"""

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.urls import reverse
from oauth2_provider.models import Application

from identity.usernames import users_named

DEMO_APPLICATION = "Tutorial client"
SWAGGER_UI_APPLICATION = "Swagger UI"
DEMO_GROUPS = {"engineering": ["alice"], "support": ["bob"]}


class Command(BaseCommand):
    help = "Create the demo admin, OAuth2 application, users and groups if they are absent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}",
            help="Where the service listens, for the printed curl commands.",
        )

    @transaction.atomic
    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        password = self._admin(username)
        owner = users_named(username).get()
        client = self._application(owner=owner)
        self._swagger_ui_client(owner=owner, base_url=base_url)
        self._directory()
        if password and client:
            self._print_tutorial(base_url, username, password, *client)
        elif password or client:
            self.stdout.write("Demo data was partly present: the commands above use what is new.")
        else:
            self.stdout.write(
                "Demo data already present. Its admin password and client secret were printed "
                "when they were created; `manage.py changepassword` and the admin's "
                "application page replace them."
            )

    def _admin(self, username: str) -> str | None:
        if users_named(username).exists():
            return None
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(18)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin user:     {username} / {password}"))
        return password

    def _application(self, *, owner: User) -> tuple[str, str] | None:
        if Application.objects.filter(name=DEMO_APPLICATION).exists():
            return None
        application = Application(
            name=DEMO_APPLICATION,
            user=owner,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_PASSWORD,
        )
        client_secret = application.client_secret  # cleartext until save() hashes it
        application.save()
        self.stdout.write(self.style.SUCCESS(f"client_id:      {application.client_id}"))
        self.stdout.write(self.style.SUCCESS(f"client_secret:  {client_secret}"))
        return application.client_id, client_secret

    def _swagger_ui_client(self, *, owner: User, base_url: str) -> None:
        """A public client (no secret) for the authorization code grant with PKCE (RFC 7636),
        whose redirect URI is Swagger UI's sign-in return page on `base_url`."""
        client_id = settings.SWAGGER_UI_CLIENT_ID
        if Application.objects.filter(client_id=client_id).exists():
            return
        application = Application.objects.create(
            name=SWAGGER_UI_APPLICATION,
            client_id=client_id,
            user=owner,
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(swagger_ui_redirect_uris(base_url)),
            client_secret="",
            hash_client_secret=False,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Swagger UI:     {base_url}/docs signs in as client {client_id}")
        )
        self.stdout.write(f"  (redirect URIs: {application.redirect_uris})")

    def _directory(self) -> None:
        for group_name, members in DEMO_GROUPS.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            for member in members:
                user = users_named(member).first()
                if user is None:
                    password = secrets.token_urlsafe(12)
                    user = User(username=member, email=f"{member}@example.com")
                    user.set_password(password)
                    user.save()
                    # An ordinary user's token is the one to try the permission checks with.
                    self.stdout.write(self.style.SUCCESS(f"Demo user:      {member} / {password}"))
                group.user_set.add(user)

    def _print_tutorial(
        self, base_url: str, username: str, password: str, client_id: str, client_secret: str
    ) -> None:
        token_request = (
            f'curl -X POST -d "grant_type=password&username={username}&password={password}" '
            f'-u"{client_id}:{client_secret}" {base_url}/o/token/'
        )
        extract = " | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
        lines = [
            "",
            "The tutorial's steps 4 and 5, ready to paste:",
            "",
            f'TOKEN=$(curl -s -X POST -d "grant_type=password&username={username}'
            f'&password={password}" -u"{client_id}:{client_secret}" {base_url}/o/token/{extract})',
            f'curl -H "Authorization: Bearer $TOKEN" {base_url}/users/',
            f'curl -H "Authorization: Bearer $TOKEN" {base_url}/users/1/',
            f'curl -H "Authorization: Bearer $TOKEN" {base_url}/groups/',
            f'curl -H "Authorization: Bearer $TOKEN" -X POST '
            f'-d"username=foo&password=Correct-Horse-42" {base_url}/users/',
            "",
            f'READ_TOKEN=$(curl -s -X POST -d "grant_type=password&username={username}'
            f'&password={password}&scope=read" -u"{client_id}:{client_secret}" '
            f"{base_url}/o/token/{extract})",
            f'curl -H "Authorization: Bearer $READ_TOKEN" {base_url}/users/',
            f'curl -H "Authorization: Bearer $READ_TOKEN" {base_url}/groups/    # 403',
            f'curl -H "Authorization: Bearer $READ_TOKEN" -X POST '
            f'-d"username=bar&password=Correct-Horse-43" {base_url}/users/    # 403',
            "",
            "Or the token request exactly as in the tutorial:",
            token_request,
            "",
        ]
        self.stdout.write("\n".join(lines))


def swagger_ui_redirect_uris(base_url: str) -> list[str]:
    """Swagger UI's return page at `base_url`, and at the other loopback name for it.

    DOT accepts any port on a registered http://127.0.0.1 redirect URI (RFC 8252 §7.3), so
    one registration serves every PORT there; `localhost` has no such exemption.
    """
    path = reverse("docs-oauth2-redirect")
    uris = [f"{base_url.rstrip('/')}{path}"]
    for loopback, alias in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
        if loopback in base_url:
            uris.append(uris[0].replace(loopback, alias, 1))
    return uris
