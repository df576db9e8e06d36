"""A cheap hash for the client secrets the server generates, a slow one for everything else.

DOT hashes client secrets at rest with `make_password(secret, hasher=CLIENT_SECRET_HASHER)` and
checks them with `check_password`, so at Django's PBKDF2 cost every token request pays ~0.4 s for
the client alone. Slow hashing exists to make guessing human-chosen secrets expensive; a secret
the server generated (identity.client_secrets: 96 random letters and digits, ~570 bits, and a
tag) cannot be guessed at any hash speed, so a salted HMAC-SHA256 keeps it unreadable at rest
for microseconds. Any other secret (typed into a form, given to a command, a generated one
edited) is handed to the slow default hasher instead, and stays on it for every later check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import BasePasswordHasher, get_hasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes

from identity.client_secrets import is_server_generated

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ClientSecretHasher(BasePasswordHasher):
    """Salted HMAC-SHA256 for server-generated secrets; delegates the rest to the default
    hasher, whose encoding (e.g. `pbkdf2_sha256$...`) then identifies it on every later check.
    Verifying needs no tag: a stored `client_secret_hmac_sha256$...` hash verifies as it is."""

    algorithm = "client_secret_hmac_sha256"

    def encode(self, password: str, salt: str) -> str:
        if not salt or "$" in salt:
            raise ValueError("The salt must be non-empty and free of '$'.")
        if not is_server_generated(password):
            return get_hasher("default").encode(password, salt)
        return f"{self.algorithm}${salt}${self._digest(password, salt)}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        if algorithm != self.algorithm:
            raise ValueError(f"Not a {self.algorithm} hash.")
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(self._digest(password, decoded["salt"]), decoded["hash"])

    def safe_summary(self, encoded: str) -> dict[StrOrPromise, Any]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"], show=2),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass

    @staticmethod
    def _digest(password: str, salt: str) -> str:
        mac = hmac.new(force_bytes(salt), force_bytes(password), hashlib.sha256)
        return base64.b64encode(mac.digest()).decode("ascii")
