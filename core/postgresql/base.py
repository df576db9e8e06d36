"""Django's PostgreSQL backend (psycopg 3), with four changes.

- Prepared statements for the compiled queries (core.compiled), with server-side binding
  (`OPTIONS`, config/settings.py): a statement in `core.compiled.PREPARED` is prepared on a
  connection at its first run, so later runs skip parsing and, once PostgreSQL finds a generic
  plan as good as the custom ones, planning too (`plan_cache_mode=auto`, PostgreSQL's default).
  Nothing else is prepared: the ORM's statements and any statement with a search term run
  unnamed, each planned with its values, as a generic plan does not see a `?search=` term and
  walks the primary key for a rare one (~2 s at a million users, against ~2 ms with the
  trigram indexes).
- The health check (`CONN_HEALTH_CHECKS`), made before a request's first query on a connection
  kept from an earlier request, asks the socket instead of the server: Django's runs `SELECT 1`,
  a round trip per request. An idle connection the server has closed has something to read
  (its error message, or end of file); one with nothing to read, in a good state and outside a
  transaction, is usable. With something to read, Django's own check decides.
- `json` values are handed over as text, as Django's driver setup does for `jsonb`: the
  compiled queries read each row's JSON text with orjson.
- `timestamptz` values are parsed by psycopg's own loader (its C one with psycopg's binary
  package), not Django's, which subclasses psycopg's pure-Python loader to label each value
  with Django's time zone (Django ticket #36960: the C one cannot be subclassed). With
  `USE_TZ`, Django sets the session's time zone to UTC on connecting, and psycopg's loader
  gives its values in that zone: the same datetimes, `timezone.utc` included, parsed ~4x
  faster (~0.2 ms for a page of 50 users).
"""

import select
import sys
from datetime import UTC, datetime
from typing import Any

from django.db.backends.postgresql import base
from psycopg import adapters, postgres, pq
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.types.string import TextLoader

from core.compiled import PREPARED


class TimestamptzLoader(Loader):
    """psycopg's timestamptz loader, as psycopg registers it (its C class when there is one),
    for a session in UTC."""

    timezone = UTC  # what Django's create_cursor compares with its connection's zone
    psycopg_loader = adapters.get_loader(postgres.types["timestamptz"].oid, pq.Format.TEXT)

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        assert self.psycopg_loader is not None  # noqa: S101 (psycopg registers one)
        self._load = self.psycopg_loader(oid, context).load

    def load(self, data: Buffer) -> datetime:
        value: datetime = self._load(data)
        return value


class Cursor(base.ServerBindingCursor):
    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any
    ) -> Any:
        if prepare is None:
            prepare = isinstance(query, str) and query in PREPARED
        # django-stubs declare ServerBindingCursor without psycopg's Cursor, its other base.
        return super().execute(query, params, prepare=prepare, **kwargs)  # type: ignore[misc]


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        params["cursor_factory"] = Cursor
        # Never reached: psycopg prepares nothing by itself (None would refuse Cursor's too).
        params["prepare_threshold"] = sys.maxsize
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.adapters.register_loader("json", TextLoader)
        if self.timezone == UTC:
            connection.adapters.register_loader("timestamptz", TimestamptzLoader)
        return connection

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        info = connection.info
        if info.status != pq.ConnStatus.OK:
            return False
        if info.transaction_status == pq.TransactionStatus.IDLE and not _readable(
            connection.fileno()
        ):
            return True
        return bool(super().is_usable())


def _readable(fd: int) -> bool:
    poll = select.poll()
    poll.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poll.poll(0))
