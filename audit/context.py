"""Who acts in the current request, for the events its writes record (audit.services).

A browser session's user is the actor from the start of the request, looked up only when an
event asks (identity.middleware); a bearer token's user, client and scopes replace it once the
API accepts the token (identity.auth). Cleared when the response is closed (request_finished),
so a worker thread serving the next request starts with nobody; `manage.py` commands act as
nobody.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


_current: ContextVar[Actor | Callable[[], Actor | None] | None] = ContextVar(
    "audit_actor", default=None
)


def set_actor(actor: Actor | Callable[[], Actor | None]) -> None:
    """`actor`, or a function that finds it when an event is recorded."""
    _current.set(actor)


def actor() -> Actor | None:
    """Who acts in the current request; None outside one, or before authentication."""
    current = _current.get()
    return current() if callable(current) else current


@contextmanager
def acting(actor: Actor | None) -> Iterator[None]:
    """Record the events of the block as `actor`'s (a token's user at the token endpoint)."""
    reset = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(reset)


def forget(**kwargs: Any) -> None:
    _current.set(None)
