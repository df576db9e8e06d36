"""Bench-only WSGI app: the service's (config.wsgi) with its writes' audit events not recorded
(bench/unaudited.py). bench/bench.py serves it beside the real one to price the audit; never
deploy it."""

from unaudited import disable

from config.wsgi import application

disable()

__all__ = ["application"]
