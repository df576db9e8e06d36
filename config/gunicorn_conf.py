"""gunicorn's settings for `make serve` and `make contract` (scripts/serve, scripts/contract.sh):
`gunicorn --config python:config.gunicorn_conf`.

Its logger redacts credentials (core.redaction): the access log's default format prints the
request line (`%(r)s`) and the Referer (`%(f)s`) with their query strings, and the error log
quotes a request line it cannot parse.

The access log line is written after Django has answered, outside its request: it takes the
request id (core/request_id.py) from the answer's X-Request-ID header.
"""

from typing import Any

from gunicorn import glogging

from core.redaction import RedactCredentials

REDACT = RedactCredentials()


class RedactingLogger(glogging.Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # Logger.addFilter skips a filter it has: a reload (HUP) runs setup again.
        for log in (self.access_log, self.error_log):
            log.addFilter(REDACT)


logger_class = RedactingLogger
# gunicorn's default format, then the request id as LOGGING's lines print it ("-" if none).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)
