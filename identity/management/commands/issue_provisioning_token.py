"""A long-lived `scim` access token for a provisioning client that takes a static bearer token
(identity.services.provisioning_token_issue; docs/scim.md, Okta)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.services import PROVISIONING_TOKEN_MAX_DAYS, TokenRefused, provisioning_token_issue


class Command(BaseCommand):
    help = (
        "Issue an access token with the scim scope to a confidential client credentials "
        "application, valid for --days days, for a provisioning client configured with a "
        "static bearer token (Okta's HTTP Header authentication). The token alone is printed "
        "on standard output, once; it is stored only as its checksum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True, help="the application's client_id")
        parser.add_argument(
            "--days",
            type=int,
            required=True,
            help=f"how long the token is valid, 1 to {PROVISIONING_TOKEN_MAX_DAYS} days",
        )

    def handle(self, *args: Any, client_id: str, days: int, **options: Any) -> None:
        try:
            issued = provisioning_token_issue(client_id=client_id, days=days)
        except TokenRefused as refused:
            raise CommandError(str(refused)) from refused
        # Standard output carries the token alone, for `TOKEN=$(manage.py ...)`; what it is
        # goes to standard error.
        self.stdout.write(issued.value)
        self.stderr.write(
            f"Issued token {issued.token.pk} (scope scim) to {client_id}, expires "
            f"{issued.expires.isoformat(timespec='seconds')}. It is not shown again; revoke it "
            "in the admin (Access tokens) or at /o/revoke_token/.",
            style_func=lambda text: text,
        )
