"""Bench-only: the API's writes without their audit events, to measure what recording them
costs. Nothing outside bench/ imports this; it is no setting and no switch of the service."""

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from types import ModuleType
from typing import Any

RECORDER = "events_record"  # the name the directory's writes record their events with
# Where the directory's writes call it: the model receivers (user and group saves) and the
# services (memberships).
RECORDING_MODULES = ("directory.audit", "directory.services")


def record_nothing(changes: list[Any]) -> list[Any]:
    return []


def _modules() -> list[ModuleType]:
    modules = [import_module(name) for name in RECORDING_MODULES]  # once Django is set up
    for module in modules:
        if not hasattr(module, RECORDER):
            raise SystemExit(f"{module.__name__} has no {RECORDER}: update bench/unaudited.py")
    return modules


def disable() -> None:
    for module in _modules():
        setattr(module, RECORDER, record_nothing)


@contextmanager
def without_audit() -> Iterator[None]:
    saved = [(module, getattr(module, RECORDER)) for module in _modules()]
    disable()
    try:
        yield
    finally:
        for module, recorder in saved:
            setattr(module, RECORDER, recorder)
