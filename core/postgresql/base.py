"""Django's PostgreSQL backend (psycopg 3), with two changes for persistent connections.

- The health check (`CONN_HEALTH_CHECKS`), made before a request's first query on a connection
  kept from an earlier request, asks the socket instead of the server: Django's runs `SELECT 1`,
  a round trip per request. An idle connection the server has closed has something to read
  (its error message, or end of file); one with nothing to read, in a good state and outside a
  transaction, is usable. With something to read, Django's own check decides.
- `json` values are handed over as text, as Django's driver setup does for `jsonb`: the
  compiled queries (core.compiled) decode each row's JSON with orjson.
"""

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq
from psycopg.types.string import TextLoader


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.adapters.register_loader("json", TextLoader)
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
