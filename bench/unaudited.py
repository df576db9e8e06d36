"""Bench-only: the API's writes without their audit events, to measure what recording them
costs. Nothing outside bench/ imports this; it is no setting and no switch of the service."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

RECORDER = "events_record"  # the name directory.services records its events with


def record_nothing(changes: list[Any]) -> list[Any]:
    return []


def _services() -> ModuleType:
    import directory.services  # once Django is set up: it imports models

    if not hasattr(directory.services, RECORDER):
        raise SystemExit(f"directory.services has no {RECORDER}: update bench/unaudited.py")
    return directory.services


def disable() -> None:
    setattr(_services(), RECORDER, record_nothing)


@contextmanager
def without_audit() -> Iterator[None]:
    recorder = getattr(_services(), RECORDER)
    disable()
    try:
        yield
    finally:
        setattr(_services(), RECORDER, recorder)
