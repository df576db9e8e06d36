"""The RSA keys that sign ID tokens (OpenID Connect Core §10.1), read from the environment.

The active key signs; the inactive ones stay in the JWKS so that tokens they signed still
verify after a rotation. Without a key, DJANGO_DEBUG=false stops start-up; development gets a
key generated for the process (`make run` and `make serve` keep one in `.local/` instead).
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from pydantic import SecretStr

from config.environment import Environment

MINIMUM_BITS = 2048
PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


@dataclass(frozen=True)
class SigningKeys:
    active: str
    inactive: list[str]


def generate_pem() -> str:
    """A new 2048-bit RSA private key, PKCS#8 PEM, unencrypted."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=MINIMUM_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def read_signing_keys(env: Environment) -> SigningKeys:
    """The keys the environment names; ImproperlyConfigured naming each variable at fault."""
    problems: list[str] = []
    active = _pems(
        "OIDC_RSA_PRIVATE_KEY", env.OIDC_RSA_PRIVATE_KEY, env.OIDC_RSA_PRIVATE_KEY_FILE, problems
    )
    inactive = _pems(
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE",
        env.OIDC_RSA_PRIVATE_KEYS_INACTIVE,
        env.OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILE,
        problems,
    )
    if active is not None and len(active) > 1:
        problems.append("OIDC_RSA_PRIVATE_KEY holds several keys: give the active one only.")
    if active is None and not problems and not env.DJANGO_DEBUG:
        problems.append(
            "OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE must be set when DJANGO_DEBUG is "
            "false (docs/sign-in-with-the-directory.md, 'Keys')."
        )
    if problems:
        raise ImproperlyConfigured("\n".join(problems))
    return SigningKeys(active=active[0] if active else generate_pem(), inactive=inactive or [])


def _pems(
    name: str, text: SecretStr | None, path: Path | None, problems: list[str]
) -> list[str] | None:
    """The PEM keys of `name` (text) or `name_FILE` (a path), None when neither is set."""
    if text is not None and path is not None:
        problems.append(f"{name} and {name}_FILE are both set: use one.")
        return None
    if path is not None:
        try:
            content = path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{name}_FILE={str(path)!r} cannot be read: {error}.")
            return None
        source = f"{name}_FILE={str(path)!r}"
    elif text is not None:
        content, source = text.get_secret_value(), name
    else:
        return None
    blocks = [match.group(0) for match in PEM_BLOCK.finditer(content)]
    if not blocks or not all(_is_rsa_private_key(block) for block in blocks):
        problems.append(
            f"{source} is not made of unencrypted RSA private keys of {MINIMUM_BITS} bits or "
            "more in PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)."
        )
        return None
    return blocks


def _is_rsa_private_key(pem: str) -> bool:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        return False
    return isinstance(key, rsa.RSAPrivateKey) and key.key_size >= MINIMUM_BITS


def write_key_once(path: Path) -> None:
    """A development key at `path` (mode 600), unless one is there: `make run`, `make serve`."""
    if path.exists() and path.stat().st_size:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(generate_pem())


if __name__ == "__main__":
    write_key_once(Path(sys.argv[1]))
