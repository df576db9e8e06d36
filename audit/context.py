"""Who acts in the current request, for the events its writes record (audit.services).

Set by the API's authentication once a bearer token is accepted; cleared when the response is
closed (request_finished), so a worker thread serving the next request starts with nobody.
"""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    client_id: str | None  # the OAuth2 application of the token
    scopes: str  # the token's, space-separated (RFC 6749 §3.3)
    ip: str | None


_current: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def set_actor(actor: Actor) -> None:
    _current.set(actor)


def actor() -> Actor | None:
    """Who acts in the current request; None outside one, or before authentication."""
    return _current.get()


def forget(**kwargs: Any) -> None:
    _current.set(None)
